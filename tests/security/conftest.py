"""A fixture world for the security tests: the demo, a second consultation, every kind of visitor.

The world is built once into a SQLite file; each test gets its own copy of the
file, so a test that changes things (a facilitator closing a round) cannot affect another.
Security is a property of the code, not of the database, so these tests run on SQLite only.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from deliberate import create_app
from deliberate.demo import BOARD_EMAIL, FACILITATOR_EMAIL, load_demo
from deliberate.extensions import db
from deliberate.models import Role, Scope, ShareLink, User
from deliberate.services import board
from deliberate.services.invitations import create_invitation, redeem
from deliberate.services.options import options_of
from deliberate.services.tokens import create_token
from tests.conftest import FormClient, login
from tests.factories import make_consultation, make_member

ROLES = (
    "anonymous",
    "stakeholder",
    "other_stakeholder",
    "facilitator",
    "other_facilitator",
    "board",
    "link_holder",
)
OTHER_FACILITATOR = "other-facilitator@example.org"
REGISTRATION_CODE = "HEALTH-2027"


@pytest.fixture
def backend() -> str:
    """Security tests run on SQLite only."""
    return "sqlite"


@dataclass
class World:
    """Ids and one-time secrets of everything the tests visit."""

    demo_id: int
    other_id: int
    group_id: int
    outcome_ids: list[int]
    invitation_id: int
    link_id: int
    stakeholder_token: str
    other_stakeholder_token: str
    fresh_token: str
    staff_token: str
    share_token: str
    spare_api_token_id: int
    api_tokens: dict[str, str] = field(default_factory=dict)
    #: A demo stakeholder nobody visits as: the one a facilitator may remove.
    member_id: int = 0
    assessor_token: str = ""
    option_ids: list[int] = field(default_factory=list)


def make_app(uri: str) -> Flask:
    """The app on ``uri`` (rate limits count afresh for each app)."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "JOB_WAIT_SECONDS": 60,  # the answer, not the "still printing" page
        }
    )


def build_world() -> World:
    """The demo (round 1 closed, round 2 open) and a second consultation with its own people."""
    _, demo = load_demo()
    demo.registration_code = REGISTRATION_CODE
    funders = demo.groups[0]
    invitation, stakeholder_token = create_invitation(
        demo, Role.STAKEHOLDER, funders, name="Invited Stakeholder"
    )
    db.session.flush()
    redeem(invitation, "Invited Stakeholder")
    _, fresh_token = create_invitation(demo, Role.STAKEHOLDER, funders, name="Not Yet Joined")
    revocable, _ = create_invitation(demo, Role.STAKEHOLDER, funders, name="To Be Revoked")
    _, staff_token = create_invitation(demo, Role.BOARD, name="New Board Member")
    _, assessor_token = create_invitation(demo, Role.ASSESSOR, name="New Assessor")
    db.session.commit()
    facilitator = db.session.scalar(db.select(User).filter_by(email=FACILITATOR_EMAIL))
    share_token = board.create_share_link(demo.rounds[0], facilitator)
    link = db.session.scalar(db.select(ShareLink).order_by(ShareLink.id.desc()))

    other = make_consultation(title="Other consultation", facilitator_email=OTHER_FACILITATOR)
    other_invitation, other_token = create_invitation(other, Role.STAKEHOLDER, other.groups[0])
    db.session.flush()
    redeem(other_invitation, "Other Stakeholder")
    make_member(other, Role.BOARD, name="Other Board", email="other-board@example.org")
    db.session.commit()

    users = {
        "stakeholder": invitation.membership.user,
        "other_stakeholder": other_invitation.membership.user,
        "facilitator": facilitator,
        "other_facilitator": db.session.scalar(db.select(User).filter_by(email=OTHER_FACILITATOR)),
        "board": db.session.scalar(db.select(User).filter_by(email=BOARD_EMAIL)),
    }
    api_tokens = {role: create_token(user, role, Scope.WRITE)[1] for role, user in users.items()}
    spare, _ = create_token(facilitator, "spare", Scope.READ)
    return World(
        demo_id=demo.id,
        other_id=other.id,
        group_id=funders.id,
        outcome_ids=[o.id for o in demo.outcomes],
        invitation_id=revocable.id,
        link_id=link.id,
        stakeholder_token=stakeholder_token,
        other_stakeholder_token=other_token,
        fresh_token=fresh_token,
        staff_token=staff_token,
        share_token=share_token,
        spare_api_token_id=spare.id,
        api_tokens=api_tokens,
        member_id=next(
            m.id for m in demo.memberships if m.role is Role.STAKEHOLDER and m.user.email is None
        ),
        assessor_token=assessor_token,
        option_ids=[o.id for o in options_of(demo)],
    )


