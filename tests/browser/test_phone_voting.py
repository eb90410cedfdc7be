"""A newcomer answers the demo on a phone: one screen per pair, and by keyboard alone."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, Request, expect

from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Membership, Role, User
from deliberate.services.invitations import create_invitation
from tests.browser import flows
from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}


def _focus(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement;
            return {name: el.name || '', id: el.id || '',
                    fieldset: el.closest('fieldset') ? el.closest('fieldset').id : ''}; }"""
    )


def _question_to_save(page: Page) -> float:
    """Pixels from the top of the question to the bottom of "Save and next"."""
    question = page.locator("h1.question").bounding_box()
    save = page.get_by_role("button", name="Save and next").bounding_box()
    assert question and save
    return save["y"] + save["height"] - question["y"]


def test_a_pair_fits_a_phone_screen_and_three_pairs_are_answered_by_keyboard(
    page: Page, live_server: LiveServer, demo: int, app: Flask, artifacts: Path
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/i/{token}")
    page.get_by_label("Your name").fill("Noor")
    page.get_by_role("button", name="Start comparing").click()
    expect(page.get_by_text("Pair 1 of 21")).to_be_visible()
    expect(page.get_by_text("You did not take part in round 1")).to_have_count(1)
    expect(page.locator("details.previous-round")).not_to_have_attribute("open", "")

    # From the question to the bottom of "Save and next": one phone screen, and no
    # sideways scrolling.
    distance = _question_to_save(page)
    print(f"question-to-save distance at 390x844: {distance:.0f} px")
    assert distance <= PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # All 17 points are there, each a labelled radio that names its side and strength.
    radios = page.locator("#scale input[type=radio]")
    expect(radios).to_have_count(17)
    expect(page.get_by_role("radio", name="Equal importance")).to_have_count(1)
    left = page.locator("#left-name").inner_text().split(":")[-1].strip()
    expect(page.get_by_role("radio", name=f"{left}: extreme (9)")).to_have_count(1)
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "stakeholder-compare-phone-one-screen.png"))

    posts: list[str] = []

    def count(request: Request) -> None:
        if request.method == "POST" and "/compare/" in request.url:
            posts.append(request.url)

    page.on("request", count)
    # Keyboard only: Tab into the scale, arrow across several points, Enter saves once.
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focus(page)["name"] == "value":
            break
    for number in (1, 2, 3):
        expect(page.get_by_text(f"Pair {number} of 21")).to_be_visible()
        focus = _focus(page)
        assert focus["name"] == "value" and focus["fieldset"] == "scale", focus
        assert _question_to_save(page) <= PHONE["height"]
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        chosen = page.locator("#scale input:checked")
        expect(chosen).to_have_count(1)
        words = chosen.get_attribute("data-words")
        expect(page.locator("#chosen-words")).to_have_text(words or "")
        assert len(posts) == number - 1  # moving along the scale saved nothing
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_text(f"Saved: {words}.")).to_be_visible()
    expect(page.get_by_text("Pair 4 of 21")).to_be_visible()
    focus = _focus(page)
    assert focus["name"] == "value" and focus["fieldset"] == "scale", focus
    assert len(posts) == 3

    with app.app_context():
        membership = db.session.scalar(
            db.select(Membership).join(User).filter(User.display_name == "Noor")
        )
        saved = db.session.scalars(db.select(Judgment).filter_by(membership_id=membership.id))
        assert len(list(saved)) == 3
