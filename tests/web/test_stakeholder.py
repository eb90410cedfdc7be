"""Stakeholder voting over HTTP: joining, comparing, bad input, feedback, rounds, summary."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from deliberate.cli import cli
from deliberate.extensions import db
from deliberate.models import (
    Consultation,
    Design,
    Invitation,
    Judgment,
    Membership,
    Role,
    Round,
    User,
    hash_token,
    utcnow,
)
from deliberate.services import people
from deliberate.services.invitations import create_invitation, revoke
from deliberate.services.people import PeopleError
from deliberate.stakeholder import voting
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

CONSISTENT = {("A", "B"): 2.0, ("B", "C"): 2.0, ("A", "C"): 4.0}  # weights 4/7, 2/7, 1/7


def _invite(app: Flask, outcomes: tuple[str, ...] = ("A", "B", "C"), **kwargs: Any) -> dict:
    with app.app_context():
        consultation = make_consultation(outcomes=outcomes, groups=("Funders", "Staff"), **kwargs)
        invitation, token = create_invitation(
            consultation, Role.STAKEHOLDER, consultation.groups[0]
        )
        db.session.commit()
        return {"id": consultation.id, "token": token, "invitation": invitation.id}


def _join(client: FormClient, token: str, name: str = "Ada") -> Any:
    return client.submit(f"/i/{token}", {"display_name": name})


def _membership(app: Flask, name: str = "Ada") -> Membership:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(display_name=name))
        return db.session.scalar(db.select(Membership).filter_by(user_id=user.id))


def _pairs(client: FormClient, cid: int, count: int) -> list[tuple[str, str, int]]:
    """(left name, right name, pair number) as each pair page shows them."""
    shown = []
    for number in range(1, count + 1):
        page = client.get(f"/c/{cid}/compare?pair={number}").get_data(as_text=True)
        left, right = re.findall(r'id="(?:left|right)-name"><span[^>]*>[^<]*</span>([^<]+)<', page)
        shown.append((left, right, number))
    return shown


def _answer(
    client: FormClient, cid: int, values: dict[tuple[str, str], float], count: int | None = None
) -> None:
    """Answer the first ``count`` pairs (default: one per entry of ``values``) by ``values``."""
    for left, right, number in _pairs(client, cid, count or len(values)):
        value = values.get((left, right)) or 1 / values[(right, left)]
        key = voting.point_key(value)
        response = client.submit(
            f"/c/{cid}/compare/{number}", {"value": key}, page=f"/c/{cid}/compare?pair={number}"
        )
        assert response.status_code == 303, response.get_data(as_text=True)


def _stored(app: Flask) -> dict[tuple[str, str], tuple[float, str]]:
    with app.app_context():
        return {
            (j.outcome_a.name, j.outcome_b.name): (j.value, j.reason)
            for j in db.session.scalars(db.select(Judgment))
        }


# --------------------------------------------------------------------------- the command line


def test_invite_prints_working_links_one_a_line(app: Flask, runner: Any) -> None:
    with app.app_context():
        cid = make_consultation().id
    result = runner.invoke(cli, ["invite", str(cid), "--group", "Funders", "--count", "3"])
    assert result.exit_code == 0, result.output
    links = result.output.split()
    assert len(links) == 3 and len(set(links)) == 3
    assert all(link.startswith("http://127.0.0.1:5000/i/") for link in links)
    client = app.test_client()
    for link in links:
        page = client.get(link.removeprefix("http://127.0.0.1:5000"))
        assert page.status_code == 200
        assert "What matters most in Test consultation?" in page.get_data(as_text=True)
    with app.app_context():
        invitations = db.session.scalars(db.select(Invitation)).all()
        assert {i.group.name for i in invitations} == {"Funders"}
        assert all(
            timedelta(days=29) < i.expires_at - utcnow() <= timedelta(days=30) for i in invitations
        )
    short = runner.invoke(
        cli, ["invite", str(cid), "--group", "Service users", "--expires-days", "2"]
    )
    with app.app_context():
        invitation = db.session.scalar(
            db.select(Invitation).filter_by(
                token_hash=hash_token(short.output.split("/i/")[1].strip())
            )
        )
        assert invitation.expires_at - utcnow() <= timedelta(days=2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["invite", "999", "--group", "Funders"], "no consultation 999"),
        (
            ["invite", "{cid}", "--group", "Nobody"],
            "no group 'Nobody' (groups: Funders, Service users)",
        ),
        (["invite", "{cid}", "--group", "Funders", "--count", "0"], "Invalid value for '--count'"),
    ],
)
def test_invite_errors_are_clear(
    app: Flask, runner: Any, arguments: list[str], message: str
) -> None:
    with app.app_context():
        cid = make_consultation().id
    result = runner.invoke(cli, [a.format(cid=cid) for a in arguments])
    assert result.exit_code == 2
    assert message in result.output
    with app.app_context():
        assert db.session.scalars(db.select(Invitation)).all() == []


# --------------------------------------------------------------------------- joining


def test_joining_shows_the_question_and_privacy_then_resumes_with_the_same_link(
    app: Flask, client: FormClient
) -> None:
    data = _invite(app, k=4)
    page = client.get(f"/i/{data['token']}").get_data(as_text=True)
    assert "What matters most in Test consultation?" in page
    assert "never shown to other stakeholders" in page
    assert re.search(r"at least\s+4 members", page)
    response = _join(client, data["token"])
    assert response.status_code == 302
    assert response.location.endswith(f"/c/{data['id']}/compare")
    membership = _membership(app)
    assert membership.role is Role.STAKEHOLDER

    client.post("/logout", data={"csrf_token": client.csrf_token("/my")})
    asked = client.get(f"/i/{data['token']}")  # the same link asks, then signs them in
    assert asked.status_code == 200 and "Continue" in asked.get_data(as_text=True)
    again = client.submit(f"/i/{data['token']}")
    assert again.status_code == 302
    assert client.get("/my").get_data(as_text=True).count('<li class="card">') == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 2  # facilitator + Ada


def test_a_join_retried_after_signing_in_takes_the_member_to_their_comparisons(
    app: Flask, client: FormClient
) -> None:
    """A second press of Join arrives with the session the first one started (a new CSRF
    secret) but the form's old token: it must not be refused, nor make a second member."""
    data = _invite(app)
    form = {"csrf_token": client.csrf_token(f"/i/{data['token']}"), "display_name": "Ada"}
    first = client.post(f"/i/{data['token']}", data=form)
    assert first.status_code == 302
    retried = client.post(f"/i/{data['token']}", data=form)
    assert retried.status_code == 302
    assert retried.location.endswith(f"/c/{data['id']}/compare")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Membership.id))) == 2  # + facilitator

    stranger = app.test_client()  # anyone else still needs the form's token to post
    assert stranger.post(f"/i/{data['token']}", data={"display_name": "Eve"}).status_code == 400


