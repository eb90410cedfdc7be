"""Size limits: oversized bodies, long reasons, too many outcomes or groups — a clear answer,
never a crash, and nothing already saved is lost."""

from __future__ import annotations

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Role, Scope, User
from deliberate.services.consultations import MAX_GROUPS
from deliberate.services.invitations import create_invitation
from deliberate.services.judgments import MAX_REASON_LENGTH
from deliberate.services.tokens import create_token
from tests.conftest import FormClient, login
from tests.factories import make_consultation, make_member

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases

TOO_LARGE = 2 * 1024 * 1024 + 1  # MAX_CONTENT_LENGTH is 2 MiB


def _joined(app: Flask, client: FormClient) -> int:
    """A stakeholder joined through their link, with pair 1 answered as 5 "kept"."""
    with app.app_context():
        consultation = make_consultation()
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
        cid = consultation.id
    client.submit(f"/i/{token}", {"display_name": "Ada"})
    saved = client.submit(f"/c/{cid}/compare/1", {"value": "5", "reason": "kept"})
    assert saved.status_code == 303
    return cid


def _stored(app: Flask) -> list[tuple[float, str]]:
    with app.app_context():
        return [(j.value, j.reason) for j in db.session.scalars(db.select(Judgment))]


def test_an_oversized_answer_is_a_413_page_and_the_saved_one_stays(
    app: Flask, client: FormClient
) -> None:
    cid = _joined(app, client)
    before = _stored(app)
    response = client.submit(
        f"/c/{cid}/compare/1",
        {"value": "3", "reason": "x" * TOO_LARGE},
        page=f"/c/{cid}/compare?pair=1",
    )
    assert response.status_code == 413 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "(413)" in page and "Back to the start" in page
    assert _stored(app) == before
    # The stakeholder can carry on afterwards.
    again = client.submit(f"/c/{cid}/compare/1", {"value": "3"}, page=f"/c/{cid}/compare?pair=1")
    assert again.status_code == 303 and _stored(app)[0][0] in (3.0, 1 / 3)


def test_an_oversized_sign_in_is_a_413_page(client: FormClient) -> None:
    response = client.submit("/login", {"email": "a@example.org", "password": "p" * TOO_LARGE})
    assert response.status_code == 413 and "(413)" in response.get_data(as_text=True)


def test_a_reason_of_2000_characters_is_kept_and_one_more_is_refused(
    app: Flask, client: FormClient
) -> None:
    cid = _joined(app, client)
    page = f"/c/{cid}/compare?pair=1"
    longest = "é" * MAX_REASON_LENGTH
    kept = client.submit(f"/c/{cid}/compare/1", {"value": "2", "reason": longest}, page=page)
    assert kept.status_code == 303
    assert _stored(app)[0][1] == longest
    refused = client.submit(f"/c/{cid}/compare/1", {"value": "4", "reason": longest + "!"}, page)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert f"at most {MAX_REASON_LENGTH}" in text
    assert longest + "!" in text  # given back to edit, not thrown away
    assert _stored(app)[0][1] == longest


def test_the_api_refuses_a_long_reason_with_a_problem(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"))
        member = make_member(consultation, email="s@example.org")
        token = create_token(member.user, "test", Scope.WRITE)[1]
        url = f"/api/v1/consultations/{consultation.id}/rounds/1/judgments"
    row = {"outcome_a": "A", "outcome_b": "B", "value": 3, "reason": "x" * 2001}
    response = client.post(
        url, json={"judgments": [row]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert f"at most {MAX_REASON_LENGTH}" in response.get_json()["detail"]
    assert _stored(app) == []


def test_a_new_consultation_with_too_many_groups_is_a_400(app: Flask, client: FormClient) -> None:
    with app.app_context():
        user = User(email="new@example.org", display_name="New")
        user.set_password("pw")
        db.session.add(user)
        db.session.commit()
    login(client, "new@example.org", "pw")
    groups = "\n".join(f"Group {i}" for i in range(MAX_GROUPS + 1))
    response = client.submit(
        "/facilitate/new",
        {"title": "Too wide", "question": "Which?", "other_groups": groups},
    )
    assert response.status_code == 400
    assert f"at most {MAX_GROUPS} groups" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0
