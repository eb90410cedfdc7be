"""The ``deliberate`` command: init, demo, help; what it and the engine import."""

from __future__ import annotations

import gc
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from deliberate import create_app
from deliberate.cli import cli
from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Membership, Role, User


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Consultation, Membership, Judgment)
    }


def test_demo_twice_does_not_duplicate(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Loaded the demo" in first.output
    assert "facilitator@example.org" in first.output
    assert "demonstration only" in first.output
    with app.app_context():
        before = _counts()
    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    with app.app_context():
        assert _counts() == before
        assert before["Consultation"] == 1


def test_demo_data_has_the_promised_shape(app: Flask) -> None:
    from deliberate.demo import load_demo

    with app.app_context():
        _, consultation = load_demo()
        stakeholders = [m for m in consultation.memberships if m.role is Role.STAKEHOLDER]
        assert 55 <= len(stakeholders) <= 65
        assert {g.name for g in consultation.groups} == {"Funders", "Service users", "Staff"}
        assert len(consultation.outcomes) == 7
        first, second = consultation.rounds
        assert first.closed_at is not None and second.is_open
        per_member = db.session.execute(
            select(Judgment.membership_id, func.count())
            .where(Judgment.round_id == first.id)
            .group_by(Judgment.membership_id)
        ).all()
        assert len(per_member) == len(stakeholders)
        assert {count for _, count in per_member} == {21}
        assert db.session.scalar(select(func.count()).where(Judgment.reason != "")) > 10


def test_init_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    first = runner.invoke(cli, ["init"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        assert "judgments" in inspect(db.engine).get_table_names()
    second = runner.invoke(cli, ["init"])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    with app.app_context():
        db.engine.dispose()


def test_analyze_is_part_of_the_deliberate_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    data = tmp_path / "votes.csv"
    data.write_text("participant,group,outcome_a,outcome_b,value\np1,g,cost,benefit,3\n")
    result = CliRunner().invoke(cli, ["analyze", str(data), "--format", "json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert '"cost": 0.75' in result.output
    bad = CliRunner().invoke(cli, ["analyze", str(tmp_path / "missing.csv")])
    assert bad.exit_code == 2
    assert gc.isenabled()  # the command pauses the cycle collector only while it runs


def _imported_by(code: str) -> set[str]:
    """The top-level modules a fresh interpreter has imported after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_help_lists_only_deliberate_commands_and_loads_no_web_app() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from deliberate.cli import cli; cli()", "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^  ([a-z-]+)\s", result.stdout.split("Commands:")[1], re.M))
    assert listed == {
        "analyze",
        "demo",
        "export",
        "import",
        "import-judgments",
        "init",
        "invite",
        "serve",
        "worker",
    }
    assert "dotenv" not in result.stdout + result.stderr
    # Help starts without the web app or the engine's numerics.
    loaded = _imported_by("from deliberate.cli import cli")
    assert not loaded & {"flask", "sqlalchemy", "numpy", "scipy", "werkzeug"}


def test_the_engine_imports_without_flask() -> None:
    loaded = _imported_by("import deliberate.engine")
    assert "numpy" in loaded and "scipy" in loaded
    assert not loaded & {"flask", "sqlalchemy", "flask_login", "werkzeug"}


def test_an_analysis_loads_only_the_compiled_parts_of_scipy_it_calls(tmp_path: Path) -> None:
    """Not ``scipy.special``'s or ``scipy.cluster``'s start-up (SciPy's array-API layer and
    the parts of numpy it pulls in): a third of a command-line run once."""
    data = tmp_path / "votes.csv"
    rows = [
        f"p{k},g{k % 2},{a},{b},{1 + (k + len(a)) % 5}"
        for k in range(12)
        for a, b in (("x", "y"), ("x", "z"), ("y", "z"))
    ]
    data.write_text("participant,group,outcome_a,outcome_b,value\n" + "\n".join(rows) + "\n")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from deliberate.cli import cli\n"
            "try:\n    cli()\nexcept SystemExit:\n    print(' '.join(sys.modules))",
            "analyze",
            str(data),
            "--format",
            "json",
            "--bootstrap",
            "20",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = set(out.rsplit("}", 1)[-1].split())  # the modules, after the report
    assert {"scipy.special._ufuncs", "scipy.cluster._hierarchy"} <= loaded
    assert not loaded & {"scipy.special", "scipy.cluster", "scipy.spatial", "scipy.stats"}
    assert not loaded & {"numpy.ma", "numpy.f2py", "numpy.testing"}


def test_base_url_follows_the_address_served_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from deliberate.config import base_url

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5077")
    monkeypatch.delenv("HOST", raising=False)
    assert base_url() == "http://127.0.0.1:5077"
    monkeypatch.setenv("BASE_URL", "https://deliberate.example.gov.uk/")
    assert base_url() == "https://deliberate.example.gov.uk"
