"""The ``deliberate`` command: init, demo."""

from __future__ import annotations

from pathlib import Path

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
