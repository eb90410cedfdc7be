"""Nobody but the facilitator sees a stakeholder's own judgments, name, or a group smaller than k.

Nor an assessor's name: their appraisal reaches boards only as the panel's.

The demo is crawled as a board member, a read-only link holder, a stakeholder and an
anonymous visitor: every page, chart, PDF source and API document they can reach. Where
each kind of text may appear is decided here, per page:

* stakeholders' and assessors' names: nowhere (a stakeholder sees only their own);
* reasons: only on the board summary, its PDF and its read-only link, where they are
  quoted deliberately, as text without a name or any other answer of the same person;
  never on stakeholder pages, public pages or in the API.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Judgment, Membership, Role, Round, Scope, User, utcnow
from deliberate.services.invitations import create_invitation, redeem
from deliberate.services.tokens import create_token
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member
from tests.security.conftest import Visited, World, api_headers, crawl, visitor

#: Pages where the board summary quotes reasons on purpose.
QUOTING = ("/board/", "/s/")


@pytest.fixture
def secrets_of_the_demo(world_app: Flask, world: World) -> tuple[list[str], list[str]]:
    """The demo stakeholders' and assessors' display names and the reasons given."""
    with world_app.app_context():
        names = db.session.scalars(
            db.select(User.display_name)
            .join(Membership)
            .filter(
                Membership.consultation_id == world.demo_id,
                Membership.role.in_((Role.STAKEHOLDER, Role.ASSESSOR)),
            )
        ).all()
        reasons = db.session.scalars(
            db.select(Judgment.reason).distinct().filter(Judgment.reason != "")
        ).all()
    names = [n for n in names if n != "Invited Stakeholder"]  # the visiting stakeholder
    assert len(names) == 60 + 4 and len(reasons) >= 5  # 60 stakeholders, 4 assessors
    return names, list(reasons)


def api_documents(client: FormClient, headers: dict[str, str]) -> list[Visited]:
    """Every API document a token opens: each consultation, its parts, rounds and results."""
    urls = ["/api/v1/consultations"]
    listing = client.get(urls[0], headers=headers).get_json()
    for consultation in listing["consultations"]:
        base = f"/api/v1/consultations/{consultation['id']}"
        urls += [base, f"{base}/outcomes", f"{base}/groups", f"{base}/rounds"]
        rounds = client.get(f"{base}/rounds", headers=headers).get_json()["rounds"]
        for round_ in rounds:
            number = round_["number"]
            urls += [
                f"{base}/rounds/{number}",
                f"{base}/rounds/{number}/results",
                f"{base}/rounds/{number}/results?exclude_inconsistent=true",
                f"{base}/rounds/{number}/judgments",
                f"{base}/rounds/{number}/judgments?format=csv",
            ]
    return crawl(client, urls, headers)


@pytest.mark.parametrize("role", ["board", "link_holder", "stakeholder", "anonymous"])
def test_no_page_or_document_names_a_stakeholder_or_quotes_them_out_of_place(
    world_app: Flask,
    world: World,
    role: str,
    secrets_of_the_demo: tuple[list[str], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The PDF is the printed summary document: search the document that is printed.
    monkeypatch.setattr(
        "deliberate.services.pdf.html_to_pdf", lambda document, **_: document.encode()
    )
    names, reasons = secrets_of_the_demo
    client = visitor(world_app, world, role)
    seeds = ["/", "/my", "/board/", "/facilitate/", "/settings/tokens", "/api/docs"]
    seeds += [f"/c/{world.demo_id}/summary"]
    if role == "link_holder":
        seeds.append(f"/s/{world.share_token}")
    seeds += [f"/board/{world.demo_id}/", f"/board/{world.demo_id}/rounds/1"]
    seeds += [f"/api/v1/consultations/{world.demo_id}/rounds/1/results"]
    visited = crawl(client, seeds)
    if role in ("board", "stakeholder"):
        visited += api_documents(client, api_headers(world, role))
    reached = [v for v in visited if v.status == 200]
    cid = world.demo_id
    must_reach = {
        "board": {f"/board/{cid}/rounds/1", f"/board/{cid}/rounds/1.pdf"},
        "link_holder": {f"/s/{world.share_token}", f"/s/{world.share_token}.pdf"},
        "stakeholder": {f"/c/{cid}/summary", f"/api/v1/consultations/{cid}/rounds/1/results"},
        "anonymous": {"/", "/api/docs"},
    }[role]
    assert must_reach <= {v.url for v in reached}, [(v.url, v.status) for v in visited]
    leaks = []
    for page in reached:
        text = html.unescape(page.text)  # an escaped apostrophe must not hide a quote
        leaks += [f"{page.url} names {name!r}" for name in names if name in text]
        if role in ("board", "link_holder") and page.url.startswith(QUOTING):
            continue
        leaks += [f"{page.url} quotes {reason!r}" for reason in reasons if reason in text]
    assert not leaks, "\n".join(leaks[:20])
    if role in ("board", "link_holder"):
        summaries = " ".join(html.unescape(v.text) for v in reached if v.url.startswith(QUOTING))
        assert any(r in summaries for r in reasons), "the board summary quotes reasons"


# --------------------------------------------------------------------------- small groups

OUTCOMES = ("Access", "Cost", "Quality")
EVEN = {("Access", "Cost"): 1, ("Access", "Quality"): 1, ("Cost", "Quality"): 1}
#: A consistent stakeholder for whom Quality is nine times Access and Cost: 9/11 = 81.8 %.
QUALITY_FIRST = {("Access", "Cost"): 1, ("Access", "Quality"): 1 / 9, ("Cost", "Quality"): 1 / 9}
SMALL_GROUP_SHARE = ("81.8", "82%", "82 %", "0.818")


@pytest.fixture
def small_group(world_app: Flask) -> dict[str, Any]:
    """A closed round in which a group of two (k = 3) answered unlike everyone else."""
    with world_app.app_context():
        consultation = make_consultation(
            OUTCOMES, ("Residents", "Pharmacists"), title="Small group", k=3,
            facilitator_email="small-fac@example.org",
        )  # fmt: skip
        round_ = consultation.rounds[0]
        for index in range(5):
            add_judgments(make_member(consultation, name=f"Resident {index}"), round_, EVEN)
        for index in range(2):
            member = make_member(consultation, group="Pharmacists", name=f"Pharmacist {index}")
            add_judgments(member, round_, QUALITY_FIRST)
        invitation, token = create_invitation(
            consultation, Role.STAKEHOLDER, consultation.groups[0], name="Watcher"
        )
        db.session.flush()
        watcher = redeem(invitation, "Watcher")
        db.session.commit()
        add_judgments(watcher, round_, EVEN)
        board = make_member(consultation, Role.BOARD, name="Board", email="small-board@example.org")
        round_.closed_at = utcnow()
        db.session.add(Round(consultation=consultation, number=2))
        db.session.commit()
        _, board_token = create_token(board.user, "board", Scope.READ)
        _, watcher_token = create_token(watcher.user, "watcher", Scope.READ)
        return {
            "id": consultation.id,
            "stakeholder_link": f"/i/{token}",
            "tokens": {"board": board_token, "stakeholder": watcher_token},
        }


def test_a_group_smaller_than_k_is_never_shown_apart(
    world_app: Flask, small_group: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "deliberate.services.pdf.html_to_pdf", lambda document, **_: document.encode()
    )
    cid = small_group["id"]
    with world_app.app_context():
        owner = db.session.scalar(db.select(User).filter_by(email="small-fac@example.org"))
        _, secret = create_token(owner, "facilitator", Scope.READ)
    full = (
        world_app.test_client()
        .get(
            f"/api/v1/consultations/{cid}/rounds/1/results",
            headers={"Authorization": f"Bearer {secret}"},
        )
        .get_json()
    )
    # The facilitator sees the pair apart: Quality at 9/11 of their priorities.
    assert full["groups"]["Pharmacists"]["weights"]["Quality"] == pytest.approx(9 / 11, abs=1e-3)

    board: FormClient = world_app.test_client()  # type: ignore[assignment]
    assert login(board, "small-board@example.org", "pw").status_code == 302
    stakeholder = world_app.test_client()
    assert stakeholder.submit(small_group["stakeholder_link"]).status_code == 302

    pages = {
        "board summary": board.get(f"/board/{cid}/rounds/1"),
        "stakeholder comparison with round 1": stakeholder.get(f"/c/{cid}/compare"),
        "stakeholder summary": stakeholder.get(f"/c/{cid}/summary"),
        "printed board summary": board.get(f"/board/{cid}/rounds/1.pdf"),
    }
    for who, client in (("board", board), ("stakeholder", stakeholder)):
        headers = {"Authorization": f"Bearer {small_group['tokens'][who]}"}
        pages[f"API results for the {who}"] = client.get(
            f"/api/v1/consultations/{cid}/rounds/1/results", headers=headers
        )
    for where, response in pages.items():
        assert response.status_code == 200, where
        text = response.get_data(as_text=True)
        assert "Residents" in text, f"{where} shows the groups that are large enough"
        assert not any(share in text for share in SMALL_GROUP_SHARE), (
            f"{where} shows the two pharmacists' priorities"
        )
        assert "Pharmacist 0" not in text and "Pharmacist 1" not in text
    for who in ("board", "stakeholder"):
        report = json.loads(pages[f"API results for the {who}"].get_data(as_text=True))
        assert report["withheld_groups"] == ["Pharmacists"]
        assert set(report["groups"]) == {"Residents"}
        assert "Pharmacists" not in json.dumps(
            {k: v for k, v in report.items() if k != "withheld_groups"}
        )


#: Quality three times Access and Cost: 3/5 = 60 % for this stakeholder alone.
QUALITY_THIRD = {("Access", "Cost"): 1, ("Access", "Quality"): 1 / 3, ("Cost", "Quality"): 1 / 3}
#: Two pharmacists, one answering QUALITY_FIRST and one QUALITY_THIRD: the geometric mean
#: of their judgments puts Quality at sqrt(27) / (sqrt(27) + 2) = 72.2 %.
PAIR_SHARE = ("72.2", "72%", "72 %", "0.722")


def test_a_member_of_a_small_group_does_not_see_the_group_either(world_app: Flask) -> None:
    with world_app.app_context():
        consultation = make_consultation(
            OUTCOMES, ("Residents", "Pharmacists"), title="Two pharmacists", k=3,
            facilitator_email="pair-fac@example.org",
        )  # fmt: skip
        round_ = consultation.rounds[0]
        for index in range(5):
            add_judgments(make_member(consultation, name=f"Resident {index}"), round_, EVEN)
        add_judgments(
            make_member(consultation, group="Pharmacists", name="Pharmacist 0"),
            round_,
            QUALITY_FIRST,
        )
        pharmacists = consultation.groups[1]
        invitation, token = create_invitation(consultation, Role.STAKEHOLDER, pharmacists)
        db.session.flush()
        member = redeem(invitation, "Pharmacist 1")
        db.session.commit()
        add_judgments(member, round_, QUALITY_THIRD)
        round_.closed_at = utcnow()
        db.session.add(Round(consultation=consultation, number=2))
        db.session.commit()
        cid = consultation.id
        owner = db.session.scalar(db.select(User).filter_by(email="pair-fac@example.org"))
        _, secret = create_token(owner, "facilitator", Scope.READ)
    full = (
        world_app.test_client()
        .get(
            f"/api/v1/consultations/{cid}/rounds/1/results",
            headers={"Authorization": f"Bearer {secret}"},
        )
        .get_json()
    )
    quality = full["groups"]["Pharmacists"]["weights"]["Quality"]
    assert quality == pytest.approx(27**0.5 / (27**0.5 + 2), abs=1e-3)

    pharmacist = world_app.test_client()
    assert pharmacist.submit(f"/i/{token}").status_code == 302
    for url in (f"/c/{cid}/compare", f"/c/{cid}/summary"):
        response = pharmacist.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert re.search(r"\b60(\.0)?\s?%", text), f"{url} shows their own priorities"
        assert not any(share in text for share in PAIR_SHARE + SMALL_GROUP_SHARE), (
            f"{url} shows the pharmacists' group, from which the other's answers follow"
        )
