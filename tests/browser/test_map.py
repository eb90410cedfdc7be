"""A facilitator reads the demo's disagreement map in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from deliberate.demo import FACILITATOR_EMAIL
from tests.browser import flows
from tests.conftest import LiveServer


def test_the_demo_map_shows_its_conflict_and_the_reasons_behind_it(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    flows.sign_in(page, live_server.url, FACILITATOR_EMAIL, "demo")
    page.goto(f"{live_server.url}/facilitate/{demo}/map")
    expect(page.get_by_role("heading", name="Disagreement map")).to_be_visible()

    # Choose the first round, as a facilitator would, with the form.
    page.get_by_label("Round").select_option("1")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Round 1:", exact=False).first).to_be_visible()
    pairs = page.locator("ol.pair-list > li > a")
    expect(pairs).to_have_count(21)
    top = pairs.all_inner_texts()[:3]
    assert "Efficiency vs Equity" in top and "Efficiency vs Public confidence" in top

    # The heatmap row says who stands where, and the chart has words for screen readers.
    heatmap = page.locator("#conflict-figure svg")
    expect(heatmap).to_have_attribute("role", "img")
    description = heatmap.locator("desc").text_content() or ""
    assert "Efficiency vs Equity: Funders Efficiency" in description
    assert "Service users Equity" in description

    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "facilitator-map.png"), full_page=True)

    # Step through the participant map with the keyboard: only a group is ever said.
    frame = page.locator("#participants-figure .chart-frame")
    frame.focus()
    page.keyboard.press("ArrowRight")
    readout = page.locator(".point-readout")
    expect(readout).to_have_text(re.compile(r"^Mark 1 of 60: (Funders|Service users|Staff)$"))

    page.get_by_role("link", name="Efficiency vs Equity").click()
    expect(page.get_by_role("heading", name="For Efficiency")).to_be_visible()
    expect(page.get_by_role("heading", name="For Equity")).to_be_visible()
    expect(page.locator("#side-first ~ ul.reasons").first).to_contain_text("Every pound")
    expect(page.get_by_text("The people with the greatest need")).to_be_visible()
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "facilitator-pair-reasons.png"), full_page=True)

    page.goto(f"{live_server.url}/facilitate/{demo}/rounds/compare")
    expect(page.get_by_text("Funders: consensus rose", exact=False)).to_be_visible()
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "facilitator-compare-print.png"), full_page=True)
