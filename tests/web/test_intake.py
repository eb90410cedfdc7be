"""One reader: the same judgments in every encoding, delimiter, decimal style, rounding,
spreadsheet and layout give the same priorities through ``deliberate analyze``,
``deliberate import-judgments`` and the web import, and the same errors the same way."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from flask import Flask
from openpyxl import Workbook

from deliberate.analyze import analyze_command
from deliberate.cli import cli
from deliberate.engine import JudgmentTable, analyze
from deliberate.extensions import db
from deliberate.models import Judgment, Round
from deliberate.services.results import round_table
from tests.conftest import login
from tests.factories import make_consultation

OUTCOMES = ("Coût", "Équité", "Prévention")
GROUPS = ("Funders", "Service users")
F = Fraction
#: (participant, group, outcome_a, outcome_b, exact value); Dev skips a pair.
JUDGMENTS = [
    ("Ana", "Funders", "Coût", "Équité", F(1, 9)),
    ("Ana", "Funders", "Coût", "Prévention", F(1, 3)),
    ("Ana", "Funders", "Équité", "Prévention", F(5)),
    ("Bo", "Funders", "Coût", "Équité", F(1, 7)),
    ("Bo", "Funders", "Coût", "Prévention", F(9)),
    ("Bo", "Funders", "Équité", "Prévention", F(1, 8)),
    ("Chloé", "Service users", "Coût", "Équité", F(2)),
    ("Chloé", "Service users", "Coût", "Prévention", F(1, 6)),
    ("Chloé", "Service users", "Équité", "Prévention", F(1, 2)),
    ("Dev", "Service users", "Coût", "Équité", F(1, 5)),
    ("Dev", "Service users", "Équité", "Prévention", F(7)),
]
PAIRS = [("Coût", "Équité"), ("Coût", "Prévention"), ("Équité", "Prévention")]


def _reference() -> dict[str, Any]:
    table = JudgmentTable.from_records([(*j[:4], float(j[4])) for j in JUDGMENTS])
    return analyze(table, bootstrap=0)


def _fraction(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _decimal(places: int, comma: bool = False) -> Any:
    def write(v: Fraction) -> str:
        text = str(v.numerator) if v.denominator == 1 else f"{float(v):.{places}f}"
        return text.replace(".", ",") if comma else text

    return write


def _long(write: Any, sep: str = ",", end: str = "\n") -> str:
    lines = [sep.join(("participant", "group", "outcome_a", "outcome_b", "value"))]
    lines += [sep.join((*j[:4], write(j[4]))) for j in JUDGMENTS]
    return end.join(lines) + end


def _people() -> dict[str, tuple[str, dict[tuple[str, str], Fraction]]]:
    people: dict[str, tuple[str, dict[tuple[str, str], Fraction]]] = {}
    for person, group, a, b, v in JUDGMENTS:
        people.setdefault(person, (group, {}))[1][(a, b)] = v
    return people


def _pairs(write: Any, header: Any, sep: str = ",") -> str:
    lines = [sep.join(("participant", "group", *(header(a, b) for a, b in PAIRS)))]
    for person, (group, values) in _people().items():
        cells = [write(values[p]) if p in values else "" for p in PAIRS]
        lines.append(sep.join((person, group, *cells)))
    return "\n".join(lines) + "\n"


def _signed(v: Fraction) -> str:
    return str(int(v)) if v >= 1 else f"-{int(1 / v)}"


def _matrices(write: Any, sep: str = ",") -> str:
    lines = []
    for person, (group, values) in _people().items():
        lines += [sep.join((person, group)), sep.join(("", *OUTCOMES))]
        for a in OUTCOMES:
            cells = []
            for b in OUTCOMES:
                if a == b:
                    cells.append("1")
                elif (a, b) in values:
                    cells.append(write(values[(a, b)]))
                elif (b, a) in values:
                    cells.append(write(1 / values[(b, a)]))
                else:
                    cells.append("")
            lines.append(sep.join((a, *cells)))
        lines.append("")
    return "\n".join(lines)


def _xlsx(rows: list[list[Any]], title: str = "Judgments") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_long() -> bytes:
    rows: list[list[Any]] = [["participant", "group", "outcome_a", "outcome_b", "value"]]
    rows += [[*j[:4], int(j[4]) if j[4] >= 1 else round(float(j[4]), 6)] for j in JUDGMENTS]
    return _xlsx(rows)


#: name → (file name, bytes, extra options)
VARIANTS: dict[str, tuple[str, bytes, list[str]]] = {
    "utf-8, comma, fractions": ("j.csv", _long(_fraction).encode(), []),
    "utf-8 BOM, CRLF, 4 decimals": (
        "j.csv",
        b"\xef\xbb\xbf" + _long(_decimal(4), end="\r\n").encode(),
        [],
    ),
    "utf-16, tab, 6 decimal commas": (
        "j.txt",
        _long(_decimal(6, comma=True), sep="\t").encode("utf-16"),
        [],
    ),
    "windows-1252, semicolon, CR only, 4 decimal commas": (
        "j.csv",
        _long(_decimal(4, comma=True), sep=";", end="\r").encode("cp1252"),
        [],
    ),
    "latin-1, comma, 2 decimals": ("j.csv", _long(_decimal(2)).encode("latin-1"), []),
    "xlsx, numbers rounded to 6 places": ("j.xlsx", _xlsx_long(), []),
    "pairs 'A vs B', Saaty, 3 decimals": (
        "j.csv",
        _pairs(_decimal(3), lambda a, b: f"{a} vs {b}").encode(),
        [],
    ),
    "pairs 'A_B', signed": (
        "j.csv",
        _pairs(_signed, lambda a, b: f"{a}_{b}", sep=";").encode(),
        ["--signed"],
    ),
    "matrices, semicolon, decimal commas": (
        "j.csv",
        _matrices(_decimal(4, comma=True), sep=";").encode(),
        [],
    ),
}


def _close(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for name, weight in want.items():
        assert got[name] == pytest.approx(weight, abs=1e-12, rel=0)


def _same_priorities(report: dict[str, Any], reference: dict[str, Any]) -> None:
    _close(report["overall"]["weights"], reference["overall"]["weights"])
    for name, block in reference["groups"].items():
        _close(report["groups"][name]["weights"], block["weights"])


def _analyze(tmp_path: Path, name: str, data: bytes, options: list[str]) -> Any:
    path = tmp_path / name
    path.write_bytes(data)
    return CliRunner().invoke(
        analyze_command, [str(path), "--bootstrap", "0", "--format", "json", *options]
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_analyze_reads_every_variant_exactly(variant: str, tmp_path: Path) -> None:
    name, data, options = VARIANTS[variant]
    result = _analyze(tmp_path, name, data, options)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    reference = _reference()
    _same_priorities(report, reference)
    people = {p["id"]: p["weights"] for p in report["participants"]}
    for person in reference["participants"]:
        _close(people[person["id"]], person["weights"])
    if "1252" in variant or "latin" in variant:
        assert "read as Windows-1252" in result.stderr


def _db_report(round_id: int) -> dict[str, Any]:
    table = round_table(db.session.get(Round, round_id))
    assert table is not None
    return analyze(table, bootstrap=0)


def _stored_values() -> set[float]:
    return set(db.session.scalars(db.select(Judgment.value)))


def test_import_command_and_web_import_store_the_exact_scale_points(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    reference = _reference()
    exact = {float(v) for *_, v in JUDGMENTS} | {float(1 / v) for *_, v in JUDGMENTS}
    runner = app.test_cli_runner()
    login_done = False
    for variant, (name, data, options) in VARIANTS.items():
        with app.app_context():
            by_command = make_consultation(OUTCOMES, GROUPS, title=f"cli {variant}").rounds[0]
            by_web = make_consultation(OUTCOMES, GROUPS, title=f"web {variant}").rounds[0]
            ids = (by_command.consultation_id, by_web.consultation_id)
            round_ids = (by_command.id, by_web.id)
        path = tmp_path / name
        path.write_bytes(data)
        done = runner.invoke(cli, ["import-judgments", str(ids[0]), "1", str(path), *options])
        assert done.exit_code == 0, (variant, done.output)
        assert "Imported 11 judgments of 4 participants" in done.output
        if not login_done:
            login(client, "fac@example.org", "pw")
            login_done = True
        url = f"/facilitate/{ids[1]}/rounds/1/import"
        form: dict[str, Any] = {"file": (io.BytesIO(data), name)}
        if "--signed" in options:
            form["signed"] = "y"
        uploaded = client.submit(url, form, content_type="multipart/form-data")
        assert uploaded.status_code == 302, (variant, uploaded.get_data(as_text=True))
        with app.app_context():
            for round_id in round_ids:
                _same_priorities(_db_report(round_id), reference)
    with app.app_context():
        assert _stored_values() <= exact  # 1/3 stored as float(1/3), never 0.3333


BAD = {
    "case": (
        _long(_fraction).replace("Bo,Funders,Coût,Prévention", "Bo,Funders,coût,Prévention"),
        "line 6: outcome 'Coût' (line 2) and 'coût' differ only in capitals or spacing",
    ),
    "scale": (
        _long(_fraction).replace(
            "Ana,Funders,Équité,Prévention,5", "Ana,Funders,Équité,Prévention,12"
        ),
        "line 4: value '12' is outside Saaty's scale",
    ),
    "ambiguous": (
        _long(_fraction).replace(
            "Chloé,Service users,Coût,Équité,2", "Chloé,Service users,Coût,Équité,0.1"
        ),
        "line 8: value '0.1' is outside Saaty's scale [1/9, 9]; it could be 1/9, 1/8 or 1/7",
    ),
    "twice": (
        _long(_fraction) + "Ana,Funders,Prévention,Coût,3\n",
        "line 13: participant 'Ana' compares 'Prévention' and 'Coût' twice (first on line 3)",
    ),
    "spacing": (
        _long(_fraction).replace("Dev,Service users,Équité", "Dev,Service  users,Équité"),
        "line 12: group 'Service users' (line 8) and 'Service  users' differ only",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_the_same_error_the_same_way_everywhere(
    case: str, app: Flask, client: Any, tmp_path: Path
) -> None:
    text, message = BAD[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    analysed = CliRunner().invoke(analyze_command, [str(path), "--bootstrap", "0"])
    assert analysed.exit_code == 2 and message in analysed.stderr
    with app.app_context():
        consultation_id = make_consultation(OUTCOMES, GROUPS).id
    imported = app.test_cli_runner().invoke(
        cli, ["import-judgments", str(consultation_id), "1", str(path)]
    )
    assert imported.exit_code == 2 and message in imported.stderr
    login(client, "fac@example.org", "pw")
    uploaded = client.submit(
        f"/facilitate/{consultation_id}/rounds/1/import",
        {"file": (io.BytesIO(text.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 400
    assert message.replace("'", "&#39;") in uploaded.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 0


def test_the_readme_examples_read_as_documented() -> None:
    from deliberate.intake import read_judgments

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    layouts = {}
    for title, layout in (("*Long*", "long"), ("*Pairs*", "pairs"), ("*Matrices*", "matrices")):
        block = readme.split(title, 1)[1].split("```csv\n", 1)[1].split("```", 1)[0]
        reading = read_judgments(block.encode(), "example.csv")
        assert reading.layout == layout
        layouts[layout] = reading.table()
    assert layouts["long"].participants == ("f1", "u1")
    assert layouts["pairs"].size == 4 and layouts["matrices"].size == 1
    matrix = layouts["matrices"]
    assert matrix.log_judgments[0, 1, 2] == pytest.approx(-np.log(3), abs=1e-15)  # 0.3333 is 1/3


def test_an_api_batch_reads_values_by_the_same_rules(app: Flask) -> None:
    from deliberate.models import Scope, User
    from deliberate.services.tokens import create_token

    client = app.test_client()
    with app.app_context():
        consultation_id = make_consultation(OUTCOMES, GROUPS).id
        user = db.session.scalar(db.select(User).filter_by(email="fac@example.org"))
        token = create_token(user, "test", Scope.WRITE)[1]
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    headers = {"Authorization": f"Bearer {token}"}

    def row(a: str, b: str, value: object, who: str = "Ana") -> dict[str, object]:
        return {
            "participant": who,
            "group": "Funders",
            "outcome_a": a,
            "outcome_b": b,
            "value": value,
        }

    bad = client.post(
        url,
        json={"judgments": [row("Coût", "Équité", 3), row("Coût", "Prévention", "0.1")]},
        headers=headers,
    )
    assert bad.status_code == 400
    assert bad.get_json()["errors"][0]["row"] == 2
    assert "could be 1/9, 1/8 or 1/7" in bad.get_json()["errors"][0]["detail"]
    batch = [
        row("Coût", "Équité", "0.3333"),
        row("Coût", "Prévention", 0.1111),
        row("Prévention", "Équité", "1/7"),
        row("Coût", "Équité", 5, "Bo"),
    ]
    done = client.post(url, json={"judgments": batch}, headers=headers)
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        assert _stored_values() == {float(F(1, 3)), float(F(1, 9)), 7.0, 5.0}


def test_a_named_sheet_is_read_and_a_missing_one_named(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing to see"])
    sheet = book.create_sheet("Votes")
    sheet.append(["participant", "group", "outcome_a", "outcome_b", "value"])
    sheet.append(["Ana", "Funders", "Coût", "Équité", 0.3333])
    path = tmp_path / "book.xlsx"
    book.save(path)
    runner = CliRunner()
    args = [str(path), "--bootstrap", "0", "--format", "json"]
    read = runner.invoke(analyze_command, [*args, "--sheet", "Votes"])
    assert read.exit_code == 0, read.output
    assert json.loads(read.stdout)["overall"]["weights"]["Équité"] == pytest.approx(0.75)
    assert "read from sheet 'Votes'" in read.stderr
    missing = runner.invoke(analyze_command, [*args, "--sheet", "Results"])
    assert missing.exit_code == 2
    assert "no sheet named 'Results' (sheets: Notes, Votes)" in missing.stderr


def test_a_pair_column_that_names_no_pair_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("participant,group,cost_of_care_benefit\nAna,Funders,3\n", encoding="utf-8")
    result = CliRunner().invoke(analyze_command, [str(path), "--bootstrap", "0"])
    assert result.exit_code == 2
    assert "line 1: column 'cost_of_care_benefit' is not a pair of outcomes" in result.stderr
