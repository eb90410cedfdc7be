"""A facilitator follows up the demo's open round, and compares rounds, on a phone and a desk."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from deliberate.demo import FACILITATOR_EMAIL
from tests.browser import flows
from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def _fits(page: Page, selector: str) -> bool:
    """Whether the element's content fits the phone's width (no sideways scrolling)."""
    return page.evaluate(
        "s => document.querySelector(s).scrollWidth <= window.innerWidth", selector
    )


def test_people_participation_and_compare_pages_on_a_phone(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    flows.sign_in(page, live_server.url, FACILITATOR_EMAIL, "demo")
    for name, path, heading, section in (
        ("people", "people", "Stakeholders who joined", "#members"),
        ("participation", "participation", "Who has not finished", "#unfinished"),
        ("compare", "rounds/compare", "Consensus by round", ".movements"),
    ):
        page.set_viewport_size(DESK)
        page.goto(f"{live_server.url}/facilitate/{demo}/{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert flows.serious_violations(page, live_server.url) == []
        page.screenshot(path=str(artifacts / f"facilitator-{name}-desktop.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.reload()
        assert _fits(page, section), f"{name}: {section} is wider than a phone"
        page.screenshot(path=str(artifacts / f"facilitator-{name}-phone.png"), full_page=True)

    page.goto(f"{live_server.url}/facilitate/{demo}/rounds/compare")
    expect(page.get_by_text("Provisional:")).to_be_visible()
    expect(page.get_by_text("Between groups: no clear change")).to_be_visible()

    # Closing the round asks first, with the number who have not finished.
    page.set_viewport_size(DESK)
    page.goto(f"{live_server.url}/facilitate/{demo}/rounds")
    page.get_by_role("button", name="Close round 2").click()
    expect(page.get_by_role("heading", name="Close round 2 for good?")).to_be_visible()
    expect(page.get_by_text("of 60 people who joined have not finished round 2")).to_be_visible()
    page.get_by_role("link", name="Keep it open").click()
    expect(page.get_by_role("button", name="Close round 2")).to_be_visible()
