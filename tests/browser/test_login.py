"""A person signs in through a real browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from deliberate.demo import DEMO_TITLE
from tests.conftest import LiveServer


def test_demo_facilitator_signs_in_and_sees_the_consultation(
    page: Page, live_server: LiveServer, demo: int, artifacts: Path
) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill("facilitator@example.org")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=DEMO_TITLE)).to_be_visible()
    page.screenshot(path=str(artifacts / "facilitator-home.png"), full_page=True)


def test_wrong_password_is_explained(page: Page, live_server: LiveServer, demo: int) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill("facilitator@example.org")
    page.get_by_label("Password").fill("wrong")
    page.keyboard.press("Enter")
    expect(page.get_by_text("do not match an account")).to_be_visible()
