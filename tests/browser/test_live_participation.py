"""The facilitator's participation counts follow a workshop without reloading the page."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from deliberate.extensions import db
from deliberate.models import Consultation, Role
from deliberate.services.judgments import record_judgment
from tests.browser import flows
from tests.conftest import LiveServer
from tests.factories import make_member


def test_counts_refresh_themselves_while_the_round_is_open(
    page: Page, app: Flask, live_server: LiveServer, demo: int
) -> None:
    flows.sign_in(page, live_server.url, "facilitator@example.org", "demo")
    page.goto(f"{live_server.url}/facilitate/{demo}/participation")
    started = page.locator("#participation-counts tfoot td").nth(2)
    joined = page.locator("#participation-counts tfoot td").nth(1)
    before_started, before_joined = int(started.inner_text()), int(joined.inner_text())
    first_group = page.locator("#participation-counts tbody tr").first.locator("td").nth(2)
    first_group_started = int(first_group.inner_text())
    expect(page.locator("#live-status")).to_contain_text("update every")
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        member = make_member(consultation, Role.STAKEHOLDER, name="Late arrival")
        first, second = consultation.outcomes[:2]
        record_judgment(member, consultation.rounds[-1], first.id, second.id, 3.0)
    expect(started).to_have_text(str(before_started + 1), timeout=15_000)
    expect(joined).to_have_text(str(before_joined + 1))
    expect(first_group).to_have_text(str(first_group_started + 1))
    assert flows.serious_violations(page, live_server.url) == []
