"""A facilitator sets up and runs a consultation through the real pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from deliberate.demo import DEMO_TITLE
from deliberate.extensions import db
from deliberate.models import Consultation, Invitation, User
from tests.browser import flows
from tests.conftest import LiveServer

OUTCOMES = [
    ("Lending", "Books and media people can borrow."),
    ("Study space", "Quiet places to work and learn."),
    ("Digital access", "Computers, wi-fi and help to use them."),
    ("Children's reading", "Story times and reading schemes."),
    ("Opening hours", "Being open when people can come."),
    ("Cost", "Keeping the service affordable for the council."),
]
GROUPS = ("Funders", "Service users", "Staff")


@pytest.fixture
def facilitator(app: Flask) -> tuple[str, str]:
    with app.app_context():
        user = User(email="lead@example.org", display_name="Lead Facilitator")
        user.set_password("a long passphrase")
        db.session.add(user)
        db.session.commit()
    return "lead@example.org", "a long passphrase"


def test_facilitator_sets_up_invites_and_runs_two_rounds(
    page: Page, app: Flask, live_server: LiveServer, facilitator: tuple[str, str], artifacts: Path
) -> None:
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    flows.sign_in(page, url, *facilitator)
    cid = flows.create_consultation(
        page, url, "Library services 2027", "What should our libraries do first?", OUTCOMES, GROUPS
    )
    items = page.locator("#outcomes ol.items > li strong")
    expect(items).to_have_text([name for name, _ in OUTCOMES])

    # Reorder without JavaScript: the form buttons post and the page comes back.
    page.get_by_role("button", name="Move Cost up").click()
    expect(items.nth(4)).to_have_text("Cost")
    assert flows.serious_violations(page, url) == []
    page.screenshot(path=str(artifacts / "facilitator-setup.png"), full_page=True)

    rows = [(f"Person {i}", f"person{i}@example.org", GROUPS[i % 3]) for i in range(30)]
    links = flows.import_invitations(page, url, cid, rows)
    assert len(links) == 30 and all("/i/" in link for link in links)
    expect(page.get_by_role("button", name="Copy all links")).to_be_visible()  # JS enhancement
    with page.expect_download() as download:
        page.get_by_role("button", name="Download these links as CSV").click()
    saved = Path(download.value.path()).read_text()
    assert saved.count("\n") == 31 and links[0] in saved
    assert flows.serious_violations(page, url) == []
    page.screenshot(path=str(artifacts / "facilitator-people.png"), full_page=True)

    flows.open_round(page, url, cid, 1)
    flows.close_round(page, url, cid, 1)
    flows.open_round(page, url, cid, 2)
    expect(page.get_by_role("button", name="Close round 2")).to_be_visible()
    page.screenshot(path=str(artifacts / "facilitator-rounds.png"), full_page=True)

    page.get_by_role("link", name="Participation").click()
    expect(page.get_by_role("cell", name="30")).to_be_visible()  # invited, all groups
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("invitation.import")).to_be_visible()
    assert flows.serious_violations(page, url) == []

    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert [o.name for o in consultation.outcomes][4] == "Cost"
        assert [g.name for g in consultation.groups] == list(GROUPS)
        assert [(r.number, r.is_open) for r in consultation.rounds] == [(1, False), (2, True)]
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 30


def test_demo_pages_read_well_and_pass_axe(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    flows.sign_in(page, url, "facilitator@example.org", "demo")
    for path, heading, shot in [
        ("", DEMO_TITLE, "facilitator-overview.png"),
        ("participation", "Participation", "facilitator-participation.png"),
        ("rounds", "Rounds", "facilitator-rounds-demo.png"),
        ("setup", "Set-up", "facilitator-setup-locked.png"),
        ("audit", "Audit log", "facilitator-audit.png"),
    ]:
        page.goto(f"{url}/facilitate/{demo}/{path}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert flows.serious_violations(page, url) == [], path
        page.screenshot(path=str(artifacts / shot), full_page=True)
    page.goto(f"{url}/facilitate/{demo}/setup")
    expect(
        page.get_by_role("heading", name="Outcomes and groups are fixed for now")
    ).to_be_visible()