def test_bad_links_are_explained_with_their_status(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    assert client.get("/i/not-a-real-token").status_code == 404
    with app.app_context():
        invitation = db.session.get(Invitation, data["invitation"])
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    expired = client.get(f"/i/{data['token']}")
    assert expired.status_code == 410
    assert "has expired" in expired.get_data(as_text=True)
    with app.app_context():
        consultation = db.session.get(Consultation, data["id"])
        _, board_token = create_invitation(consultation, Role.BOARD)
        db.session.commit()
    board = client.get(f"/i/{board_token}")
    assert board.status_code == 404 and "not a stakeholder" in board.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Membership.id))) == 1  # facilitator


def test_self_registration_by_code_puts_people_in_the_group_they_choose(
    app: Flask, client: FormClient
) -> None:
    with app.app_context():
        consultation = make_consultation()
        consultation.registration_code = "CLINIC-27"
        db.session.commit()
        cid = consultation.id
        staff = next(g.id for g in consultation.groups if g.name == "Service users")
    response = client.submit("/join", {"code": "CLINIC-27"})
    assert response.location.endswith("/join/CLINIC-27")
    page = client.get("/join/CLINIC-27").get_data(as_text=True)
    assert "Service users" in page and "never shown to other stakeholders" in page
    joined = client.submit("/join/CLINIC-27", {"display_name": "Bo", "group": staff})
    assert joined.location.endswith(f"/c/{cid}/compare")
    membership = _membership(app, "Bo")
    assert membership.group_id == staff and membership.consultation_id == cid
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    link = re.search(r"http://127\.0\.0\.1:5000/i/[\w-]+", summary)
    assert link, "a registered stakeholder is given a link of their own to come back with"
    assert client.get("/join/WRONG").status_code == 404
    bad_group = client.submit("/join/CLINIC-27", {"display_name": "Cy", "group": 99999})
    assert bad_group.status_code == 400 and "Not a valid choice" in bad_group.get_data(as_text=True)


