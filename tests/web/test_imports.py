"""Importing a judgments CSV into a round: from the facilitator's page and the command line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from deliberate.cli import cli
from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Membership, Role, Round
from deliberate.services.imports import ImportRejected, import_csv
from deliberate.services.results import judgments_csv
from tests.conftest import login
from tests.factories import make_consultation, make_member, three_pair_csv

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases

WORKSHOP = (
    "\ufeffParticipant,Group,Outcome_A,Outcome_B,Value,Reason\n"
    "Table 1,Funders,Efficiency,Equity,5,Budgets are tight\n"
    "\n"
    'Table 1,Funders,Prevention,Efficiency,1/3,"Later, maybe"\n'
    "Table 2,Service users,Equity,Efficiency,7,\n"
)
BAD_LINE_4 = WORKSHOP.replace("Prevention,Efficiency,1/3", "Prevention,Efficiency,12")


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(Judgment.id)))


def _workshop_round() -> Round:
    return make_consultation(outcomes=("Efficiency", "Equity", "Prevention")).rounds[0]


def test_bad_files_are_rejected_naming_the_line(app: Flask) -> None:
    with app.app_context():
        round_ = _workshop_round()
        with pytest.raises(ImportRejected) as caught:
            import_csv(round_, BAD_LINE_4, user=None)
        assert str(caught.value).startswith("line 4:")
        with pytest.raises(ImportRejected, match="missing column"):
            import_csv(round_, "participant,group,outcome_a,value\n", user=None)


def test_a_csv_imported_twice_is_saved_once(app: Flask) -> None:
    with app.app_context():
        round_ = _workshop_round()
        first = import_csv(round_, WORKSHOP, user=None)
        assert (first.judgments, first.participants, first.created) == (
            3,
            2,
            ["Table 1", "Table 2"],
        )
        again = import_csv(round_, WORKSHOP, user=None)
        assert again.created == []
        assert _count() == 3
        table1 = db.session.scalar(db.select(Membership).filter_by(label="Table 1"))
        ids = {o.name: o.id for o in table1.consultation.outcomes}
        values = {(j.outcome_a_id, j.outcome_b_id): j.value for j in table1.judgments}
        assert values == {
            (ids["Efficiency"], ids["Equity"]): 5.0,
            (ids["Efficiency"], ids["Prevention"]): pytest.approx(3.0),
        }


def test_one_bad_line_and_nothing_is_imported(app: Flask) -> None:
    with app.app_context():
        round_ = _workshop_round()
        with pytest.raises(ImportRejected) as caught:
            import_csv(round_, BAD_LINE_4, user=None)
        assert caught.value.status == 400
        assert caught.value.errors[0].line == 4 and "12" in caught.value.errors[0].detail
        unknown = WORKSHOP.replace("Table 2,Service users", "Table 2,Staff")
        with pytest.raises(ImportRejected, match="line 5, group: 'Staff' is not a stakeholder"):
            import_csv(round_, unknown, user=None)
        assert _count() == 0
        assert db.session.scalar(db.select(Membership).filter_by(label="Table 1")) is None


def test_a_round_exported_as_csv_imports_into_the_next_round(app: Flask, demo: int) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        first, second = consultation.rounds
        before = _count()
        summary = import_csv(second, judgments_csv(first), user=None)
        assert summary.judgments == 60 * 21 and summary.participants == 60
        assert _count() - before <= 60 * 21
        imported = db.session.scalars(
            db.select(Judgment)
            .join(Membership)
            .filter(Judgment.round_id == second.id, Membership.label.is_not(None))
        ).all()
        assert len(imported) == 60 * 21


def test_the_command_imports_or_names_the_bad_line(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        consultation_id = _workshop_round().consultation_id
    path = tmp_path / "workshop.csv"
    path.write_text(BAD_LINE_4, encoding="utf-8")
    failed = runner.invoke(cli, ["import-judgments", str(consultation_id), "1", str(path)])
    assert failed.exit_code == 2
    assert "nothing was imported" in failed.stderr and "line 4" in failed.stderr
    path.write_text(WORKSHOP, encoding="utf-8")
    done = runner.invoke(cli, ["import-judgments", str(consultation_id), "1", str(path)])
    assert done.exit_code == 0, done.output
    assert "Imported 3 judgments of 2 participants into round 1 (2 new)" in done.output
    missing = runner.invoke(cli, ["import-judgments", str(consultation_id), "7", str(path)])
    assert missing.exit_code == 2 and "no round 7" in missing.output
    with app.app_context():
        assert _count() == 3


def _upload(client: Any, url: str, text: str) -> Any:
    return client.submit(
        url,
        {"file": (io.BytesIO(text.encode()), "workshop.csv")},
        content_type="multipart/form-data",
    )


def test_the_facilitator_uploads_a_workshop_file(app: Flask, client: Any) -> None:
    with app.app_context():
        consultation_id = _workshop_round().consultation_id
    url = f"/facilitate/{consultation_id}/rounds/1/import"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    login(client, "fac@example.org", "pw")
    page = client.get(url)
    assert page.status_code == 200
    assert 'type="file"' in page.get_data(as_text=True)
    bad = _upload(client, url, BAD_LINE_4)
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Nothing was imported" in html and "line 4" in html
    with app.app_context():
        assert _count() == 0
    done = _upload(client, url, WORKSHOP)
    assert done.status_code == 302
    assert "Imported 3 judgments of 2 participants, 2 of them new" in client.get(url).get_data(
        as_text=True
    )
    with app.app_context():
        assert _count() == 3


def test_only_this_consultations_facilitators_import_and_not_into_closed_rounds(
    app: Flask, client: Any, demo: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        make_member(consultation, Role.BOARD, email="member@example.org")
        before = _count()
    login(client, "facilitator@example.org")
    closed = _upload(client, f"/facilitate/{demo}/rounds/1/import", WORKSHOP)
    assert closed.status_code == 409 and "closed" in closed.get_data(as_text=True)
    assert client.get(f"/facilitate/{demo}/rounds/9/import").status_code == 404
    board = app.test_client()
    login(board, "member@example.org", "pw")
    assert board.get(f"/facilitate/{demo}/rounds/2/import").status_code == 403
    with app.app_context():
        assert _count() == before


def _long_workshop(participants: int) -> str:
    """Three judgments per participant, each with a reason of 1,900 characters."""
    return three_pair_csv(participants, reason="because " * 237)


def _post_file(client: Any, url: str, text: str) -> Any:
    """Upload ``text`` as a file, the multipart body built here (no temporary file)."""
    token = client.csrf_token(url)
    boundary = "deliberate-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n"
    )
    return client.post(
        url, data=body.encode(), content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_the_import_page_takes_files_beyond_the_request_limit_up_to_its_own(
    app: Flask, client: Any
) -> None:
    app.config["UPLOAD_MAX_BYTES"] = 3 * 1024 * 1024
    with app.app_context():
        consultation_id = _workshop_round().consultation_id
    url = f"/facilitate/{consultation_id}/rounds/1/import"
    login(client, "fac@example.org", "pw")
    larger = _long_workshop(380)
    assert app.config["MAX_CONTENT_LENGTH"] < len(larger) < app.config["UPLOAD_MAX_BYTES"]
    done = _post_file(client, url, larger)
    assert done.status_code == 302
    with app.app_context():
        assert _count() == 3 * 380
    too_large = _post_file(client, url, _long_workshop(600))
    page = too_large.get_data(as_text=True)
    assert too_large.status_code == 413 and "larger than the 3 MiB this page accepts" in page
    with app.app_context():
        assert _count() == 3 * 380
    # Other pages keep the 2 MiB limit.
    other = client.post(f"/facilitate/{consultation_id}", data={"title": "x" * len(larger)})
    assert other.status_code == 413 and "the 2 MiB this page accepts" in other.get_data(
        as_text=True
    )


def test_reasons_keep_every_character_through_the_bulk_write(app: Flask) -> None:
    reason = 'C:\\temp\\new "quoted"\ttabbed\nsecond line, ünïcode \\N'
    escaped = reason.replace('"', '""')
    text = (
        "participant,group,outcome_a,outcome_b,value,reason\n"
        f'T,Funders,Efficiency,Equity,3,"{escaped}"\n'
    )
    with app.app_context():
        import_csv(_workshop_round(), text, user=None)
        assert db.session.scalars(db.select(Judgment.reason)).all() == [reason]
