"""Security headers on every page, session cookies, sign-in without fixation, invitation links."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from flask import Flask

from deliberate import create_app
from deliberate.extensions import db
from deliberate.models import Invitation, Membership, Role, utcnow
from deliberate.services.invitations import create_invitation
from tests.conftest import FormClient
from tests.security.conftest import REGISTRATION_CODE, World, assert_protected, crawl, visitor


@pytest.mark.parametrize("role", ["facilitator", "board", "stakeholder"])
def test_every_page_reached_by_links_is_protected(
    world_app: Flask, world: World, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every route is fetched by every role in the authorisation matrix, which checks these
    # headers on each answer; crawling adds the pages links lead to (rounds, pairs, charts).
    monkeypatch.setattr("deliberate.services.pdf.html_to_pdf", lambda document, **_: b"%PDF-1.7")
    client = visitor(world_app, world, role)
    seeds = ["/", "/my", "/board/", "/facilitate/", "/settings/tokens"]
    seeds += [f"/facilitate/{world.demo_id}/", f"/c/{world.demo_id}/compare"]
    pages = crawl(client, seeds)
    assert len([p for p in pages if p.mimetype == "text/html"]) >= 5
    for page in pages:
        assert_protected(page.url, page.headers, page.mimetype, page.text)


def cookies_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The cookies a response sets, by name, as their Set-Cookie headers."""
    return {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}


def sign_in_remembered(app: Flask) -> dict[str, str]:
    """Sign in with 'keep me signed in' and return the cookies set."""
    client: FormClient = app.test_client()  # type: ignore[assignment]
    form = {"email": "facilitator@example.org", "password": "demo", "remember": "y"}
    response = client.submit("/login", form)
    assert response.status_code == 302
    return cookies_of(response)


def test_session_cookies_are_http_only_lax_and_secure_when_configured(
    world_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookies = sign_in_remembered(world_app)
    assert {"session", "remember_token"} <= set(cookies)
    for cookie in cookies.values():
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP on one machine unless told otherwise

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    secure = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": world_app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
        }
    )
    secure.test_client_class = FormClient
    for name, cookie in sign_in_remembered(secure).items():
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, name


@pytest.mark.parametrize("sign_in", ["password", "invitation", "registration", "new account"])
def test_what_was_in_the_session_before_signing_in_does_not_survive_it(
    world_app: Flask, world: World, sign_in: str
) -> None:
    client: FormClient = world_app.test_client()  # type: ignore[assignment]
    page = {
        "password": "/login",
        "invitation": "/login",
        "registration": f"/join/{REGISTRATION_CODE}",
        "new account": f"/facilitate/accept/{world.staff_token}",
    }[sign_in]
    token = client.csrf_token(page)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "999999"
        before = dict(session)
    if sign_in == "password":
        response = client.post(
            "/login", data={"csrf_token": token, "email": "board@example.org", "password": "demo"}
        )
    elif sign_in == "invitation":
        response = client.post(f"/i/{world.stakeholder_token}", data={"csrf_token": token})
    elif sign_in == "registration":
        form = {"csrf_token": token, "display_name": "Registered", "group": world.group_id}
        response = client.post(page, data=form)
    else:
        form = {"display_name": "New", "email": "new@example.org", "password": "long enough pw"}
        response = client.post(page, data={"csrf_token": token, **form})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] not in ("999999", None)
        assert session.get("csrf_token") != before.get("csrf_token")
        assert session.get("_id") != before.get("_id")


def test_signing_out_forgets_the_session(world_app: Flask, world: World) -> None:
    client = visitor(world_app, world, "facilitator")
    assert client.get(f"/facilitate/{world.demo_id}/").status_code == 200
    client.submit("/logout", page="/facilitate/")
    assert client.get(f"/facilitate/{world.demo_id}/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_invitation_tokens_are_long_random_and_never_stored(world_app: Flask, world: World) -> None:
    with world_app.app_context():
        demo_group = db.session.get(Invitation, world.invitation_id).group
        tokens = {create_invitation(demo_group.consultation, Role.STAKEHOLDER, demo_group)[1]}
        tokens |= {create_invitation(demo_group.consultation, Role.BOARD)[1] for _ in range(20)}
        db.session.commit()
    assert len(tokens) == 21
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    # No secret of the world (invitations, read-only links, API tokens) is in the database.
    secrets = tokens | {world.stakeholder_token, world.fresh_token, world.staff_token}
    secrets |= {world.share_token, *world.api_tokens.values()}
    dump = "\n".join(_database_dump(world_app))
    assert not [s for s in secrets if s in dump]


def _database_dump(app: Flask) -> list[str]:
    """Every value of every row of every table, as text."""
    values = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                values += [str(value) for value in row]
    return values


def test_an_expired_invitation_link_does_not_open(world_app: Flask, world: World) -> None:
    with world_app.app_context():
        group = db.session.get(Invitation, world.invitation_id).group
        invitation, token = create_invitation(group.consultation, Role.STAKEHOLDER, group)
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = world_app.test_client().get(f"/i/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_an_invitation_makes_one_membership_and_resumes_it(world_app: Flask, world: World) -> None:
    def memberships() -> int:
        with world_app.app_context():
            return db.session.scalar(db.select(db.func.count(Membership.id)))

    first: FormClient = world_app.test_client()  # type: ignore[assignment]
    joined = first.submit(f"/i/{world.fresh_token}", {"display_name": "First Opener"})
    assert joined.status_code == 302
    count = memberships()
    second: FormClient = world_app.test_client()  # type: ignore[assignment]
    again = second.get(f"/i/{world.fresh_token}")  # asks first: no silent sign-in on a GET
    assert again.status_code == 200 and "Continue" in again.get_data(as_text=True)
    with second.session_transaction() as session:
        assert "_user_id" not in session
    resumed = second.submit(f"/i/{world.fresh_token}", {"display_name": "Second Opener"})
    assert resumed.status_code == 302 and resumed.location == joined.location
    assert memberships() == count
    with world_app.app_context():
        names = db.session.scalars(
            db.select(Membership).join(Invitation, Invitation.membership_id == Membership.id)
        ).all()
        assert "Second Opener" not in {m.user.display_name for m in names}
        assert "First Opener" in {m.user.display_name for m in names}
    with first.session_transaction() as a, second.session_transaction() as b:
        assert a["_user_id"] == b["_user_id"]