@pytest.fixture(scope="session")
def world_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    """The world, built once into a SQLite file."""
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        world = build_world()
        db.session.remove()
        db.engine.dispose()
    return path, world


@pytest.fixture
def world(world_file: tuple[Path, World]) -> World:
    """The world's ids and secrets."""
    return world_file[1]


@pytest.fixture
def world_app(world_file: tuple[Path, World], tmp_path: Path) -> Iterator[Flask]:
    """The app on this test's own copy of the world."""
    copy = tmp_path / "world.sqlite3"
    shutil.copy(world_file[0], copy)
    app = make_app(f"sqlite:///{copy}")
    app.test_client_class = FormClient
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def visitor(app: Flask, world: World, role: str) -> FormClient:
    """A client signed in as ``role``, the way that person signs in."""
    client: FormClient = app.test_client()  # type: ignore[assignment]
    if role == "stakeholder":
        assert client.submit(f"/i/{world.stakeholder_token}").status_code == 302
    elif role == "other_stakeholder":
        assert client.submit(f"/i/{world.other_stakeholder_token}").status_code == 302
    elif role == "facilitator":
        assert login(client, FACILITATOR_EMAIL).status_code == 302
    elif role == "other_facilitator":
        assert login(client, OTHER_FACILITATOR, "pw").status_code == 302
    elif role == "board":
        assert login(client, BOARD_EMAIL).status_code == 302
    return client


def api_headers(world: World, role: str) -> dict[str, Any]:
    """The ``Authorization`` header a role's API client sends (none for people without accounts)."""
    token = world.api_tokens.get(role)
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass
class Visited:
    """One response the crawler saw."""

    url: str
    status: int
    mimetype: str
    headers: dict[str, str]
    text: str


LINK = re.compile(r'(?:href|src)="(/[^"#]*)')
#: Never followed: static files.
SKIPPED = ("/static/",)


def crawl(
    client: FormClient, seeds: list[str], headers: dict[str, str] | None = None, limit: int = 400
) -> list[Visited]:
    """Every same-site page reachable by GET from ``seeds``, following links and images."""
    queue, seen, found = list(seeds), set(seeds), []
    while queue and len(found) < limit:
        url = queue.pop(0)
        response = client.get(url, headers=headers or {})
        text = response.get_data().decode("utf-8", "replace")
        found.append(
            Visited(url, response.status_code, response.mimetype, dict(response.headers), text)
        )
        response.close()
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            links = [response.location]
        else:
            links = LINK.findall(html.unescape(text)) if response.mimetype == "text/html" else []
        for link in links:
            if link not in seen and not link.startswith(SKIPPED):
                seen.add(link)
                queue.append(link)
    return found


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_protected(url: str, headers: Mapping[str, str], mimetype: str, text: str) -> None:
    """Every answer: no sniffing, no framing, a referrer policy; pages: a CSP, no inline code."""
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["X-Frame-Options"] == "DENY", url
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer"}, url
    if mimetype != "text/html":
        return
    policy = directives(headers["Content-Security-Policy"])
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url
    assert not INLINE_SCRIPT.search(text), f"inline script on {url}"
    assert not EVENT_HANDLER.search(text), f"inline event handler on {url}"
