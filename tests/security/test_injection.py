"""Hostile text in every free-text field stays text: in pages, charts, PDFs, CSV and JSON.

One consultation is filled with script, markup, template and formula payloads: its
title, question and description, outcome and group names and descriptions, stakeholders'
names and reasons, the facilitator's note, and CSV imports of invitations and judgments.
Then everything its facilitator, board member, stakeholder and link holder can open is
fetched and checked to be inert.
"""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Judgment, Role, Scope, User, utcnow
from deliberate.services import board
from deliberate.services.invitations import create_invitation, redeem
from deliberate.services.pdf import chromium
from deliberate.services.tokens import create_token
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member
from tests.security.conftest import Visited, crawl

XSS = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TEMPLATES = "{{7*7}}{% debug %}"
JS_URL = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://x")'
#: Text for most fields: every markup and template payload at once, within 80 characters.
PAYLOAD = f"{XSS}{ATTRIBUTE}{TEMPLATES}"
FORMULA_STARTS = ("=", "+", "-", "@")
ROOT = Path(__file__).resolve().parents[2]


def hostile(tag: str) -> str:
    """A distinct hostile value (names must be unique)."""
    return f"{tag}{PAYLOAD}"


OUTCOMES = (hostile("O1"), hostile("O2"), FORMULA)
GROUPS = (hostile("G1"), "+SUM(1,2)")


@pytest.fixture
def hostile_world(world_app: Flask) -> dict[str, Any]:
    """A consultation with hostile text everywhere: round 1 closed, round 2 open."""
    with world_app.app_context():
        consultation = make_consultation(
            OUTCOMES, GROUPS, title=hostile("T"), k=1, facilitator_email="inj@example.org"
        )
        consultation.question = hostile("Q")
        consultation.description = f"{PAYLOAD} {JS_URL}"
        consultation.facilitator_note = f"@note {PAYLOAD}"
        for outcome in consultation.outcomes:
            outcome.description = f"{JS_URL} {PAYLOAD}"
        for group in consultation.groups:
            group.description = f"-{PAYLOAD}"
        round_ = consultation.rounds[0]
        values = {
            (OUTCOMES[0], OUTCOMES[1]): 5,
            (OUTCOMES[0], OUTCOMES[2]): 1 / 3,
            (OUTCOMES[1], OUTCOMES[2]): 1 / 7,
        }
        for index, group in enumerate(GROUPS * 2):
            member = make_member(consultation, group=group, name=hostile(f"N{index}"))
            add_judgments(member, round_, values)
            for judgment in member.judgments:
                judgment.reason = [FORMULA, hostile("R"), JS_URL][index % 3]
        invitation, token = create_invitation(
            consultation, Role.STAKEHOLDER, consultation.groups[0], name=hostile("S")
        )
        db.session.flush()
        own = redeem(invitation, hostile("S"))
        db.session.commit()
        add_judgments(own, round_, values)
        for judgment in own.judgments:
            judgment.reason = hostile("Own")
        make_member(consultation, Role.BOARD, name=hostile("B"), email="inj-board@example.org")
        round_.closed_at = utcnow()
        consultation.rounds.append(type(round_)(number=2))
        db.session.commit()
        facilitator = db.session.scalar(db.select(User).filter_by(email="inj@example.org"))
        share = board.create_share_link(round_, facilitator)
        _, secret = create_token(facilitator, hostile("K"), Scope.WRITE)
        return {"id": consultation.id, "link": f"/i/{token}", "share": share, "api": secret}


