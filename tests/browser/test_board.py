"""A board member reads the consensus summary in a real browser and downloads its PDF."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from deliberate.demo import BOARD_EMAIL, DEMO_TITLE, FACILITATOR_EMAIL
from deliberate.extensions import db
from deliberate.models import Membership, Role, User
from tests.browser.flows import serious_violations
from tests.conftest import LiveServer


def _sign_in_and_open_summary(
    page: Page, live_server: LiveServer, email: str = BOARD_EMAIL
) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/board/")
    page.get_by_role("link", name="Read the summary of round 1").click()
    expect(page.get_by_role("heading", level=1, name=DEMO_TITLE)).to_be_visible()


def test_board_member_reads_a_summary_with_no_names_on_it(
    app: Flask, page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    with app.app_context():
        names = list(
            db.session.scalars(
                db.select(User.display_name)
                .join(Membership)
                .filter(Membership.consultation_id == demo, Membership.role == Role.STAKEHOLDER)
            )
        )
    assert len(names) == 60
    page.set_viewport_size({"width": 1100, "height": 900})
    _sign_in_and_open_summary(page, live_server)
    for heading in ("Who took part", "Where stakeholders converge", "Where they conflict"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("Efficiency is first for Funders but fifth to seventh")).to_be_visible()
    chart = page.get_by_role("img", name="Consensus priorities with 95% bootstrap intervals")
    expect(chart).to_be_visible()
    html = page.content()
    text = page.inner_text("body")
    assert [name for name in names if name in html or name in text] == []
    assert "Save the note" not in text
    assert serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "board-summary.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download PDF")).to_be_hidden()
    page.screenshot(path=str(artifacts / "board-summary-print.png"), full_page=True)


def test_board_member_downloads_the_pdf(
    page: Page, live_server: LiveServer, demo: int, tmp_path: Path
) -> None:
    _sign_in_and_open_summary(page, live_server)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    target = tmp_path / "summary.pdf"
    download_info.value.save_as(target)
    reader = PdfReader(target)
    box = reader.pages[0].mediabox  # A4 portrait: 595 × 842 points
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    pages = [p.extract_text() for p in reader.pages]
    flat = " ".join(" ".join(pages).split())
    assert DEMO_TITLE in flat
    assert "The consensus priorities" in flat
    assert "Efficiency is first for Funders but fifth to seventh for Service users" in flat
    assert "Where they conflict" in flat
    assert "Efficiency against Equity divides the groups" in flat
    assert "Download PDF" not in flat and "Sign out" not in flat
    # Every page carries the title and round at its head and its number at its foot.
    head = f"{DEMO_TITLE} · Consensus summary, round 1"
    for number, text in enumerate(pages, 1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert head in lines, number
        assert f"Page {number} of {len(pages)}" in lines, number
    # No heading is stranded at the foot of a page: each shares its page with what follows.
    after = {
        "The consensus priorities": ("Each outcome gets a share of 100 points", "Probity 8.6%"),
        "Where stakeholders converge": ("Common ground here means",),
        "Where they conflict": ("pairs divide the groups",),
        "How much the answer depends on whose voice counts": ("has the largest share under",),
        "How far stakeholders agree overall": ("Overall agreement is",),
        "Method": ("Judgments",),
    }
    for heading, followers in after.items():
        [page_text] = [t for t in pages if heading in t.splitlines()]
        for follower in followers:
            assert follower in " ".join(page_text.split()), (heading, follower)


def test_facilitator_adds_a_note_and_shares_a_read_only_link(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(FACILITATOR_EMAIL)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{live_server.url}/board/{demo}/")
    note = page.get_by_label("Note for the board")
    note.fill("Caveat: staff were under-represented.\nNext step: a second workshop in March.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.get_by_text("The note is saved.")).to_be_visible()
    expect(page.locator(".note-text")).to_have_text(
        "Caveat: staff were under-represented.\nNext step: a second workshop in March."
    )
    assert serious_violations(page, live_server.url) == []
    page.get_by_label("Link works for (days)").fill("3")
    page.get_by_role("button", name="Create a read-only link").click()
    link = page.get_by_label("Link").input_value()
    assert "/s/" in link
    path = link[link.index("/s/") :]

    visitor = page.context.browser.new_context()
    try:
        other = visitor.new_page()
        other.goto(f"{live_server.url}{path}")
        expect(other.get_by_role("heading", level=1, name=DEMO_TITLE)).to_be_visible()
        expect(other.get_by_text("Next step: a second workshop in March.")).to_be_visible()
        expect(other.get_by_role("link", name="Download PDF")).to_be_visible()
        expect(other.get_by_role("button", name="Save the note")).to_have_count(0)
        other.screenshot(path=str(artifacts / "board-summary-shared.png"))
    finally:
        visitor.close()
