"""Following up a round: who has not finished, reminders, and closing with confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Consultation, Invitation, Role, Round
from deliberate.services.invitations import create_invitation, redeem
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation
from tests.web.test_people import LINK, FakeSMTP

ALL_THREE = {("A", "B"): 3, ("A", "C"): 5, ("B", "C"): 2}
SECRET = "my private reason about B"


@pytest.fixture
def round_under_way(app: Flask, client: FormClient) -> dict[str, Any]:
    """Three who joined (one finished, one part-way, one idle) and two not joined yet."""
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G", "H"))
        round_ = consultation.rounds[0]
        joined = {}
        for name, email in (
            ("Fin", "fin@example.org"),
            ("Part", "part@example.org"),
            ("Idle", None),
        ):
            invitation, token = create_invitation(
                consultation, Role.STAKEHOLDER, consultation.groups[0], name=name, email=email
            )
            db.session.flush()
            joined[name] = (redeem(invitation, name), token, invitation.id)
        db.session.commit()
        add_judgments(joined["Fin"][0], round_, ALL_THREE)
        add_judgments(joined["Part"][0], round_, {("A", "B"): 7})
        judgment = joined["Part"][0].judgments[0]
        judgment.reason = SECRET
        waiting = [
            create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[1], name=n)
            for n in ("Wen", "Xu")
        ]
        db.session.commit()
        data = {
            "id": consultation.id,
            "member_tokens": {name: token for name, (_, token, _) in joined.items()},
            "member_invitations": [iid for _, _, iid in joined.values()],
            "waiting": [invitation.id for invitation, _ in waiting],
        }
    login(client, "fac@example.org", "pw")
    return data


def _hashes(app: Flask, ids: list[int]) -> list[str]:
    with app.app_context():
        return [db.session.get(Invitation, i).token_hash for i in ids]


def test_members_are_listed_with_their_progress_and_never_their_answers(
    client: FormClient, round_under_way: dict[str, Any]
) -> None:
    cid = round_under_way["id"]
    for url in (f"/facilitate/{cid}/people", f"/facilitate/{cid}/participation"):
        page = client.get(url).get_data(as_text=True)
        rows = dict(
            re.findall(
                r'<th scope="row">(\w+)</th><td data-label="Group">G</td>\s*'
                r'<td class="num" data-label="Answered">(\d+ of \d+)</td>',
                page,
            )
        )
        if url.endswith("people"):
            assert rows == {"Fin": "3 of 3", "Part": "1 of 3", "Idle": "0 of 3"}
            assert 'Stakeholders who joined <span class="status">(3)' in page
        else:  # participation lists only who has not finished, least far along first
            assert rows == {"Part": "1 of 3", "Idle": "0 of 3"}
            assert list(rows) == ["Idle", "Part"]
            assert "2 of 3 who joined; 2 invited but not joined" in page
        assert "none yet (joined" in page  # Idle's last answer
        assert re.search(r"Answered\">1 of 3</td>\s*<td[^>]*>\d\d \w{3} \d\d:\d\d UTC", page)
        assert SECRET not in page and "more important than" not in page
        assert "Remind the 2 who have not finished" in page
        assert "New links for the 2 invited who have not joined" in page


def test_without_mail_a_reminder_names_who_to_remind_and_shows_no_member_links(
    app: Flask, client: FormClient, round_under_way: dict[str, Any]
) -> None:
    cid = round_under_way["id"]
    members = round_under_way["member_invitations"]
    before = _hashes(app, members + round_under_way["waiting"])
    response = client.submit(
        f"/facilitate/{cid}/people/remind", page=f"/facilitate/{cid}/participation"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Remind 2 people yourself: Idle, Part." in page
    assert "Fin" not in page.split("Remind 2 people yourself")[1].split("</p>")[0]
    assert LINK.findall(page) == []  # no link of anyone's is shown
    assert _hashes(app, members + round_under_way["waiting"]) == before  # all links still work


def test_new_links_only_for_invitations_nobody_has_used(
    app: Flask, client: FormClient, round_under_way: dict[str, Any]
) -> None:
    cid = round_under_way["id"]
    members = round_under_way["member_invitations"]
    before = _hashes(app, members)
    response = client.submit(
        f"/facilitate/{cid}/people/remind",
        {"new_links": "yes"},
        page=f"/facilitate/{cid}/participation",
    )
    page = response.get_data(as_text=True)
    assert "New links for the 2 people who have not joined yet" in page
    links = LINK.findall(page)
    assert len(links) == 2
    assert _hashes(app, members) == before  # joined members' links untouched, never shown
    for token in round_under_way["member_tokens"].values():
        assert token not in page
    # Each new link opens the join form for a new person, not anyone's answers.
    client.post("/auth/logout")
    for link in links:
        joining = client.get(link.replace("http://127.0.0.1:5000", ""))
        assert joining.status_code == 200 and "Start comparing" in joining.get_data(as_text=True)


def test_with_mail_members_get_a_reminder_without_a_link(
    app: Flask, client: FormClient, round_under_way: dict[str, Any]
) -> None:
    server = FakeSMTP()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(server.port), MAIL_FROM="d@example.org"
    )
    cid = round_under_way["id"]
    page = client.submit(
        f"/facilitate/{cid}/people/remind", page=f"/facilitate/{cid}/participation"
    ).get_data(as_text=True)
    assert "Reminder e-mailed to 1 people who have not finished." in page
    assert "Remind 1 people yourself: Idle." in page  # no address for Idle
    server.thread.join(timeout=5)
    (message,) = server.messages
    assert "To: Part <part@example.org>" in message and "Round 1" in message
    assert "/i/" not in message


def test_reminding_needs_an_open_round(
    app: Flask, client: FormClient, round_under_way: dict[str, Any]
) -> None:
    cid = round_under_way["id"]
    token = client.csrf_token(f"/facilitate/{cid}/people")
    with app.app_context():
        db.session.scalar(db.select(Round).filter_by(consultation_id=cid)).closed_at = db.func.now()
        db.session.commit()
    refused = client.post(f"/facilitate/{cid}/people/remind", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "no open round" in refused.get_data(as_text=True)


def test_closing_a_round_asks_first_and_says_how_many_have_not_finished(
    app: Flask, client: FormClient, round_under_way: dict[str, Any]
) -> None:
    cid = round_under_way["id"]
    asked = client.submit(f"/facilitate/{cid}/rounds/close", page=f"/facilitate/{cid}/rounds")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Close round 1 for good?" in page
    assert "2 of 3 people who joined have not finished round 1." in page
    assert "Yes, close round 1" in page and "Keep it open" in page
    with app.app_context():
        assert db.session.get(Consultation, cid).rounds[0].is_open
    closed = client.submit(
        f"/facilitate/{cid}/rounds/close", {"confirm": "yes"}, page=f"/facilitate/{cid}/rounds"
    )
    assert closed.status_code == 302
    with app.app_context():
        assert not db.session.get(Consultation, cid).rounds[0].is_open
