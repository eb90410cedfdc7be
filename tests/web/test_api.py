"""The JSON API: tokens, reading consultations and results, submitting judgments, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from openapi_spec_validator import validate

from deliberate.analyze import analyze_command
from deliberate.engine import public_view, to_json
from deliberate.extensions import db
from deliberate.models import (
    ApiToken,
    AuditEvent,
    Consultation,
    Judgment,
    Membership,
    Role,
    Scope,
    User,
    utcnow,
)
from deliberate.services import results
from deliberate.services.tokens import create_token
from tests.conftest import login
from tests.factories import add_judgments, make_consultation, make_member

PROBLEM = "application/problem+json"


def _token(email: str, scope: Scope = Scope.WRITE) -> str:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    return create_token(user, "test", scope)[1]


def _member_token(membership: Membership, scope: Scope = Scope.WRITE) -> str:
    return create_token(membership.user, "test", scope)[1]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _judgment_count() -> int:
    return db.session.scalar(db.select(db.func.count(Judgment.id)))


# --------------------------------------------------------------------------- documents


def test_openapi_document_is_valid_and_the_docs_page_renders_it(app: Flask) -> None:
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path in document["paths"]:
        assert f"/api/v1{path}" in html
    assert "cdn" not in html.lower()


def test_health_needs_no_token(app: Flask) -> None:
    assert app.test_client().get("/api/v1/health").get_json() == {"status": "ok"}


# --------------------------------------------------------------------------- authentication


def test_without_a_token_the_api_answers_401_even_to_a_signed_in_browser(
    app: Flask, client: Any, demo: int
) -> None:
    response = client.get("/api/v1/consultations")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.get_json()["detail"]
    login(client, "facilitator@example.org")
    assert client.get("/api/v1/consultations").status_code == 401
    assert client.get(f"/api/v1/consultations/{demo}").status_code == 401
    posted = client.post(f"/api/v1/consultations/{demo}/rounds/2/judgments", json={})
    assert posted.status_code == 401
    wrong = client.get("/api/v1/consultations", headers=_auth("dlb_not-a-token"))
    assert wrong.status_code == 401


def test_a_revoked_token_stops_working_and_use_is_recorded(app: Flask, demo: int) -> None:
    client = app.test_client()
    with app.app_context():
        secret = _token("facilitator@example.org", Scope.READ)
    assert client.get("/api/v1/consultations", headers=_auth(secret)).status_code == 200
    with app.app_context():
        token = db.session.scalar(db.select(ApiToken))
        assert token.last_used_at is not None
        assert token.token_hash != secret and secret not in token.token_hash
        token.revoked_at = utcnow()
        db.session.commit()
    assert client.get("/api/v1/consultations", headers=_auth(secret)).status_code == 401


# --------------------------------------------------------------------------- reading


def test_a_caller_sees_only_their_own_consultations(app: Flask, demo: int) -> None:
    client = app.test_client()
    with app.app_context():
        other = make_consultation(title="Elsewhere", facilitator_email="other@example.org")
        other_id = other.id
        mine = _token("facilitator@example.org", Scope.READ)
        theirs = _token("other@example.org", Scope.READ)
    listed = client.get("/api/v1/consultations", headers=_auth(mine)).get_json()
    assert [(c["id"], c["role"]) for c in listed["consultations"]] == [(demo, "facilitator")]
    detail = client.get(f"/api/v1/consultations/{demo}", headers=_auth(mine)).get_json()
    assert len(detail["outcomes"]) == 7
    assert [g["name"] for g in detail["groups"]] == ["Funders", "Service users", "Staff"]
    assert [(r["number"], r["open"]) for r in detail["rounds"]] == [(1, False), (2, True)]
    forbidden = client.get(f"/api/v1/consultations/{demo}", headers=_auth(theirs))
    assert forbidden.status_code == 403 and forbidden.mimetype == PROBLEM
    assert client.get(f"/api/v1/consultations/{other_id}", headers=_auth(mine)).status_code == 403
    missing = client.get("/api/v1/consultations/999999", headers=_auth(mine))
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    huge = client.get(f"/api/v1/consultations/{2**40}/rounds", headers=_auth(mine))
    assert huge.status_code == 404
    rounds = client.get(f"/api/v1/consultations/{demo}/rounds/3", headers=_auth(mine))
    assert rounds.status_code == 404 and "no round 3" in rounds.get_json()["detail"]


def _cli_report(
    csv_text: str, options: dict[str, Any], tmp_path: Any, appraisal: list[str] | None = None
) -> str:
    """What ``deliberate analyze --format json`` prints for the CSV with these options."""
    path = tmp_path / "judgments.csv"
    path.write_text(csv_text, encoding="utf-8")
    args = [str(path), "--format", "json", "--skip-disconnected", *(appraisal or [])]
    args += ["--weighting", options["weighting"], "--seed", str(options["seed"])]
    if options["cr_threshold"] is not None:
        args += ["--cr-threshold", str(options["cr_threshold"])]
    for name, weight in options.get("group_weights", {}).items():
        args += ["--group-weight", f"{name}={weight}"]
    result = CliRunner().invoke(analyze_command, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_results_are_what_deliberate_analyze_prints_for_the_same_csv(
    app: Flask, demo: int, tmp_path: Any
) -> None:
    client = app.test_client()
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        options = results.analysis_options(consultation)
        k = consultation.anonymity_k
        facilitator = _token("facilitator@example.org", Scope.READ)
        board = _token("board@example.org", Scope.READ)
    url = f"/api/v1/consultations/{demo}/rounds/1"
    csv_text = client.get(f"{url}/judgments?format=csv", headers=_auth(facilitator))
    assert csv_text.mimetype == "text/csv"
    # The demo's options: their appraisal and costs, as the CLI reads them.
    appraisal_csv = tmp_path / "appraisal.csv"
    appraisal_csv.write_text(
        client.get(
            f"/api/v1/consultations/{demo}/appraisal?format=csv", headers=_auth(facilitator)
        ).get_data(as_text=True),
        encoding="utf-8",
    )
    listed = client.get(f"/api/v1/consultations/{demo}/options", headers=_auth(facilitator))
    appraisal = ["--options", str(appraisal_csv)]
    for option in listed.get_json()["options"]:
        appraisal += ["--option-cost", f"{option['name']}={option['annual_cost']}"]
    printed = _cli_report(csv_text.get_data(as_text=True), options, tmp_path, appraisal)
    assert "options" in json.loads(printed)

    public = client.get(f"{url}/results", headers=_auth(board))
    assert public.status_code == 200 and public.mimetype == "application/json"
    expected = to_json(public_view(json.loads(printed), k)) + "\n"
    assert public.get_data(as_text=True) == expected
    assert "participants" not in public.get_json()

    full = client.get(f"{url}/results", headers=_auth(facilitator))
    assert len(full.get_json()["participants"]) == 60
    assert full.get_data(as_text=True) == printed


def test_small_groups_are_withheld_from_non_facilitators(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("Big", "Small"), k=2)
        round_ = consultation.rounds[0]
        for group, value in (("Big", 3.0), ("Big", 2.0), ("Small", 1 / 5)):
            add_judgments(make_member(consultation, group=group), round_, {("A", "B"): value})
        round_.closed_at = utcnow()
        db.session.commit()
        board = _member_token(make_member(consultation, Role.BOARD, email="b@example.org"))
        facilitator = _token("fac@example.org")
        url = f"/api/v1/consultations/{consultation.id}/rounds/1/results"
    public = client.get(url, headers=_auth(board)).get_json()
    assert public["withheld_groups"] == ["Small"]
    assert set(public["groups"]) == {"Big"}
    full = client.get(url, headers=_auth(facilitator)).get_json()
    assert set(full["groups"]) == {"Big", "Small"}
    # Group weights of Big: geometric mean of 3 and 2 → A is √6 times B.
    assert full["groups"]["Big"]["weights"]["A"] == pytest.approx(6**0.5 / (1 + 6**0.5))


def test_results_wait_for_answers_and_for_the_round_to_close_for_stakeholders(
    app: Flask,
) -> None:
    client = app.test_client()
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("G",))
        stakeholder = _member_token(make_member(consultation, email="s@example.org"))
        facilitator = _token("fac@example.org")
        url = f"/api/v1/consultations/{consultation.id}/rounds/1/results"
    nothing = client.get(url, headers=_auth(facilitator))
    assert nothing.status_code == 404 and "Nobody has answered" in nothing.get_json()["detail"]
    assert client.get(url, headers=_auth(stakeholder)).status_code == 403
    bad = client.get(f"{url}?exclude_inconsistent=maybe", headers=_auth(facilitator))
    assert bad.status_code == 400 and "exclude_inconsistent" in bad.get_json()["detail"]


def test_judgments_as_json_and_csv_for_facilitators_only(app: Flask, demo: int) -> None:
    client = app.test_client()
    with app.app_context():
        round_ = db.session.get(Consultation, demo).rounds[0]
        expected_csv = results.judgments_csv(round_)
        facilitator = _token("facilitator@example.org", Scope.READ)
        board = _token("board@example.org", Scope.READ)
    url = f"/api/v1/consultations/{demo}/rounds/1/judgments"
    as_csv = client.get(f"{url}?format=csv", headers=_auth(facilitator))
    assert as_csv.get_data(as_text=True) == expected_csv
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = client.get(url, headers=_auth(facilitator)).get_json()["judgments"]
    assert len(rows) == 60 * 21
    first_line = expected_csv.splitlines()[1].split(",")
    assert rows[0]["participant"] == first_line[0]
    assert rows[0]["value"] == float(first_line[4])
    assert client.get(url, headers=_auth(board)).status_code == 403


# --------------------------------------------------------------------------- writing


def _workshop() -> tuple[int, str]:
    consultation = make_consultation(
        outcomes=("Efficiency", "Equity", "Prevention"), groups=("Funders", "Service users")
    )
    return consultation.id, _token("fac@example.org")


BATCH = [
    {"participant": "W1", "group": "Funders", "outcome_a": "Efficiency",
     "outcome_b": "Equity", "value": 5, "reason": "Budgets are tight."},
    {"participant": "W1", "group": "Funders", "outcome_a": "Prevention",
     "outcome_b": "Efficiency", "value": "1/3"},
    {"participant": "W1", "group": "Funders", "outcome_a": "Equity",
     "outcome_b": "Prevention", "value": 1},
    {"participant": "W2", "group": "Service users", "outcome_a": "Equity",
     "outcome_b": "Efficiency", "value": 7},
    {"participant": "W2", "group": "Service users", "outcome_a": "Equity",
     "outcome_b": "Prevention", "value": 3},
]  # fmt: skip


def test_a_batch_posted_twice_is_saved_once(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation_id, token = _workshop()
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    first = client.post(url, json={"judgments": BATCH}, headers=_auth(token))
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "round": 1,
        "saved": 5,
        "participants": 2,
        "created_participants": ["W1", "W2"],
    }
    again = client.post(url, json={"judgments": BATCH}, headers=_auth(token))
    assert again.status_code == 200
    assert again.get_json()["created_participants"] == []
    with app.app_context():
        assert _judgment_count() == 5
        members = db.session.scalars(
            db.select(Membership).filter(Membership.label.is_not(None)).order_by(Membership.label)
        ).all()
        assert [(m.label, m.group.name, m.user.display_name) for m in members] == [
            ("W1", "Funders", "W1"),
            ("W2", "Service users", "W2"),
        ]
        ids = {o.name: o.id for o in members[0].consultation.outcomes}
        stored = {
            (j.outcome_a_id, j.outcome_b_id): (j.value, j.reason) for j in members[0].judgments
        }
        # Prevention is a third as important as Efficiency: stored the other way round.
        assert stored[(ids["Efficiency"], ids["Prevention"])][0] == pytest.approx(3.0)
        assert stored[(ids["Efficiency"], ids["Equity"])] == (5.0, "Budgets are tight.")
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="judgments.imported"))
        assert len(events.all()) == 2


def test_one_bad_row_and_nothing_is_saved(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation_id, token = _workshop()
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    bad = [dict(row) for row in BATCH]
    bad[3]["value"] = 10
    response = client.post(url, json={"judgments": bad}, headers=_auth(token))
    assert response.status_code == 400 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["detail"].startswith("row 4")
    assert "10" in problem["detail"] and "scale" in problem["detail"]
    assert problem["errors"][0]["row"] == 4
    with app.app_context():
        assert _judgment_count() == 0
        assert (
            db.session.scalar(db.select(Membership).filter(Membership.label.is_not(None))) is None
        )
    unknown = [dict(row) for row in BATCH]
    unknown[1]["outcome_b"] = "Growth"
    unknown[3]["group"] = unknown[4]["group"] = "Staff"
    response = client.post(url, json={"judgments": unknown}, headers=_auth(token))
    errors = response.get_json()["errors"]
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in errors} == {(2, "outcome_b"), (4, "group")}
    assert "'Growth' is not an outcome" in response.get_json()["detail"]
    missing = client.post(url, json={"judgments": [{"value": 3}]}, headers=_auth(token))
    assert {e["field"] for e in missing.get_json()["errors"]} == {
        "participant",
        "group",
        "outcome_a",
        "outcome_b",
    }
    not_json = client.post(url, data="judgments", headers=_auth(token))
    assert not_json.status_code == 400 and "'judgments' list" in not_json.get_json()["detail"]
    with app.app_context():
        assert _judgment_count() == 0


def test_a_known_label_cannot_change_group(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation_id, token = _workshop()
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    assert client.post(url, json={"judgments": BATCH[:1]}, headers=_auth(token)).status_code == 200
    moved = [{**BATCH[1], "group": "Service users"}]
    response = client.post(url, json={"judgments": moved}, headers=_auth(token))
    assert response.status_code == 400
    assert response.get_json()["errors"] == [
        {
            "row": 1,
            "field": "group",
            "detail": "participant 'W1' is in 'Funders', not 'Service users'",
        }
    ]


def test_closed_rounds_read_only_tokens_and_board_members_cannot_submit(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation_id, token = _workshop()
        consultation = db.session.get(Consultation, consultation_id)
        reader = _token("fac@example.org", Scope.READ)
        board = _member_token(make_member(consultation, Role.BOARD, email="b@example.org"))
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    read_only = client.post(url, json={"judgments": BATCH}, headers=_auth(reader))
    assert read_only.status_code == 403 and "read" in read_only.get_json()["detail"]
    assert client.post(url, json={"judgments": BATCH}, headers=_auth(board)).status_code == 403
    with app.app_context():
        db.session.get(Consultation, consultation_id).rounds[0].closed_at = utcnow()
        db.session.commit()
    closed = client.post(url, json={"judgments": BATCH}, headers=_auth(token))
    assert closed.status_code == 409 and "closed" in closed.get_json()["detail"]
    with app.app_context():
        assert _judgment_count() == 0


def test_a_stakeholder_submits_their_own_judgments(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G",))
        member = make_member(consultation, email="s@example.org")
        member_id, token = member.id, _member_token(member)
        url = f"/api/v1/consultations/{consultation.id}/rounds/1/judgments"
    rows = [
        {"outcome_a": "A", "outcome_b": "B", "value": 3},
        {"outcome_a": "C", "outcome_b": "B", "value": 0.5, "reason": "B is broader."},
    ]
    response = client.post(url, json={"judgments": rows}, headers=_auth(token))
    assert response.status_code == 200
    assert response.get_json()["saved"] == 2
    off_scale = client.post(
        url, json={"judgments": [{"outcome_a": "A", "outcome_b": "C", "value": 2.5}]},
        headers=_auth(token),
    )  # fmt: skip
    assert off_scale.status_code == 400 and "17 points" in off_scale.get_json()["detail"]
    with app.app_context():
        judgments = db.session.scalars(db.select(Judgment)).all()
        assert {j.membership_id for j in judgments} == {member_id}
        assert sorted(j.value for j in judgments) == [2.0, 3.0]


def test_an_oversized_body_is_413(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation_id, token = _workshop()
    url = f"/api/v1/consultations/{consultation_id}/rounds/1/judgments"
    body = json.dumps({"judgments": [], "padding": "x" * (2 * 1024 * 1024)})
    response = client.post(url, data=body, content_type="application/json", headers=_auth(token))
    assert response.status_code == 413 and response.mimetype == PROBLEM


def test_too_many_requests_are_429(app: Flask) -> None:
    app.config["API_RATE_LIMIT"] = "3/minute"
    client = app.test_client()
    with app.app_context():
        make_consultation()
        token = _token("fac@example.org", Scope.READ)
        other = _token("fac@example.org", Scope.READ)
    statuses = [
        client.get("/api/v1/consultations", headers=_auth(token)).status_code for _ in "1234"
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/consultations", headers=_auth(token))
    assert limited.mimetype == PROBLEM and limited.get_json()["status"] == 429
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/consultations", headers=_auth(other)).status_code == 200
    assert {client.get("/api/v1/health").status_code for _ in "12345"} == {200}