def test_registration_is_off_without_a_code(app: Flask, client: FormClient) -> None:
    with app.app_context():
        make_consultation()
    assert client.get("/join/None").status_code == 404


# --------------------------------------------------------------------------- comparing


def test_the_comparison_page_is_a_labelled_form_with_seventeen_points(
    app: Flask, client: FormClient
) -> None:
    data = _invite(app, outcomes=("Cost", "Care", "Access", "Safety", "Speed"))
    _join(client, data["token"])
    page = client.get(f"/c/{data['id']}/compare").get_data(as_text=True)
    assert "Pair 1 of 10" in page
    assert "<fieldset" in page and "<legend>Which matters more" in page
    radios = re.findall(r'<input type="radio" name="value" id="(point-\d+)" value="([^"]+)"', page)
    assert [key for _, key in radios] == [
        *map(str, range(9, 1, -1)),
        "1",
        *(f"1/{i}" for i in range(2, 10)),
    ]
    for point_id, _ in radios:
        assert f'<label for="{point_id}">' in page
    for word in ("extreme", "very strong to extreme", "strong", "moderate", "equal to moderate"):
        assert f'<span class="word">{word}</span>' in page
    assert 'Equal<span class="visually-hidden"> importance</span>' in page
    assert "I can't say" in page and "Why?" in page