class Elements(HTMLParser):
    """Every element of a page with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(page: Visited) -> None:
    """No payload of this module does anything in ``page``."""
    where = f"{page.url} ({page.mimetype})"
    assert page.status != 500, where
    raw = page.text
    if page.mimetype in ("text/html", "image/svg+xml"):
        tags = Elements()
        tags.feed(raw)
        assert not [t for t, a in tags.found if t == "script" and "src" not in a], where
        assert not [a for _, a in tags.found if any(n.startswith("on") for n in a)], where
        links = [v for _, a in tags.found for n, v in a.items() if n in ("href", "src", "action")]
        assert not [v for v in links if (v or "").strip().lower().startswith("javascript:")], where
    shown = html.unescape(raw)
    assert shown.count(ATTRIBUTE) == shown.count(ATTRIBUTE + TEMPLATES), (
        f"a template was rendered in {where}"
    )
    if page.mimetype == "image/svg+xml":
        tree = ET.fromstring(raw)  # well-formed: no text broke out of its element
        assert not [e for e in tree.iter() if e.tag.endswith("script")], where
    if page.mimetype == "text/csv":
        for row in csv.reader(io.StringIO(raw)):
            bad = [cell for cell in row if cell.startswith(FORMULA_STARTS)]
            assert not bad, f"{where}: formula cells {bad}"


def shows_payload_as_text(pages: list[Visited]) -> bool:
    """True when some page shows the hostile text, as text (it is there, only inert)."""
    return any(XSS in html.unescape(p.text) and "{{7*7}}" in html.unescape(p.text) for p in pages)


def test_facilitator_pages_charts_and_exports_keep_hostile_text_inert(
    world_app: Flask, hostile_world: dict[str, Any]
) -> None:
    cid = hostile_world["id"]
    client: FormClient = world_app.test_client()  # type: ignore[assignment]
    assert login(client, "inj@example.org", "pw").status_code == 302
    # Invitations and judgments arrive by CSV too.
    people = io.StringIO()
    csv.writer(people).writerows([["name", "email", "group"], [hostile("I"), "i@x.org", GROUPS[0]]])
    invited = client.submit(
        f"/facilitate/{cid}/people/import",
        {"import-file": (io.BytesIO(people.getvalue().encode()), "people.csv")},
        page=f"/facilitate/{cid}/people",
        content_type="multipart/form-data",
    )
    assert invited.status_code == 200, invited.get_data(as_text=True)[:2000]
    links = re.findall(r'name="link" value="([^"]+)"', invited.get_data(as_text=True))
    assert links
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["participant", "group", "outcome_a", "outcome_b", "value", "reason"])
    writer.writerow([FORMULA, GROUPS[1], OUTCOMES[0], OUTCOMES[1], "3", hostile("CSV")])
    writer.writerow([FORMULA, GROUPS[1], OUTCOMES[0], OUTCOMES[2], "1/2", FORMULA])
    imported = client.submit(
        f"/facilitate/{cid}/rounds/2/import",
        {"file": (io.BytesIO(buffer.getvalue().encode()), "judgments.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code in (200, 302), imported.get_data(as_text=True)[:2000]
    with world_app.app_context():
        reasons = set(db.session.scalars(db.select(Judgment.reason)))
        assert hostile("CSV") in reasons, "the judgments CSV was imported"

    pages = crawl(client, [f"/facilitate/{cid}/", f"/board/{cid}/rounds/1"], limit=250)
    pages += crawl(client, [f"/facilitate/{cid}/map?round=1", f"/facilitate/{cid}/map?round=2"])
    token = client.csrf_token(f"/facilitate/{cid}/people")
    csv_links = client.post(
        f"/facilitate/{cid}/people/links.csv", data={"csrf_token": token, "link": links}
    )
    pages.append(Visited("links.csv", 200, "text/csv", {}, csv_links.get_data(as_text=True)))
    svgs = [p for p in pages if p.mimetype == "image/svg+xml"]
    assert len(svgs) >= 3 and len(pages) >= 20
    for page in pages:
        if "/export/judgments.csv" in page.url:
            continue  # see test_judgment_exports_neutralise_formulas
        assert_inert(page)
    assert shows_payload_as_text(pages)


def test_judgment_exports_neutralise_formulas(
    world_app: Flask, hostile_world: dict[str, Any]
) -> None:
    client: FormClient = world_app.test_client()  # type: ignore[assignment]
    assert login(client, "inj@example.org", "pw").status_code == 302
    export = client.get(f"/facilitate/{hostile_world['id']}/export/judgments.csv?round=1")
    assert export.status_code == 200
    assert_inert(Visited("judgments.csv", 200, "text/csv", {}, export.get_data(as_text=True)))


@pytest.mark.parametrize("role", ["board", "stakeholder", "link_holder"])
def test_what_others_see_keeps_hostile_text_inert(
    world_app: Flask, hostile_world: dict[str, Any], role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "deliberate.services.pdf.html_to_pdf", lambda document, **_: document.encode()
    )
    cid = hostile_world["id"]
    client: FormClient = world_app.test_client()  # type: ignore[assignment]
    seeds = {
        "board": ["/board/", f"/board/{cid}/rounds/1"],
        "stakeholder": ["/my", f"/c/{cid}/compare", f"/c/{cid}/summary"],
        "link_holder": [f"/s/{hostile_world['share']}"],
    }[role]
    if role == "board":
        assert login(client, "inj-board@example.org", "pw").status_code == 302
    elif role == "stakeholder":
        assert client.submit(hostile_world["link"]).status_code == 302
    pages = crawl(client, seeds)
    assert len(pages) >= 3
    for page in pages:
        assert_inert(page)
    assert shows_payload_as_text(pages)
    if role == "stakeholder":  # their own reason from round 1, offered again in round 2
        assert any(hostile("Own") in html.unescape(p.text) for p in pages)


def test_the_api_returns_hostile_text_as_json_strings(
    world_app: Flask, hostile_world: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {hostile_world['api']}"}
    client = world_app.test_client()
    base = f"/api/v1/consultations/{hostile_world['id']}"
    for url in (base, f"{base}/outcomes", f"{base}/groups", f"{base}/rounds/1/results"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/json", url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "49{" not in response.get_data(as_text=True)
    document = client.get(base, headers=headers).get_json()
    assert document["title"] == hostile("T")
    assert [o["name"] for o in document["outcomes"]] == list(OUTCOMES)


@pytest.mark.skipif(chromium() is None, reason="PDFs need Chromium")
def test_the_pdf_summary_prints_hostile_text_as_text(
    world_app: Flask, hostile_world: dict[str, Any]
) -> None:
    from pypdf import PdfReader

    response = world_app.test_client().get(f"/s/{hostile_world['share']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", "", text)
    assert "<script>alert(1)</script>" in flat, "the hostile title is printed as text"
    assert "{{7*7}}" in flat


@pytest.mark.parametrize(
    ("mimetype", "body"),
    [
        ("text/html", f"<p>{XSS}</p>"),
        ("text/html", f'<p title="{ATTRIBUTE}">'),
        ("text/html", f'<a href="{JS_URL}">x</a>'),
        ("text/html", f"<p>{ATTRIBUTE}49</p>"),
        ("image/svg+xml", f"<svg><text>{XSS}</text></svg>"),
        ("text/csv", f"name\n{FORMULA}\n"),
    ],
)
def test_the_inertness_check_catches_live_payloads(mimetype: str, body: str) -> None:
    with pytest.raises((AssertionError, ET.ParseError)):
        assert_inert(Visited("page", 200, mimetype, {}, body))


# --------------------------------------------------------------------------- SQL

#: ``text(`` or ``execute(`` given a string built with an f-string, % or .format().
BUILT_SQL = re.compile(
    r"""\b(?:text|execute|exec_driver_sql)\(\s*(?:f["']|["'][^"']*["']\s*(?:%|\.format\())"""
)


#: Statements that cannot take bound parameters: the throwaway test database's name in DDL,
#: generated by the code and quoted by the dialect's identifier preparer.
DDL_ON_OUR_NAMES = {
    ("deliberate/database.py", 'text(f"CREATE DATABASE {quoted}'),
    ("deliberate/database.py", 'text(f"DROP DATABASE IF EXISTS {quoted}'),
}


def test_sql_goes_only_through_the_orm_or_bound_parameters() -> None:
    offenders = []
    for path in sorted((ROOT / "deliberate").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for match in BUILT_SQL.finditer(source):
            line = source.count("\n", 0, match.start()) + 1
            statement = source[match.start() : source.index("\n", match.start())]
            if any(
                str(path.relative_to(ROOT)) == where and statement.startswith(allowed)
                for where, allowed in DDL_ON_OUR_NAMES
            ):
                continue
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
    assert not offenders, "SQL built from strings:\n" + "\n".join(offenders)


def test_the_sql_check_catches_built_sql() -> None:
    assert BUILT_SQL.search('db.session.execute(text(f"SELECT * FROM users WHERE id={x}"))')
    assert BUILT_SQL.search("connection.execute('DELETE FROM t WHERE a=%s' % a)")
    assert BUILT_SQL.search('text("SELECT {}".format(x))')
    assert not BUILT_SQL.search('db.session.execute(text("SELECT 1"))')
