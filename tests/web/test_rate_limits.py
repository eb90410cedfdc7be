"""Rate limits on signing in and on opening invitation links, in memory and through Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import redis
from flask import Flask

from benchmarks import load
from deliberate.extensions import db
from deliberate.models import Role
from deliberate.services.invitations import create_invitation
from tests.conftest import FormClient, login, unavailable
from tests.factories import make_consultation

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_sign_in_attempts_are_limited_per_address_and_email(client: FormClient) -> None:
    statuses = [login(client, "fac@example.org", f"wrong-{i}").status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]
    refused = login(client, "fac@example.org", "wrong")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Too many sign-in attempts" in page
    assert "Wait a minute" in page and int(refused.headers["Retry-After"]) > 0
    # The page itself still opens, and someone else signing in from the same address is not
    # held up by the attempts on another address.
    assert client.get("/login").status_code == 200
    assert login(client, "other@example.org", "wrong").status_code == 200


def test_the_right_password_waits_too_once_the_limit_is_reached(
    app: Flask, client: FormClient
) -> None:
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    with app.app_context():
        make_consultation()
    for _ in range(3):
        assert login(client, "FAC@example.org ", "wrong").status_code == 200
    assert login(client, "fac@example.org", "pw").status_code == 429
    assert client.get("/facilitate/").status_code == 302  # still signed out


def test_invitation_links_are_limited_per_address(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation()
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
    # A room of people joining from one network is never held up: successes do not count.
    assert [client.get(f"/i/{token}").status_code for _ in range(40)] == [200] * 40
    guesses = [client.get(f"/i/guess-{i}").status_code for i in range(30)]
    assert guesses == [404] * 30
    refused = client.get("/i/guess-again")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts to open invitation links" in refused.get_data(as_text=True)
    # Failures never block a valid link from the same address: only further guesses wait.
    assert client.get(f"/i/{token}").status_code == 200
    # Another address is not affected.
    other = app.test_client()
    assert other.get("/i/guess-0", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404


def test_registration_codes_tried_in_turn_are_limited_but_the_right_one_is_not(
    app: Flask, client: FormClient
) -> None:
    with app.app_context():
        consultation = make_consultation()
        consultation.registration_code = "RIGHT-CODE"
        db.session.commit()
    assert {client.get(f"/join/WRONG-{i}").status_code for i in range(60)} == {404}
    assert client.get("/join/WRONG-60").status_code == 429
    assert client.get("/join/RIGHT-CODE").status_code == 200


def test_sign_in_attempts_are_limited_per_address_across_emails(
    app: Flask, client: FormClient
) -> None:
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "5/minute"
    statuses = [login(client, f"user-{i}@example.org", "wrong").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = login(client, "another@example.org", "wrong")
    assert refused.status_code == 429
    assert "Too many sign-in attempts from this address" in refused.get_data(as_text=True)
    elsewhere = {"REMOTE_ADDR": "192.0.2.9"}
    fields = {"email": "x@example.org", "password": "wrong"}
    assert client.submit("/login", fields, environ_base=elsewhere).status_code == 200


def test_the_normal_pages_are_not_limited(app: Flask, client: FormClient) -> None:
    with app.app_context():
        make_consultation()
    login(client, "fac@example.org", "pw")
    assert all(client.get("/facilitate/").status_code == 200 for _ in range(40))


# --------------------------------------------------------------------------- shared limits


def _redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is not reachable: {error}", "DELIBERATE_REQUIRE_REDIS")


async def _attempts(base: str, email: str, count: int) -> list[int]:
    """Sign-in attempts with a wrong password through the real form; their statuses."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(f"{base}/login") as page:
            match = load.CSRF.search(await page.text())
        assert match, "the sign-in page has no CSRF token"
        statuses = []
        for _ in range(count):
            fields = {"csrf_token": match.group(1), "email": email, "password": "wrong"}
            async with session.post(f"{base}/login", data=fields) as response:
                statuses.append(response.status)
        return statuses


@contextmanager
def _two_servers(url: str, settings: dict[str, str]) -> Iterator[tuple[load.Server, load.Server]]:
    """Two app servers of one worker each on one database, started side by side."""
    servers = [load.Server(url, workers=1, env=settings) for _ in range(2)]
    for server in servers:
        server.start()
    with servers[0] as first, servers[1] as second:
        yield first, second


def test_two_app_servers_share_the_limit_through_redis(tmp_path: Path) -> None:
    _redis_available()
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    load.seed(url, 0)
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"deliberate-test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "10/minute",
    }
    with _two_servers(url, settings) as (first, second):
        email = "someone@example.org"
        assert asyncio.run(_attempts(first.url, email, 6)) == [200] * 6
        assert asyncio.run(_attempts(second.url, email, 5)) == [200] * 4 + [429]
        assert asyncio.run(_attempts(first.url, email, 1)) == [429]
        assert asyncio.run(_attempts(second.url, "else@example.org", 1)) == [200]
