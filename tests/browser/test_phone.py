"""Every page a board member, stakeholder, share-link reader or facilitator sees fits a
phone: no sideways scroll at 390 × 844 (and at 320), chart text at least 11 px.

Screenshots of each page at phone width are kept in ``artifacts/phone-*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from deliberate.demo import BOARD_EMAIL, DEMO_TITLE, FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import Consultation, Role, StakeholderGroup
from deliberate.services.invitations import create_invitation
from tests.browser import flows
from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}
#: Symbols and method names a board member should not meet on the summary's first screen.
JARGON = re.compile(r"S\*|\bW =|\bCR\b|bootstrap|η|\bclr\b|Kendall|eigen|AIJ|AIP|AHP|%", re.I)
#: The text a reader sees without scrolling.
FIRST_SCREEN_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = [];
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    const shown = [...range.getClientRects()].some(r => r.bottom > 0 && r.top < innerHeight);
    if (shown) seen.push(node.textContent.trim());
  }
  return seen.join(' ');
}"""
NARROWEST = 320
MIN_CHART_TEXT = 11

#: Chart text drawn smaller than MIN_CHART_TEXT pixels: (text, pixels) on the current page.
SMALL_CHART_TEXT = """(least) => [...document.querySelectorAll('main svg text')]
  .filter(t => t.getClientRects().length && t.textContent.trim())
  .map(t => {
    const m = t.getScreenCTM();
    return [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
  })
  .filter(([, px]) => px < least - 0.01)"""


def _fits(page: Page, name: str, artifacts: Path) -> None:
    """The page does not scroll sideways at phone width or at 320 px; charts stay readable;
    axe-core finds nothing serious at phone width (scrolling frames reachable by keyboard)."""
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name} scrolls sideways at 390 px: {width}"
    assert page.evaluate(SMALL_CHART_TEXT, MIN_CHART_TEXT) == [], name
    site = re.match(r"https?://[^/]+", page.url)
    assert site and flows.serious_violations(page, site.group(0)) == [], name
    page.set_viewport_size({"width": NARROWEST, "height": PHONE["height"]})
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name} scrolls sideways at 320 px: {width}"
    page.set_viewport_size(PHONE)


def _visit(page: Page, url: str, name: str, artifacts: Path) -> None:
    page.goto(url)
    _fits(page, name, artifacts)


def test_board_pages_fit_a_phone(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    flows.sign_in(page, live_server.url, BOARD_EMAIL, "demo")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Board")).to_be_visible()
    expect(menu.get_by_role("link", name="Facilitate")).to_have_count(0)
    expect(menu.get_by_role("link", name="API tokens")).to_have_count(0)
    _visit(page, f"{live_server.url}/board/", "board-index", artifacts)
    _visit(page, f"{live_server.url}/board/{demo}/", "board-summary", artifacts)
    expect(page.get_by_role("heading", level=1, name=DEMO_TITLE)).to_be_visible()
    # The first screen, on a phone and on a laptop: plain words, no symbol or method name.
    brief = page.locator(".in-brief li")
    expect(brief.first).to_contain_text("of 100 points of importance")
    assert 3 <= brief.count() <= 5
    for size, name in ((PHONE, "phone"), ({"width": 1280, "height": 800}, "laptop")):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"{name}-board-summary-first-screen.png"))
        first_screen = page.evaluate(FIRST_SCREEN_TEXT)
        assert "of 100 points of importance" in first_screen
        assert JARGON.findall(first_screen) == [], name
    page.set_viewport_size(PHONE)
    # Each sentence links to the section with its figures and method.
    links = page.locator(".in-brief li a")
    assert links.count() == brief.count()
    links.first.click()
    expect(page.get_by_role("heading", name="The consensus priorities")).to_be_in_viewport()
    # The ranking table scrolls inside its own frame, says so, and can be reached by keyboard.
    frame = page.locator(".table-scroll", has=page.locator("table.ranking-table"))
    expect(frame).to_have_attribute("tabindex", "0")
    expect(frame).to_have_attribute("role", "region")
    expect(page.get_by_text("Scroll sideways to see all of it").first).to_be_visible()
    assert flows.serious_violations(page, live_server.url) == []


def test_share_pages_fit_a_phone(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    flows.sign_in(page, live_server.url, FACILITATOR_EMAIL, "demo")
    _visit(page, f"{live_server.url}/board/{demo}/", "facilitator-board-summary", artifacts)
    page.get_by_label("Link works for (days)").fill("3")
    page.get_by_role("button", name="Create a read-only link").click()
    expect(page.get_by_role("heading", name="Read-only link created")).to_be_visible()
    _fits(page, "share-link-created", artifacts)
    link = page.get_by_label("Link").input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link

    visitor = page.context.browser.new_context(viewport=PHONE)
    try:
        other = visitor.new_page()
        _visit(other, f"{live_server.url}{link[link.index('/s/') :]}", "share-summary", artifacts)
        expect(
            other.get_by_text(re.compile(r"This link works until \d+ \w+ \d{4}"))
        ).to_be_visible()
    finally:
        visitor.close()


def test_facilitator_pages_fit_a_phone(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.set_viewport_size(PHONE)
    flows.sign_in(page, live_server.url, FACILITATOR_EMAIL, "demo")
    for name in ("map", "people", "participation", "rounds", "setup", "audit", "rounds/compare"):
        _visit(
            page,
            f"{live_server.url}/facilitate/{demo}/{name}",
            f"facilitator-{name.replace('/', '-')}",
            artifacts,
        )
    _visit(page, f"{live_server.url}/facilitate/{demo}/", "facilitator-overview", artifacts)


def test_stakeholder_pages_fit_a_phone(
    app: Flask, page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        group = db.session.scalar(
            db.select(StakeholderGroup).filter_by(consultation_id=demo, name="Service users")
        )
        token = create_invitation(consultation, Role.STAKEHOLDER, group)[1]
        db.session.commit()
    page.set_viewport_size(PHONE)
    _visit(page, f"{live_server.url}/join", "stakeholder-join", artifacts)
    _visit(page, f"{live_server.url}/i/{token}", "stakeholder-register", artifacts)
    page.get_by_label("Your name").fill("Robin")
    page.get_by_role("button", name="Start comparing").click()
    expect(page.get_by_label("Equal importance")).to_be_visible()
    _fits(page, "stakeholder-compare", artifacts)
    for _ in range(6):
        page.get_by_label("Equal importance").check()
        page.get_by_role("button", name="Save and next").click()
    _visit(page, f"{live_server.url}/my", "stakeholder-index", artifacts)
    _visit(page, f"{live_server.url}/c/{demo}/summary", "stakeholder-summary", artifacts)
