"""Steps a facilitator takes in a real browser, reusable across browser tests.

Each step drives the real pages (labels, buttons, forms) and waits for the page that
follows, so a test reads as the story of a consultation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import Page, expect


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    """Sign in through the login form."""
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def create_consultation(
    page: Page,
    url: str,
    title: str,
    question: str,
    outcomes: Sequence[tuple[str, str]],
    groups: Sequence[str] = ("Funders", "Service users", "Staff"),
) -> int:
    """Create a consultation with ``groups`` and add ``outcomes`` (name, description); its id."""
    page.goto(f"{url}/facilitate/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Public value question").fill(question)
    for checkbox in page.locator("ul.checks input[type=checkbox]").all():
        label = page.locator(f"label[for='{checkbox.get_attribute('id')}']").inner_text()
        checkbox.set_checked(label in groups)
    suggested = {"Funders", "Service users", "Staff"}
    page.get_by_label("Other groups (one per line)").fill(
        "\n".join(g for g in groups if g not in suggested)
    )
    page.get_by_role("button", name="Create consultation").click()
    expect(page.get_by_role("heading", name=re.compile("^Set-up"))).to_be_visible()
    match = re.search(r"/facilitate/(\d+)/setup", page.url)
    assert match, page.url
    cid = int(match.group(1))
    add = page.locator("form.add").filter(has=page.get_by_role("heading", name="Add an outcome"))
    for name, description in outcomes:
        add.get_by_label("Name").fill(name)
        add.get_by_label("Plain description").fill(description)
        add.get_by_role("button", name="Add outcome").click()
        expect(page.get_by_text(f"Added “{name}”.")).to_be_visible()
    return cid


def import_invitations(
    page: Page, url: str, cid: int, rows: Sequence[tuple[str, str, str]]
) -> list[str]:
    """Upload (name, email, group) rows as a CSV file; return the links shown once."""
    text = "name,email,group\n" + "".join(f"{n},{e},{g}\n" for n, e, g in rows)
    page.goto(f"{url}/facilitate/{cid}/people")
    page.get_by_label("CSV file (columns name,email,group)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Import and create links").click()
    expect(page.get_by_text(f"{len(rows)} invitations created.")).to_be_visible()
    return [field.input_value() for field in page.locator("#new-links .link-input").all()]


def _round_button(page: Page, url: str, cid: int, button: str, confirmation: str) -> None:
    page.goto(f"{url}/facilitate/{cid}/rounds")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text(confirmation)).to_be_visible()


def open_round(page: Page, url: str, cid: int, number: int = 1) -> None:
    """Open round 1, or start round ``number`` after the previous one closed."""
    _round_button(page, url, cid, f"Open round {number}", f"Round {number} is open")


def close_round(page: Page, url: str, cid: int, number: int) -> None:
    """Close the current round, confirming when asked."""
    _round_button(page, url, cid, f"Close round {number}", f"Close round {number} for good?")
    page.get_by_role("button", name=f"Yes, close round {number}").click()
    expect(page.get_by_text(f"Round {number} is closed")).to_be_visible()


def serious_violations(page: Page, url: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the current page (loaded from the site)."""
    page.add_script_tag(url=f"{url}/static/vendor/axe-core/axe.min.js")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]
