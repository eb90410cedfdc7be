"""Options in a real browser: a facilitator sets them up, an assessor appraises, all read them."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from deliberate.demo import BOARD_EMAIL, FACILITATOR_EMAIL
from deliberate.models import Status
from tests.browser import flows
from tests.conftest import LiveServer
from tests.factories import make_consultation

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits_a_phone(page: Page, within: str = "body") -> bool:
    """At 390 px nothing in ``within`` reaches past the right edge (no sideways scroll)."""
    page.set_viewport_size(PHONE)
    return page.evaluate(
        """within => [...document.querySelectorAll(within + ' *')].every(
            e => e.closest('.table-scroll') && !e.classList.contains('table-scroll')
                 || e.getBoundingClientRect().right <= window.innerWidth + 1)""",
        within,
    )


def test_facilitator_sets_up_options_and_an_assessor_appraises_them(
    page: Page, browser: Browser, live_server: LiveServer, app: Flask, artifacts: Path
) -> None:
    with app.app_context():
        cid = make_consultation(
            outcomes=("Equity", "Prevention", "Efficiency"), status=Status.OPEN
        ).id
    page.set_viewport_size(DESKTOP)
    flows.sign_in(page, live_server.url, "fac@example.org", "pw")
    page.goto(f"{live_server.url}/facilitate/{cid}/")
    page.get_by_role("navigation").get_by_role("link", name="Options").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Options"))).to_be_visible()
    add = page.locator("form.add").filter(has=page.get_by_role("heading", name="Add an option"))
    for name, cost in (("Keep clinics", "1200000"), ("Hub and spoke", "900000"),
                       ("Mobile van", ""), ("Digital first", "700000")):  # fmt: skip
        add.get_by_label("Option", exact=True).fill(name)
        add.get_by_label("Annual cost (optional)").fill(cost)
        add.get_by_label("Cost unit").fill("£ a year" if cost else "")
        add.get_by_role("button", name="Add option").click()
        expect(page.get_by_text(f"Added the option “{name}”.")).to_be_visible()
    page.get_by_role("button", name="Remove Mobile van").click()
    expect(page.get_by_text("Removed the option “Mobile van”.")).to_be_visible()
    expect(page.locator("#options tbody tr")).to_have_count(3)
    page.get_by_label(re.compile("^Pairwise")).check()
    page.get_by_role("button", name="Open the appraisal").click()
    expect(page.get_by_text("The appraisal is open")).to_be_visible()
    expect(page.get_by_role("button", name="Remove Keep clinics")).to_have_count(0)
    page.get_by_label("Assessor's name").fill("Ana Evidence")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Link").input_value()
    assert "/a/" in link
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "facilitator-options.png"), full_page=True)
    assert fits_a_phone(page)
    page.screenshot(path=str(artifacts / "facilitator-options-phone.png"), full_page=True)

    # The assessor, in a browser of their own.
    context = browser.new_context(viewport=PHONE)
    assessor = context.new_page()
    assessor.goto(f"{live_server.url}/a/{link.split('/a/')[1]}")  # BASE_URL is not this server
    expect(assessor.get_by_text("appraise the options as an assessor")).to_be_visible()
    assessor.get_by_role("button", name="Start appraising").click()
    expect(assessor.get_by_role("heading", name="Appraise the options")).to_be_visible()
    assessor.get_by_role("link", name="Equity").click()
    expect(assessor.get_by_role("heading", name="Equity")).to_be_visible()
    # Keep > Hub (3), Hub > Digital (3), but Digital > Keep (3): inconsistent on purpose.
    assessor.get_by_label("Keep clinics or Hub and spoke").select_option("3")
    assessor.get_by_label("Keep clinics or Digital first").select_option("1/3")
    assessor.get_by_label("Hub and spoke or Digital first").select_option("3")
    assessor.get_by_role("button", name="Save").click()
    expect(assessor.get_by_text("Saved 3 answers on Equity.")).to_be_visible()
    feedback = assessor.locator("#consistency")
    expect(feedback).to_contain_text("contradict each other")
    expect(feedback).to_contain_text("fits the rest least")
    assert flows.serious_violations(assessor, live_server.url) == []
    assert fits_a_phone(assessor)
    assessor.screenshot(path=str(artifacts / "assessor-appraise-phone.png"), full_page=True)
    assessor.get_by_label("Keep clinics or Digital first").select_option("9")
    assessor.get_by_role("button", name="Save").click()
    expect(assessor.locator("#consistency")).to_contain_text("are consistent")
    assessor.get_by_role("link", name="Next: Prevention").click()
    expect(assessor.get_by_role("heading", name="Prevention")).to_be_visible()
    assessor.get_by_role("link", name="All outcomes").click()
    expect(assessor.locator("table.appraisal-progress")).to_contain_text("3 of 3")
    assessor.screenshot(path=str(artifacts / "assessor-progress-phone.png"), full_page=True)
    context.close()


def test_options_on_the_demo_map_and_in_the_board_summary(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    flows.sign_in(page, live_server.url, FACILITATOR_EMAIL, "demo")
    page.goto(f"{live_server.url}/facilitate/{demo}/map?round=1")
    section = page.locator("#options-map")
    expect(section).to_contain_text("The groups prefer different options")
    expect(section).to_contain_text("The assessors disagree most about")
    expect(section.locator("table.options-table tbody tr")).to_have_count(3)
    assert flows.serious_violations(page, live_server.url) == []
    section.screenshot(path=str(artifacts / "facilitator-map-options.png"))
    # The map's own charts are wider than a phone; the options section is not.
    assert fits_a_phone(page, "#options-map")
    page.locator("#options-map").screenshot(
        path=str(artifacts / "facilitator-map-options-phone.png")
    )

    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Sign out").click()
    flows.sign_in(page, live_server.url, BOARD_EMAIL, "demo")
    page.goto(f"{live_server.url}/board/{demo}/rounds/1")
    options = page.locator("#options")
    expect(options).to_contain_text("Overall, Hub and spoke delivers the most")
    expect(options).to_contain_text("Not beaten on both value and cost")
    expect(options.locator("svg[role=img]")).to_have_count(1)
    assert "GP clinical lead" not in page.content()
    assert flows.serious_violations(page, live_server.url) == []
    options.screenshot(path=str(artifacts / "board-options.png"))
    assert fits_a_phone(page, "#options")
    options.screenshot(path=str(artifacts / "board-options-phone.png"))
    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="print")
    options.screenshot(path=str(artifacts / "board-options-print.png"))
