"""A whole consultation in a real browser: set up, invite, vote, read the map, run round 2.

The facilitator works through the pages in Chromium; thirty stakeholders, driven by the
test, join through their invitation links and answer over real HTTP (cookies, CSRF
tokens and all), one pair made divisive between two groups.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from flask import Flask
from playwright.sync_api import APIRequestContext, Page, Playwright, expect

from deliberate.extensions import db
from deliberate.models import Invitation, Judgment, User, hash_token
from deliberate.stakeholder import voting
from tests.browser import flows
from tests.conftest import LiveServer

OUTCOMES = [
    ("Access", "Getting an appointment when it is needed."),
    ("Cost", "Keeping the service affordable for the council."),
    ("Quality", "Care that works and is done well."),
    ("Safety", "Nobody is harmed by the care they get."),
    ("Speed", "Short waits from referral to treatment."),
    ("Trust", "People believe the service is on their side."),
]
GROUPS = ("Funders", "Service users", "Staff")
#: How strongly each group leans on the divisive pair, as ln(Cost over Trust).
LEAN = {"Funders": 2.0, "Service users": -2.0, "Staff": 0.0}
REASONS = {"Funders": "The budget is fixed this year.", "Service users": "Trust is everything."}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def facilitator(app: Flask) -> tuple[str, str]:
    with app.app_context():
        user = User(email="lead@example.org", display_name="Lead Facilitator")
        user.set_password("a long passphrase")
        db.session.add(user)
        db.session.commit()
    return "lead@example.org", "a long passphrase"


def _csrf(http: APIRequestContext, path: str) -> str:
    response = http.get(path)
    assert response.ok, (path, response.status)
    match = CSRF.search(response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _vote(
    playwright: Playwright, app: Flask, url: str, cid: int, link: str, group: str, seed: int
) -> None:
    """One stakeholder joins through ``link`` and answers every pair over HTTP."""
    rng = np.random.default_rng(seed)
    path = urlsplit(link).path  # links start with BASE_URL; the path is what matters
    http = playwright.request.new_context(base_url=url)
    try:
        joined = http.post(
            path,
            form={"csrf_token": _csrf(http, path), "display_name": f"Voter {seed}"},
        )
        assert joined.ok, joined.status
        with app.app_context():
            token = path.rsplit("/", 1)[-1]
            invitation = db.session.scalar(
                db.select(Invitation).filter_by(token_hash=hash_token(token))
            )
            names = {o.id: o.name for o in invitation.consultation.outcomes}
            steps = [
                (s.number, names[s.left_id], names[s.right_id])
                for s in voting.steps(invitation.membership)
            ]
        token = _csrf(http, f"/c/{cid}/compare")
        for number, left, right in steps:
            reason = ""
            if {left, right} == {"Cost", "Trust"}:
                lean = LEAN[group] if left == "Cost" else -LEAN[group]
                reason = REASONS.get(group, "")
            else:
                order = [name for name, _ in OUTCOMES]
                lean = 0.3 * (order.index(right) - order.index(left)) / 5
            value = math.exp(lean + rng.normal(0, 0.3))
            saved = http.post(
                f"/c/{cid}/compare/{number}",
                form={"csrf_token": token, "value": voting.point_key(value), "reason": reason},
                headers={"Accept": "application/json"},
            )
            assert saved.status == 200, saved.text()
    finally:
        http.dispose()


def test_a_consultation_from_set_up_to_round_two(
    page: Page,
    playwright: Playwright,
    app: Flask,
    live_server: LiveServer,
    facilitator: tuple[str, str],
    artifacts: Path,
) -> None:
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    flows.sign_in(page, url, *facilitator)
    cid = flows.create_consultation(
        page, url, "Community care 2027", "What should community care do first?", OUTCOMES, GROUPS
    )
    rows = [(f"Person {i}", f"person{i}@example.org", GROUPS[i % 3]) for i in range(30)]
    links = flows.import_invitations(page, url, cid, rows)
    assert len(links) == 30
    flows.open_round(page, url, cid, 1)

    for i, link in enumerate(links):
        _vote(playwright, app, url, cid, link, GROUPS[i % 3], seed=i)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Judgment.id))) == 30 * 15

    page.goto(f"{url}/facilitate/{cid}/map")
    conflicts = page.locator("a[href*='/map/pairs/']")
    expect(conflicts.first).to_have_text("Cost vs Trust")
    page.screenshot(path=str(artifacts / "journey-map.png"), full_page=True)

    conflicts.first.click()
    expect(page.get_by_text(REASONS["Funders"])).to_be_visible()
    expect(page.get_by_text(REASONS["Service users"])).to_be_visible()
    assert "Voter " not in page.content()  # reasons never carry their author

    flows.close_round(page, url, cid, 1)
    flows.open_round(page, url, cid, 2)
    expect(page.get_by_role("button", name="Close round 2")).to_be_visible()
