"""Identities only their owners control: links, removal, sign-out, passwords, remember cookies.

Played through the real pages and API on the demo world: a facilitator cannot take over a
member through a reissued link; removing or revoking a member ends their sessions and
tokens at once; signing out or changing a password ends every copy of a session; an
invitation link opened by someone else asks before it signs them in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import Flask

from deliberate.config import REMEMBER_FOR
from deliberate.demo import BOARD_EMAIL, FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import AuditEvent, Invitation, Judgment, Membership, Round, User
from tests.conftest import FormClient, login
from tests.factories import add_judgments
from tests.security.conftest import World, api_headers, visitor

ANSWERS = {("Equity", "Efficiency"): 3, ("Prevention", "Equity"): 5}


def _client(app: Flask) -> FormClient:
    return app.test_client()  # type: ignore[return-value]


def _audit(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.action, AuditEvent.detail)).all()
    return [(action, detail) for action, detail in rows]


def _stakeholder_membership(app: Flask, world: World) -> int:
    """The visiting stakeholder's membership, with answers in the closed and the open round."""
    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation).filter_by(name="Invited Stakeholder"))
        member = invitation.membership
        names = {o.name for o in member.consultation.outcomes}
        answers = {pair: v for pair, v in ANSWERS.items() if set(pair) <= names}
        assert answers, "the demo's outcomes changed"
        for round_ in member.consultation.rounds:
            add_judgments(member, round_, answers)
        db.session.commit()
        return member.id


def test_a_joined_members_link_cannot_be_reissued(world_app: Flask, world: World) -> None:
    facilitator = visitor(world_app, world, "facilitator")
    with world_app.app_context():
        joined = db.session.scalar(db.select(Invitation).filter_by(name="Invited Stakeholder"))
        iid = joined.id
    page = f"/facilitate/{world.demo_id}/people"
    response = facilitator.submit(f"/facilitate/{world.demo_id}/people/{iid}/reissue", page=page)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "/i/" not in re.sub(r'href="/i/[^"]*"', "", text.split("<main", 1)[-1])
    assert "cannot be reissued" in text
    # The member's own link still works, so no second key to their answers exists.
    assert visitor(world_app, world, "stakeholder").get(f"/c/{world.demo_id}/compare").status_code
    assert not any(action == "invitation.reissue" for action, _ in _audit(world_app))


def test_removing_a_member_ends_their_access_and_withdraws_open_round_answers(
    world_app: Flask, world: World
) -> None:
    mid = _stakeholder_membership(world_app, world)
    member = visitor(world_app, world, "stakeholder")
    copied = _client(world_app)
    copied.set_cookie("session", member.get_cookie("session").value)
    assert copied.get(f"/c/{world.demo_id}/compare").status_code == 200
    headers = api_headers(world, "stakeholder")
    api = f"/api/v1/consultations/{world.demo_id}"
    assert member.get(api, headers=headers).status_code == 200

    facilitator = visitor(world_app, world, "facilitator")
    page = f"/facilitate/{world.demo_id}/people"
    removed = facilitator.submit(
        f"/facilitate/{world.demo_id}/people/members/{mid}/remove", page=page
    )
    assert removed.status_code == 302

    for client in (member, copied):
        assert client.get(f"/c/{world.demo_id}/compare").status_code == 302  # to sign in
    assert member.get(api, headers=headers).status_code == 401
    assert member.get(f"/i/{world.stakeholder_token}").status_code == 404
    with world_app.app_context():
        rounds = {
            r.id: r.is_open for r in db.session.scalars(db.select(Round).filter_by(
                consultation_id=world.demo_id
            ))
        }  # fmt: skip
        kept = db.session.scalars(db.select(Judgment.round_id).filter_by(membership_id=mid)).all()
        assert kept and all(not rounds[r] for r in kept), "closed rounds keep, open withdraws"
        assert db.session.get(Membership, mid).removed_at is not None
    (entry,) = [(a, d) for a, d in _audit(world_app) if a == "member.remove"]
    assert "Invited Stakeholder" in entry[1] and "withdrawn" in entry[1]
    assert not re.search(r"\d", entry[1]), "the audit log tells no answers or counts"
    again = facilitator.submit(
        f"/facilitate/{world.demo_id}/people/members/{mid}/remove", page=page
    )
    assert again.status_code == 409