def test_answers_are_saved_canonically_and_twice_is_once(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    left, right, _ = _pairs(client, cid, 1)[0]
    response = client.submit(f"/c/{cid}/compare/1", {"value": "5", "reason": "  cheaper  "})
    assert response.status_code == 303 and response.location.endswith("pair=2")
    again = client.submit(f"/c/{cid}/compare/1", {"value": "5", "reason": "cheaper"})
    assert again.status_code == 303
    stored = _stored(app)
    assert len(stored) == 1
    (a, b), (value, reason) = next(iter(stored.items()))
    assert reason == "cheaper"
    # "left is strongly (5) more important than right", whichever way round it is stored
    assert value == pytest.approx(5.0 if (a, b) == (left, right) else 1 / 5)
    page = client.get(f"/c/{cid}/compare?pair=1").get_data(as_text=True)
    assert re.search(r'value="5" checked', page)


def test_skip_on_an_answered_pair_asks_first_and_says_what_it_removed(
    app: Flask, client: FormClient
) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    left, right, _ = _pairs(client, cid, 2)[1]
    client.submit(f"/c/{cid}/compare/2", {"value": "1/3"}, page=f"/c/{cid}/compare?pair=2")
    assert len(_stored(app)) == 1
    asked = client.submit(
        f"/c/{cid}/compare/2", {"action": "skip"}, page=f"/c/{cid}/compare?pair=2"
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "You have already answered this pair" in page
    assert f"{right} is more important than {left}: moderate (3)" in page
    assert "Yes, remove my answer" in page and "No, keep it" in page
    assert len(_stored(app)) == 1  # nothing removed without saying yes
    as_json = client.submit(
        f"/c/{cid}/compare/2",
        {"action": "skip"},
        page=f"/c/{cid}/compare?pair=2",
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 409 and len(_stored(app)) == 1
    skip = client.submit(
        f"/c/{cid}/compare/2",
        {"action": "skip", "confirm": "yes"},
        page=f"/c/{cid}/compare?pair=2",
    )
    assert skip.location.endswith("pair=3")
    assert _stored(app) == {}
    told = client.get(skip.location).get_data(as_text=True)
    assert f"Removed your answer to {left} or {right}" in told
    assert "you can answer it again" in told
    # "I can't say" on an unanswered pair just moves on, and "Back" goes back.
    unanswered = client.submit(
        f"/c/{cid}/compare/3", {"action": "skip"}, page=f"/c/{cid}/compare?pair=3"
    )
    assert unanswered.status_code == 303 and unanswered.location.endswith("summary")
    back = client.submit(f"/c/{cid}/compare/2", {"action": "back"}, page=f"/c/{cid}/compare?pair=2")
    assert back.location.endswith("pair=1") and _stored(app) == {}


def _answered_in_a_cycle(app: Flask, client: FormClient) -> int:
    """Join a three-outcome consultation and answer A > B > C > A; return its id."""
    data = _invite(app)
    _join(client, data["token"])
    _answer(client, data["id"], {("A", "B"): 3.0, ("B", "C"): 3.0, ("C", "A"): 3.0})
    return data["id"]


def test_after_the_round_closes_finishing_is_refused_and_nothing_is_offered(
    app: Flask, client: FormClient
) -> None:
    cid = _answered_in_a_cycle(app, client)
    page = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Revisit this pair" in page and f"/c/{cid}/finish" in page
    token = client.csrf_token(f"/c/{cid}/summary")
    with app.app_context():
        db.session.get(Consultation, cid).rounds[0].closed_at = utcnow()
        db.session.commit()
    refused = client.post(f"/c/{cid}/finish", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Voting is closed" in refused.get_data(as_text=True)
    assert _membership(app).finished_at is None
    closed = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Revisit this pair" not in closed and f"/c/{cid}/finish" not in closed
    assert "Some answers contradict each other" in closed  # still said, not offered


@pytest.mark.parametrize(
    ("form", "status", "text"),
    [
        ({"value": "12"}, 400, "outside Saaty"),
        ({"value": "7.5"}, 400, "not one of the scale"),
        ({"value": "lots"}, 400, "not a point on the scale"),
        ({}, 400, "Choose a point on the scale"),
        ({"value": "3", "reason": "x" * 2001}, 400, "at most 2000"),
        ({"value": "3", "left": "999998", "right": "999999"}, 404, "not part of this consultation"),
    ],
)
def test_bad_answers_are_refused_and_nothing_changes(
    app: Flask, client: FormClient, form: dict[str, str], status: int, text: str
) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    client.submit(f"/c/{cid}/compare/1", {"value": "2", "reason": "kept"})
    before = _stored(app)
    response = client.submit(f"/c/{cid}/compare/1", form, page=f"/c/{cid}/compare?pair=1")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert _stored(app) == before


def test_unknown_pairs_closed_rounds_and_forged_memberships(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    client.submit(f"/c/{cid}/compare/1", {"value": "2"})
    before = _stored(app)
    assert (
        client.submit(f"/c/{cid}/compare/4", {"value": "3"}, page=f"/c/{cid}/compare").status_code
        == 404
    )
    assert client.get(f"/c/{cid}/compare?pair=4").status_code == 404
    with app.app_context():
        other = make_member(db.session.get(Consultation, cid), name="Other").id
    forged = client.submit(
        f"/c/{cid}/compare/1", {"value": "9", "membership_id": str(other)}, page=f"/c/{cid}/compare"
    )
    assert forged.status_code == 403
    assert "belongs to another participant" in forged.get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(Consultation, cid).rounds[0]
        token = client.csrf_token(f"/c/{cid}/compare?pair=1")
        round_.closed_at = utcnow()
        db.session.commit()
    closed = client.post(f"/c/{cid}/compare/1", data={"csrf_token": token, "value": "9"})
    assert closed.status_code == 409
    json_closed = client.post(
        f"/c/{cid}/compare/1",
        data={"csrf_token": token, "value": "9"},
        headers={"Accept": "application/json"},
    )
    assert json_closed.status_code == 409 and "closed" in json_closed.get_json()["error"]
    assert _stored(app) == before


def test_other_consultations_are_out_of_reach(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    _join(client, data["token"])
    with app.app_context():
        elsewhere = make_consultation(title="Elsewhere", facilitator_email=None).id
    assert client.get(f"/c/{elsewhere}/compare").status_code == 403
    assert client.get(f"/c/{elsewhere}/summary").status_code == 403
    assert client.get("/c/999999/compare").status_code == 404


def test_reasons_are_stored_as_text_and_shown_escaped(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    client.submit(f"/c/{cid}/compare/1", {"value": "3", "reason": "<script>alert(1)</script>"})
    assert next(iter(_stored(app).values()))[1] == "<script>alert(1)</script>"
    page = client.get(f"/c/{cid}/compare?pair=1").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_the_json_answer_of_the_autosave(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    token = client.csrf_token(f"/c/{cid}/compare")
    response = client.post(
        f"/c/{cid}/compare/1",
        data={"csrf_token": token, "value": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.get_json() == {"saved": True, "answered": 1, "total": 3}
    bad = client.post(
        f"/c/{cid}/compare/1",
        data={"csrf_token": token, "value": "10"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "outside" in bad.get_json()["error"]


# --------------------------------------------------------------------------- feedback


def test_consistent_answers_show_priorities_in_words(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    _answer(client, cid, CONSISTENT)
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Your answers hang together well" in summary
    # an exactly consistent matrix: weights 4/7, 2/7, 1/7
    assert "A 57.1%; B 28.6%; C 14.3%" in summary


def test_two_of_three_pairs_cannot_be_checked_for_consistency(
    app: Flask, client: FormClient
) -> None:
    # any two of three pairs link the outcomes without a cycle: nothing to contradict
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    _answer(client, cid, CONSISTENT, count=2)
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Not enough of your answers overlap yet" in summary
    assert "hang together well" not in summary and "contradict" not in summary


def test_an_inconsistency_is_pointed_out_with_a_fitting_value(
    app: Flask, client: FormClient
) -> None:
    cid = _answered_in_a_cycle(app, client)
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Some answers contradict each other" in summary
    said = re.search(r"you said <q>([^<]+)</q>", summary).group(1)
    fits = re.search(r"suggest <q>([^<]+)</q>", summary).group(1)
    # the cycle's answers are all "moderate (3)"; the rest would put the pair the other way
    assert said.endswith("moderate (3)") and said != fits
    number = int(re.search(r"compare\?pair=(\d+)\">Revisit this pair", summary).group(1))
    revisit = client.get(f"/c/{cid}/compare?pair={number}").get_data(as_text=True)
    names = re.findall(r'id="(?:left|right)-name"><span[^>]*>[^<]*</span>([^<]+)<', revisit)
    assert set(names) <= set(said.replace(" is more important than ", ",").split(":")[0].split(","))
    # The point that would fit is marked, in words, on the revisit page.
    marked = re.search(
        r'point-suggested">\s*<input type="radio" name="value" id="point-\d+" value="([^"]+)"'
        r'[^>]*data-words="([^"]+)"',
        revisit,
    )
    assert marked and marked.group(2) == fits
    assert "fits your other answers" in revisit
    assert len(_stored(app)) == 3  # nothing was changed for them


# --------------------------------------------------------------------------- rounds and summary


def _two_rounds(app: Flask, k: int = 2) -> dict[str, Any]:
    """Round 1 answered by two Funders and one Staff member, whose priorities are opposite."""
    data = _invite(app, k=k)
    with app.app_context():
        consultation = db.session.get(Consultation, data["id"])
        first = consultation.rounds[0]
        for name in ("Priya Other", "Pat Other"):
            add_judgments(make_member(consultation, name=name), first, CONSISTENT)
        staff = make_member(consultation, group="Staff", name="Sol Staffmember")
        add_judgments(staff, first, {("A", "B"): 1 / 2, ("B", "C"): 1 / 2, ("A", "C"): 1 / 4})
        data["first"] = first.id
    return data


def test_a_returning_stakeholder_starts_from_their_previous_answers(
    app: Flask, client: FormClient
) -> None:
    data = _two_rounds(app)
    cid = data["id"]
    _join(client, data["token"])
    _answer(client, cid, {("A", "B"): 3.0, ("B", "C"): 1.0, ("A", "C"): 3.0})
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        consultation.rounds[0].closed_at = utcnow()
        db.session.add(Round(consultation=consultation, number=2))
        db.session.commit()
    page = client.get(f"/c/{cid}/compare?pair=1").get_data(as_text=True)
    assert "starts from your answer in round 1" in page
    assert re.search(r'value="[^"]+" checked', page)  # pre-filled, but …
    assert "where round 1 landed" in page and "Start from my previous answers" in page
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Where round 1 landed" in summary and "You (round 1)" in summary
    ada = _membership(app).id
    with app.app_context():
        first, second = (r.id for r in db.session.get(Consultation, cid).rounds)

    def answers(round_id: int) -> list[Judgment]:
        with app.app_context():
            return db.session.scalars(
                db.select(Judgment).filter_by(round_id=round_id, membership_id=ada)
            ).all()

    assert answers(second) == []  # … not saved to round 2 until confirmed
    client.submit(f"/c/{cid}/copy-previous", {}, page=f"/c/{cid}/compare")
    copied, earlier = answers(second), answers(first)
    assert len(copied) == 3
    assert sorted((j.outcome_a_id, j.outcome_b_id, j.value) for j in copied) == sorted(
        (j.outcome_a_id, j.outcome_b_id, j.value) for j in earlier
    )


def test_after_the_round_closes_the_summary_compares_with_group_and_everyone(
    app: Flask, client: FormClient
) -> None:
    data = _two_rounds(app, k=3)
    cid = data["id"]
    _join(client, data["token"])
    _answer(client, cid, CONSISTENT)
    open_summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "When round 1 closes" in open_summary
    with app.app_context():
        db.session.get(Round, data["first"]).closed_at = utcnow()
        db.session.commit()
    page = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "How your priorities compare" in page
    rows = re.findall(
        r'<tr><th scope="row">(\w)</th><td class="num">([^<]+)</td>\s*<td class="num">(.*?)</td>'
        r'<td class="num">([^<]+)</td>',
        page,
    )
    by_outcome = {name: (own, group, overall) for name, own, group, overall in rows}
    # Three Funders all answered 4/7, 2/7, 1/7: the group is exactly that. Staff (one
    # member, below k = 3) is left out of every figure, everyone's aggregate included.
    assert by_outcome["A"][:2] == ("57.1%", "57.1%")
    assert by_outcome["C"][:2] == ("14.3%", "14.3%")
    assert by_outcome["A"][2] == "57.1%"
    assert "Priya Other" not in page and "Sol Staffmember" not in page
    assert client.get(f"/c/{cid}/compare").status_code == 302  # voting is over


def test_small_groups_are_withheld_from_the_summary(app: Flask, client: FormClient) -> None:
    data = _two_rounds(app, k=5)
    cid = data["id"]
    _join(client, data["token"])
    _answer(client, cid, CONSISTENT)
    with app.app_context():
        db.session.get(Round, data["first"]).closed_at = utcnow()
        db.session.commit()
    page = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "too few people answered" in page
    assert "57.1%" in page  # their own priorities, and nothing of anyone else's


def test_my_consultations_lists_progress_and_a_way_back(app: Flask, client: FormClient) -> None:
    data = _invite(app)
    cid = data["id"]
    _join(client, data["token"])
    client.submit(f"/c/{cid}/compare/1", {"value": "2"}, page=f"/c/{cid}/compare?pair=1")
    page = client.get("/my").get_data(as_text=True)
    assert "1 of 3 pairs answered" in page
    assert f'href="/c/{cid}/compare"' in page and "Continue" in page
    client.submit(f"/c/{cid}/finish", {}, page=f"/c/{cid}/summary")
    assert _membership(app).finished_at is not None


def test_reduced_design_asks_fewer_connected_pairs(app: Flask, client: FormClient) -> None:
    names = tuple(f"Outcome {i}" for i in range(9))
    data = _invite(app, outcomes=names)
    with app.app_context():
        consultation = db.session.get(Consultation, data["id"])
        consultation.design = Design.REDUCED
        db.session.commit()
    _join(client, data["token"])
    cid = data["id"]
    assert "Pair 1 of 14" in client.get(f"/c/{cid}/compare").get_data(as_text=True)
    assert client.get(f"/c/{cid}/compare?pair=15").status_code == 404
    # Consistent answers on the 14 pairs recover the priorities exactly: 8:4:4:2:2:2:1:1:1.
    weights = dict(zip(names, (8, 4, 4, 2, 2, 2, 1, 1, 1), strict=True))
    everything = {(a, b): weights[a] / weights[b] for a in names for b in names if a != b}
    _answer(client, cid, everything, count=14)
    assert len(_stored(app)) == 14
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Your answers hang together well" in summary
    assert "Outcome 0 32.0%; Outcome 1 16.0%; Outcome 2 16.0%; Outcome 3 8.0%" in summary


def test_trying_codes_one_after_another_is_slowed_down(app: Flask, client: FormClient) -> None:
    statuses = [client.get(f"/join/guess-{i}").status_code for i in range(61)]
    assert statuses[:60] == [404] * 60
    assert statuses[60] == 429


def test_before_voting_opens_the_pages_say_so(app: Flask, client: FormClient) -> None:
    data = _invite(app, open_round=False)
    cid = data["id"]
    joined = _join(client, data["token"])
    page = client.get(joined.location, follow_redirects=True)
    assert page.status_code == 200
    assert "Voting is not open just now" in page.get_data(as_text=True)
    assert "Voting is not open just now." in client.get("/my").get_data(as_text=True)
    refused = client.submit(f"/c/{cid}/compare/1", {"value": "3"}, page=f"/c/{cid}/summary")
    assert refused.status_code == 409 and _stored(app) == {}


def test_a_joined_link_is_not_reissued_and_resumes_the_same_membership(
    app: Flask, client: FormClient
) -> None:
    data = _invite(app)
    _join(client, data["token"])
    first = _membership(app).id
    with app.app_context():
        facilitator = db.session.scalar(db.select(User).filter_by(email="fac@example.org"))
        invitation = db.session.get(Invitation, data["invitation"])
        with pytest.raises(PeopleError) as refused:
            people.reissue(invitation.consultation, facilitator, invitation)
        assert refused.value.status == 409
    fresh: FormClient = app.test_client()  # type: ignore[assignment]
    resumed = fresh.submit(f"/i/{data['token']}")
    assert resumed.status_code == 302 and resumed.location.endswith(f"/c/{data['id']}/compare")
    assert "Pair 1 of 3" in fresh.get(resumed.location).get_data(as_text=True)
    with app.app_context():
        stakeholders = db.session.scalars(db.select(Membership).filter_by(role=Role.STAKEHOLDER))
        assert [m.id for m in stakeholders] == [first]
        revoke(db.session.get(Invitation, data["invitation"]))
        db.session.commit()
    assert app.test_client().get(f"/i/{data['token']}").status_code == 404


def test_in_round_two_the_most_contested_pairs_ask_for_a_reason(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, "facilitator@example.org", "demo")
    page = client.get(f"/facilitate/{demo}/map?round=1").get_data(as_text=True)
    listed = page[page.index('<ol class="pair-list"') :]
    ranked = re.findall(r">([^<>]+) vs ([^<>]+)</a>", listed)
    top = {frozenset(pair) for pair in ranked[: voting.CONTESTED_PAIRS]}
    assert len(ranked) == 21 and len(top) == 3
    client.post("/auth/logout", data={"csrf_token": client.csrf_token(f"/facilitate/{demo}/")})
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        _, token = create_invitation(consultation, Role.STAKEHOLDER, consultation.groups[0])
        db.session.commit()
    page = _join(client, token, "Newcomer").get_data(as_text=True)
    asked = set()
    for left, right, number in _pairs(client, demo, 21):
        page = client.get(f"/c/{demo}/compare?pair={number}").get_data(as_text=True)
        if "This pair divided people most in round 1" in page:
            asked.add(frozenset((left, right)))
        assert "You did not take part in round 1" in page
        assert "You (round 1)" not in page
    assert asked == top


def test_the_facilitator_can_show_round_one_only_after_a_persons_own_answers(
    app: Flask, client: FormClient
) -> None:
    data = _two_rounds(app)
    cid = data["id"]
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        consultation.rounds[0].closed_at = utcnow()
        db.session.add(Round(consultation=consultation, number=2))
        db.session.commit()
        settings = {
            "title": consultation.title,
            "question": consultation.question,
            "description": "",
            "weighting": consultation.weighting.value,
            "anonymity_k": str(consultation.anonymity_k),
            "consistency_threshold": "",
            "design": "all",
        }
    staff = FormClient(app, app.response_class)
    login(staff, "fac@example.org", "pw")
    setup = staff.get(f"/facilitate/{cid}/setup").get_data(as_text=True)
    assert re.search(r'<input[^>]* checked [^>]*value="before"', setup)  # Delphi by default
    saved = staff.submit(f"/facilitate/{cid}/setup", {**settings, "previous_results": "after"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Consultation, cid).previous_results.value == "after"

    _join(client, data["token"])
    page = client.get(f"/c/{cid}/compare?pair=1").get_data(as_text=True)
    assert "Priorities in round 1" not in page
    assert "once you have answered every pair of this round" in page
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Where round 1 landed" not in summary
    assert "Answer every pair of round 2 to see where round 1 landed" in summary
    _answer(client, cid, {("A", "B"): 3.0, ("B", "C"): 1.0, ("A", "C"): 3.0})
    summary = client.get(f"/c/{cid}/summary").get_data(as_text=True)
    assert "Where round 1 landed" in summary and "Priorities in round 1" in summary
    page = client.get(f"/c/{cid}/compare?pair=1").get_data(as_text=True)
    assert "Priorities in round 1" in page


def test_a_contradiction_is_pointed_out_next_to_the_form_right_after_the_save(
    app: Flask, client: FormClient
) -> None:
    data = _invite(app, outcomes=("A", "B", "C", "D"))
    cid = data["id"]
    _join(client, data["token"])
    weights = {"A": 8.0, "B": 4.0, "C": 2.0, "D": 1.0}
    pairs = _pairs(client, cid, 6)
    told_at = None
    for left, right, number in pairs[:5]:
        value = weights[left] / weights[right]
        if {left, right} == {"A", "D"}:
            value = 1 / value  # the contrary answer: D over A
        response = client.submit(
            f"/c/{cid}/compare/{number}",
            {"value": voting.point_key(value)},
            page=f"/c/{cid}/compare?pair={number}",
        )
        page = client.get(response.location).get_data(as_text=True)
        if "Some of your answers now contradict each other" in page:
            told_at = told_at or number
            start = page.index('id="comparison"')
            end = page.index("</form>", start)
            assert start < page.index('id="after-save-check"') < end  # with the form
            assert "You said <q>" in page
    assert told_at is not None
    again = client.get(f"/c/{cid}/compare?pair=6").get_data(as_text=True)
    assert "Some of your answers now contradict each other" not in again  # only after a save


def test_no_pair_asks_for_a_reason_when_the_last_round_withholds_every_aggregate(
    app: Flask, demo: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, demo)
        first = consultation.rounds[0]
        assert len(voting.contested_pairs(first)) == voting.CONTESTED_PAIRS
        consultation.anonymity_k = 1000  # more than any group: the public view shows nothing
        db.session.commit()
        assert voting.contested_pairs(first) == set()
