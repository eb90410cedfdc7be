"""A stakeholder votes in a real browser: keyboard only, live consistency, accessibility."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from deliberate.extensions import db
from deliberate.models import Consultation, Judgment, Role, StakeholderGroup
from deliberate.services.invitations import create_invitation
from tests.browser import flows
from tests.conftest import LiveServer
from tests.factories import make_consultation

#: The points of the scale in page order: left 9 … 2, equal, right 2 … 9 (left over right).
POINTS = [*range(9, 1, -1), 1, *(1 / i for i in range(2, 10))]

#: A consistent set of priorities: every ratio is on Saaty's scale.
WEIGHTS = {"Efficiency": 8, "Equity": 4, "Prevention": 2, "Access": 1, "Safety": 1}
#: The deliberately inconsistent answer: Access over Efficiency, where the rest say 1/8.
CONTRARY = ("Access", "Efficiency", 8.0)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Let the tests inject axe-core, which the site's CSP would rightly refuse."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def invited(app: Flask) -> dict[str, Any]:
    """A five-outcome consultation and two invitation links to one group."""
    with app.app_context():
        consultation = make_consultation(
            outcomes=tuple(WEIGHTS), groups=("Service users", "Staff"), title="Clinic"
        )
        for outcome in consultation.outcomes:
            outcome.description = f"How well the clinic does on {outcome.name.lower()}."
        group = db.session.scalar(db.select(StakeholderGroup).filter_by(name="Service users"))
        tokens = [create_invitation(consultation, Role.STAKEHOLDER, group)[1] for _ in range(2)]
        db.session.commit()
        return {"id": consultation.id, "tokens": tokens}


def _desired(left: str, right: str) -> float:
    if (left, right) == CONTRARY[:2]:
        return CONTRARY[2]
    if (right, left) == CONTRARY[:2]:
        return 1 / CONTRARY[2]
    return WEIGHTS[left] / WEIGHTS[right]


def _index(value: float) -> int:
    return min(range(len(POINTS)), key=lambda i: abs(math.log(POINTS[i]) - math.log(value)))


def _names(page: Page) -> tuple[str, str]:
    def name(selector: str) -> str:
        return (
            page.locator(selector)
            .inner_text()
            .replace("Outcome A:", "")
            .replace("Outcome B:", "")
            .strip()
        )

    return name("#left-name"), name("#right-name")


def _value_in_words(text: str, left: str, right: str) -> float:
    """Read "X is more important than Y: strong (5)" or "X and Y are equally important"."""
    if "equally important" in text:
        return 1.0
    winner = text.split(" is more important than ")[0]
    intensity = float(text.rsplit("(", 1)[1].rstrip(")"))
    return intensity if winner == left else 1 / intensity


def _tab_until(page: Page, test: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JavaScript expression ``test``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {test})(document.activeElement)"):
            return
    raise AssertionError(f"never reached an element where {test}")


def _answer_with_keyboard(page: Page, value: float) -> None:
    """Tab into the scale, move with the arrow keys to ``value``, Tab to Save, press Enter."""
    _tab_until(page, "el.name === 'value'")
    focused = page.evaluate("document.activeElement.id")
    current = int(focused.split("-")[1]) - 1
    target = _index(value)
    key = "ArrowRight" if target >= current else "ArrowLeft"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    if target == current and not page.evaluate("document.activeElement.checked"):
        page.keyboard.press("Space")
    expect(page.locator(f"#point-{target + 1}")).to_be_checked()
    _tab_until(page, "el.textContent.trim() === 'Save and next'")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _judgments(app: Flask) -> dict[tuple[int, int, int], float]:
    with app.app_context():
        rows = db.session.scalars(db.select(Judgment))
        return {(j.membership_id, j.outcome_a_id, j.outcome_b_id): j.value for j in rows}


def test_stakeholder_votes_with_the_keyboard_and_resolves_an_inconsistency(
    page: Page, live_server: LiveServer, invited: dict[str, Any], artifacts: Path, app: Flask
) -> None:
    cid = invited["id"]
    page.goto(f"{live_server.url}/i/{invited['tokens'][0]}")
    expect(page.get_by_role("heading", name="Clinic")).to_be_visible()
    expect(page.get_by_text("never shown to other stakeholders")).to_be_visible()
    expect(page.get_by_text("at least 3 members")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "stakeholder-join-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    _tab_until(page, "el.name === 'display_name'")
    page.keyboard.type("Rowan")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Pair 1 of 10")).to_be_visible()

    # Accessibility and screenshots of the comparison page, at phone and desktop widths.
    assert flows.serious_violations(page, live_server.url) == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "stakeholder-compare-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(artifacts / "stakeholder-compare-desktop.png"), full_page=True)

    answered: dict[tuple[str, str], float] = {}
    for number in range(1, 11):
        expect(page.get_by_text(f"Pair {number} of 10")).to_be_visible()
        left, right = _names(page)
        _answer_with_keyboard(page, _desired(left, right))
        answered[(left, right)] = _desired(left, right)
        if number == 5:
            # Reload mid-way: the five answers are all there.
            page.reload()
            expect(page.get_by_text("5 answered")).to_be_visible()
            page.goto(f"{live_server.url}/c/{cid}/compare?pair=3")
            expect(page.locator("input[name=value]:checked")).to_have_count(1)
            page.goto(f"{live_server.url}/c/{cid}/compare?pair=6")

    expect(page.get_by_role("heading", name="Your summary")).to_be_visible()
    expect(page.get_by_text("Some answers contradict each other")).to_be_visible()
    expect(page.get_by_text("you said")).to_contain_text("Access is more important than Efficiency")
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "stakeholder-summary-inconsistent.png"), full_page=True)

    # Follow the suggestion (revisit the pair the page names, choose the value it says
    # would fit) until the answers hang together.
    for _ in range(4):
        if page.get_by_text("Your answers hang together well").count():
            break
        suggestion = page.locator(".consistency-warn q").nth(1).inner_text()
        _tab_until(page, "el.textContent.trim() === 'Revisit this pair'")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        left, right = _names(page)
        assert {left, right} == {"Access", "Efficiency"}
        _answer_with_keyboard(page, _value_in_words(suggestion, left, right))
        answered[(left, right)] = _value_in_words(suggestion, left, right)
        page.goto(f"{live_server.url}/c/{cid}/summary")
    expect(page.get_by_text("Your answers hang together well")).to_be_visible()
    expect(page.get_by_text("Some answers contradict")).to_have_count(0)
    _tab_until(page, 'el.textContent.trim() === "I\'m done"')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you: your answers are in")).to_be_visible()
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "stakeholder-summary.png"), full_page=True)

    # What is stored is what was chosen, in canonical order.
    with app.app_context():
        names = {o.id: o.name for o in db.session.get(Consultation, cid).outcomes}
    stored = {(names[a], names[b]): v for (_, a, b), v in _judgments(app).items()}
    assert len(stored) == 10
    for (left, right), value in answered.items():
        if (left, right) in stored:
            assert stored[(left, right)] == pytest.approx(value)
        else:
            assert stored[(right, left)] == pytest.approx(1 / value)


def test_an_answer_is_saved_the_moment_it_is_chosen(
    page: Page, live_server: LiveServer, invited: dict[str, Any], app: Flask
) -> None:
    page.goto(f"{live_server.url}/i/{invited['tokens'][0]}")
    page.get_by_label("Your name").fill("Sam")
    page.get_by_role("button", name="Start comparing").click()
    page.get_by_label("Equal importance").check()
    expect(page.locator("#save-status")).to_have_text("Saved.")
    page.reload()  # the phone slept; nothing was submitted
    expect(page.get_by_text("Pair 2 of 10")).to_be_visible()  # pair 1 is answered
    expect(page.get_by_text("1 answered")).to_be_visible()
    page.goto(page.url.split("?")[0] + "?pair=1")
    expect(page.get_by_label("Equal importance")).to_be_checked()
    assert list(_judgments(app).values()) == [1.0]


def test_a_forged_membership_id_is_refused(
    page: Page, live_server: LiveServer, invited: dict[str, Any], app: Flask
) -> None:
    first, second = invited["tokens"]
    page.goto(f"{live_server.url}/i/{first}")
    page.get_by_label("Your name").fill("First")
    page.get_by_role("button", name="Start comparing").click()
    page.get_by_label("Equal importance").check()
    page.get_by_role("button", name="Save and next").click()
    expect(page.get_by_text("Pair 2 of 10")).to_be_visible()
    first_id = page.locator("input[name=membership_id]").input_value()
    before = _judgments(app)
    assert len(before) == 1

    other = page.context.browser.new_context(bypass_csp=True)
    intruder = other.new_page()
    intruder.goto(f"{live_server.url}/i/{second}")
    intruder.get_by_label("Your name").fill("Second")
    intruder.get_by_role("button", name="Start comparing").click()
    intruder.evaluate(
        "id => { document.querySelector('input[name=membership_id]').value = id; }", first_id
    )
    intruder.locator("#point-1").check(force=True)
    intruder.get_by_role("button", name="Save and next").click()
    expect(intruder.get_by_text("belongs to another participant")).to_be_visible()
    expect(intruder.get_by_role("heading", name="Forbidden")).to_be_visible()
    other.close()
    assert _judgments(app) == before


def test_a_returning_stakeholder_sees_round_one_and_starts_from_their_answers(
    page: Page, live_server: LiveServer, demo: int, app: Flask, artifacts: Path
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        round_two = consultation.rounds[1]
        revised = set(
            db.session.scalars(db.select(Judgment.membership_id).filter_by(round_id=round_two.id))
        )
        membership = next(
            m
            for m in consultation.memberships
            if m.role is Role.STAKEHOLDER and m.id not in revised
        )
        invitation, token = create_invitation(consultation, Role.STAKEHOLDER, membership.group)
        invitation.membership = membership
        db.session.commit()
    page.goto(f"{live_server.url}/i/{token}")
    page.get_by_role("button", name="Continue").click()  # a used link asks first
    expect(page.get_by_text("Pair 1 of 21")).to_be_visible()
    expect(page.get_by_text("starts from your answer in round 1")).to_be_visible()
    expect(page.locator("input[name=value]:checked")).to_have_count(1)
    page.get_by_text("where round 1 landed").click()  # the table starts closed
    table = page.get_by_role("table", name="Priorities in round 1")
    expect(table.get_by_role("columnheader", name="You (round 1)")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(8)
    assert flows.serious_violations(page, live_server.url) == []
    page.screenshot(path=str(artifacts / "stakeholder-round-two.png"), full_page=True)
    page.get_by_role("button", name="Start from my previous answers").click()
    expect(page.get_by_text("21 answers copied from round 1")).to_be_visible()
    expect(page.get_by_text("You have answered 21 of 21 pairs")).to_be_visible()
