"""Input that once reached a server error: each now gets a clear 400 (or 404), on both
databases; and JSON carries text exactly as stored."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from deliberate.demo import FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import Judgment, Membership, Role, Scope, User
from deliberate.services.invitations import create_invitation
from deliberate.services.tokens import create_token
from deliberate.validation import MAX_JSON_DEPTH, json_depth
from tests.conftest import FormClient, login
from tests.factories import make_consultation

#: NUL bytes once reached PostgreSQL as a server error (SQLite stored them): both backends.
pytestmark = pytest.mark.databases

PROBLEM = "application/problem+json"
#: Text no field accepts: NUL, a lone surrogate (JSON only), bidi overrides and isolates.
HOSTILE_TEXT = ["a\x00b", "left\u202eright", "x\u2066y\u2069"]


def _api(app: Flask) -> tuple[int, str]:
    with app.app_context():
        consultation = make_consultation(outcomes=("Efficiency", "Equity", "-2+3"))
        user = db.session.scalar(db.select(User).filter_by(email="fac@example.org"))
        return consultation.id, create_token(user, "test", Scope.WRITE)[1]


def _row(**changes: Any) -> dict[str, Any]:
    row = {
        "participant": "P1",
        "group": "Funders",
        "outcome_a": "Efficiency",
        "outcome_b": "Equity",
        "value": 3,
        "reason": "fine",
    }
    return {**row, **changes}


def _judgments(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Judgment.id)))


@pytest.mark.parametrize("value", ["²", "٣", "1.0", "-1", "0", "99999999999999999999999", "x"])
def test_round_must_be_a_plain_number_on_every_insight_page(
    client: FormClient, demo: int, value: str
) -> None:
    login(client, FACILITATOR_EMAIL)
    with client.application.app_context():
        outcomes = db.session.execute(db.text("SELECT id FROM outcomes LIMIT 2")).scalars().all()
    pages = [
        "map",
        "map/conflict.svg",
        f"map/pairs/{outcomes[0]}-{outcomes[1]}",
        "export/judgments.csv",
        "export/results.json",
    ]
    for page in pages:
        response = client.get(f"/facilitate/{demo}/{page}?round={value}")
        assert response.status_code == 400, (page, response.status_code)
        assert "round must be a whole number from 1" in response.get_data(as_text=True)


def test_pages_and_pairs_out_of_range_are_400_and_huge_ids_404(
    client: FormClient, demo: int
) -> None:
    login(client, FACILITATOR_EMAIL)
    for page in ("99999999999999999999999", "999999999999999999", "0", "²"):
        assert client.get(f"/facilitate/{demo}/audit?page={page}").status_code == 400
    assert client.get(f"/facilitate/{demo}/audit?page=2").status_code == 200
    huge = "9" * 25
    assert client.get(f"/facilitate/{huge}/").status_code == 404
    assert client.get(f"/board/{huge}/rounds/1").status_code == 404
    assert client.get(f"/facilitate/{demo}/audit?page=1").status_code == 200


def test_api_text_is_refused_with_400_and_nothing_is_saved(app: Flask) -> None:
    cid, token = _api(app)
    client = app.test_client()
    url = f"/api/v1/consultations/{cid}/rounds/1/judgments"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [
        '{"judgments": [{"participant": "P1", "group": "Funders", "outcome_a": "Efficiency",'
        ' "outcome_b": "Equity", "value": 3, "reason": "x\\udc00"}]}',
        '{"judgments": [{"participant": "P\\u0000", "group": "Funders", "outcome_a": '
        '"Efficiency", "outcome_b": "Equity", "value": 3}]}',
        '{"judgments": [{"participant": "P1", "group": "Funders", "outcome_a": "Efficiency",'
        ' "outcome_b": "Equity", "value": 3, "reason": "a\\u202eb"}]}',
        "[" * 100_000,
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
    ]
    for body in bodies:
        response = client.post(url, data=body, headers=headers)
        assert response.status_code == 400, (body[:60], response.status_code)
        assert response.mimetype == PROBLEM
    assert _judgments(app) == 0
    assert client.post(url, json={"judgments": [_row()]}, headers=headers).status_code == 200


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth('{"a": [1, {"b": "[[[["}]}') == 3
    assert json_depth(b"[[[]]]") == 3
    assert json_depth('"\\"[["') == 0


def test_json_gives_text_exactly_and_only_csv_protects_formulas(app: Flask) -> None:
    cid, token = _api(app)
    client = app.test_client()
    url = f"/api/v1/consultations/{cid}/rounds/1/judgments"
    headers = {"Authorization": f"Bearer {token}"}
    rows = [
        _row(reason="'+1+cmd"),
        _row(outcome_a="-2+3", outcome_b="Efficiency", value=5, reason="=1+1"),
    ]
    assert client.post(url, json={"judgments": rows}, headers=headers).status_code == 200
    back = client.get(url, headers=headers).get_json()["judgments"]
    assert {(r["outcome_a"], r["outcome_b"], r["reason"]) for r in back} == {
        ("Efficiency", "Equity", "'+1+cmd"),
        ("Efficiency", "-2+3", "=1+1"),
    }
    # Posted back (participants as labels), the text is stored unchanged.
    again = client.post(url, json={"judgments": back}, headers=headers)
    assert again.status_code == 200
    texts = {(r["outcome_a"], r["outcome_b"], r["reason"]) for r in back}
    after = client.get(url, headers=headers).get_json()["judgments"]
    assert (
        len(after) == 4 and {(r["outcome_a"], r["outcome_b"], r["reason"]) for r in after} == texts
    )
    as_csv = client.get(f"{url}?format=csv", headers=headers).get_data(as_text=True)
    assert "'-2+3" in as_csv and "'=1+1" in as_csv and "''+1+cmd" not in as_csv


@pytest.mark.parametrize("name", [*HOSTILE_TEXT, "Ada\u200b", "Ada\u200f", "A\nB"])
def test_join_and_register_refuse_invisible_or_control_characters_in_names(
    app: Flask, client: FormClient, name: str
) -> None:
    with app.app_context():
        consultation = make_consultation()
        consultation.registration_code = "EDGE-27"
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        group_id = consultation.groups[0].id
        db.session.commit()
    joined = client.submit(f"/i/{token}", {"display_name": name})
    assert joined.status_code == 400
    registered = client.submit("/join/EDGE-27", {"display_name": name, "group": group_id})
    assert registered.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Membership.id))) == 1  # facilitator
    assert client.submit(f"/i/{token}", {"display_name": "Ada"}).status_code == 302


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_stakeholder_reasons_and_query_strings_refuse_bad_text(
    app: Flask, client: FormClient, text: str
) -> None:
    with app.app_context():
        consultation = make_consultation()
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
        cid = consultation.id
    assert client.submit(f"/i/{token}", {"display_name": "Ada"}).status_code == 302
    page = client.get(f"/c/{cid}/compare").get_data(as_text=True)
    fields = dict(
        re.findall(r'name="(membership_id|left|right|csrf_token)"[^>]*value="([^"]+)"', page)
    )
    saved = client.post(
        f"/c/{cid}/compare/1", data={**fields, "value": "3", "reason": text, "action": "save"}
    )
    assert saved.status_code == 400
    assert _judgments(app) == 0
    assert client.get(f"/c/{cid}/compare?pair=1&x={text}").status_code == 400
    for pair in ("²", "0", "99999999999999999999"):
        assert client.get(f"/c/{cid}/compare?pair={pair}").status_code == 400


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_web_import_reads_any_line_ending(app: Flask, client: FormClient, ending: str) -> None:
    with app.app_context():
        cid = make_consultation().id
    login(client, "fac@example.org", "pw")
    lines = [
        "participant,group,outcome_a,outcome_b,value,reason",
        "P1,Funders,Efficiency,Equity,3,",
        "P1,Funders,Efficiency,Prevention,5,",
        "P1,Funders,Equity,Prevention,1/2,",
    ]
    upload = io.BytesIO(ending.join(lines).encode())
    url = f"/facilitate/{cid}/rounds/1/import"
    response = client.submit(url, {"file": (upload, "judgments.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _judgments(app) == 3


def test_web_import_refuses_a_nul_byte_with_400(app: Flask, client: FormClient) -> None:
    with app.app_context():
        cid = make_consultation().id
    login(client, "fac@example.org", "pw")
    body = "participant,group,outcome_a,outcome_b,value,reason\n"
    body += "P1,Funders,Efficiency,Equity,3,a\x00b\n"
    url = f"/facilitate/{cid}/rounds/1/import"
    response = client.submit(url, {"file": (io.BytesIO(body.encode()), "judgments.csv")})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert _judgments(app) == 0


def test_a_method_a_route_does_not_take_is_a_405_with_allow(app: Flask, demo: int) -> None:
    client = app.test_client()
    api = client.delete(f"/api/v1/consultations/{demo}/rounds/1/judgments")
    assert api.status_code == 405 and api.mimetype == PROBLEM
    assert set(api.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_the_schema_refuses_what_the_server_refuses(app: Flask) -> None:
    from deliberate.api.openapi import openapi_document

    schema = openapi_document()["components"]["schemas"]["NewJudgment"]
    number = schema["properties"]["value"]["oneOf"][0]
    assert number["minimum"] == pytest.approx(1 / 9) and number["maximum"] == 9
    assert schema["dependentRequired"] == {"participant": ["group"], "group": ["participant"]}
    cid, token = _api(app)
    url = f"/api/v1/consultations/{cid}/rounds/1/judgments"
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    for row in (_row(value=0), _row(value=10), {k: v for k, v in _row().items() if k != "group"}):
        assert client.post(url, json={"judgments": [row]}, headers=headers).status_code == 400