def test_revoking_a_board_members_invitation_ends_their_reading(
    world_app: Flask, world: World
) -> None:
    facilitator = visitor(world_app, world, "facilitator")
    staff = _client(world_app)
    form = {"display_name": "New Board", "email": "newboard@example.org", "password": "long pw 123"}
    assert staff.submit(f"/facilitate/accept/{world.staff_token}", form).status_code == 302
    assert staff.get(f"/board/{world.demo_id}/rounds/1").status_code == 200
    with world_app.app_context():
        iid = db.session.scalar(db.select(Invitation).filter_by(name="New Board Member")).id
    page = f"/facilitate/{world.demo_id}/people"
    assert (
        facilitator.submit(
            f"/facilitate/{world.demo_id}/people/{iid}/revoke", page=page
        ).status_code
        == 302
    )
    assert staff.get(f"/board/{world.demo_id}/rounds/1").status_code == 302
    assert login(staff, "newboard@example.org", "long pw 123").status_code == 302
    assert staff.get(f"/board/{world.demo_id}/rounds/1").status_code == 403


def test_signing_out_ends_every_copy_of_the_session_and_the_remember_cookie(
    world_app: Flask,
) -> None:
    board = _client(world_app)
    form = {"email": BOARD_EMAIL, "password": "demo", "remember": "y"}
    assert board.submit("/login", form).status_code == 302
    copied, remembered = _client(world_app), _client(world_app)
    copied.set_cookie("session", board.get_cookie("session").value)
    remembered.set_cookie("remember_token", board.get_cookie("remember_token").value)
    for client in (copied, remembered):
        assert client.get("/board/").status_code == 200
    board.submit("/logout", page="/board/")
    for client in (board, copied, remembered):
        assert client.get("/board/").status_code == 302
    assert ("account.signout", "") in _audit(world_app)


def test_the_remember_cookie_lasts_at_most_thirty_days(world_app: Flask) -> None:
    client = _client(world_app)
    form = {"email": BOARD_EMAIL, "password": "demo", "remember": "y"}
    response = client.submit("/login", form)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember")]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=30) >= REMEMBER_FOR
    assert expires - datetime.now(UTC) <= timedelta(days=30, minutes=1)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(world_app: Flask) -> None:
    here, elsewhere = _client(world_app), _client(world_app)
    for client in (here, elsewhere):
        assert login(client, FACILITATOR_EMAIL).status_code == 302
    wrong = here.submit(
        "/settings/password",
        {"current": "nope", "new": "a new passphrase", "again": "a new passphrase"},
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    short = here.submit("/settings/password", {"current": "demo", "new": "short", "again": "short"})
    assert short.status_code == 400
    changed = here.submit(
        "/settings/password",
        {"current": "demo", "new": "a new passphrase", "again": "a new passphrase"},
    )
    assert changed.status_code == 302
    assert here.get("/facilitate/").status_code == 200
    assert elsewhere.get("/facilitate/").status_code == 302
    assert login(_client(world_app), FACILITATOR_EMAIL, "demo").status_code == 200  # refused
    assert login(_client(world_app), FACILITATOR_EMAIL, "a new passphrase").status_code == 302
    assert ("account.password", "") in _audit(world_app)
    with world_app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=FACILITATOR_EMAIL))
        assert user.check_password("a new passphrase")


def test_someone_elses_invitation_link_does_not_swap_the_session(
    world_app: Flask, world: World
) -> None:
    board = visitor(world_app, world, "board")
    page = board.get(f"/i/{world.stakeholder_token}")
    assert page.status_code == 200 and "Continue" in page.get_data(as_text=True)
    assert board.get("/board/").status_code == 200  # still the board member
    with world_app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=BOARD_EMAIL))
        ident = f"{user.id}:{user.session_version}"
    with board.session_transaction() as session:
        assert session["_user_id"] == ident
    # A form on another site cannot post the confirmation: it has no CSRF token.
    forged = board.post(f"/i/{world.stakeholder_token}", data={})
    assert forged.status_code == 400
    with board.session_transaction() as session:
        assert session["_user_id"] == ident


def test_stakeholders_cannot_create_api_tokens(world_app: Flask, world: World) -> None:
    stakeholder = visitor(world_app, world, "stakeholder")
    assert stakeholder.get("/settings/tokens").status_code == 403
    token = stakeholder.csrf_token(f"/c/{world.demo_id}/compare")
    refused = stakeholder.post(
        "/settings/tokens", data={"csrf_token": token, "name": "mine", "scope": "write"}
    )
    assert refused.status_code == 403
    board = visitor(world_app, world, "board")
    created = board.submit("/settings/tokens", {"name": "dashboard", "scope": "read"})
    assert created.status_code == 200 and "dlb_" in created.get_data(as_text=True)
