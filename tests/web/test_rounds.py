"""Opening, closing and starting rounds; the participation page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import AuditEvent, Consultation, Design, Membership, Role, Status, utcnow
from deliberate.services import rounds
from deliberate.services.invitations import create_invitation
from deliberate.services.judgments import JudgmentRejected, record_judgment
from tests.conftest import FormClient, login
from tests.factories import add_judgments, make_consultation, make_member

ALL_THREE = {("A", "B"): 3, ("A", "C"): 5, ("B", "C"): 2}


@pytest.fixture
def cid(app: Flask, client: FormClient) -> int:
    with app.app_context():
        consultation = make_consultation(
            outcomes=("A", "B", "C"), groups=("G", "H"), status=Status.DRAFT, open_round=False
        )
        consultation_id = consultation.id
    login(client, "fac@example.org", "pw")
    return consultation_id


def act(client: FormClient, cid: int, action: str) -> object:
    """Press a round button (confirming a close)."""
    confirm = {"confirm": "yes"} if action == "close" else {}
    return client.submit(
        f"/facilitate/{cid}/rounds/{action}", confirm, page=f"/facilitate/{cid}/rounds"
    )


def state(app: Flask, cid: int) -> tuple[Status, list[tuple[int, bool]]]:
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        return consultation.status, [(r.number, r.is_open) for r in consultation.rounds]


def test_open_close_and_start_a_new_round(app: Flask, client: FormClient, cid: int) -> None:
    assert "Open round 1" in client.get(f"/facilitate/{cid}/rounds").get_data(as_text=True)
    assert act(client, cid, "open").status_code == 302
    assert state(app, cid) == (Status.OPEN, [(1, True)])
    assert act(client, cid, "close").status_code == 302
    assert state(app, cid) == (Status.CLOSED, [(1, False)])
    assert act(client, cid, "new").status_code == 302
    assert state(app, cid) == (Status.OPEN, [(1, False), (2, True)])
    page = client.get(f"/facilitate/{cid}/rounds").get_data(as_text=True)
    assert "Close round 2" in page
    with app.app_context():
        logged = db.session.scalars(
            db.select(AuditEvent.detail).filter_by(consultation_id=cid).order_by(AuditEvent.id)
        ).all()
    assert logged == ["round 1", "round 1", "round 2"]


def test_steps_out_of_order_are_refused_with_409(app: Flask, client: FormClient, cid: int) -> None:
    for action in ("close", "new"):
        response = act(client, cid, action)
        assert response.status_code == 409
    act(client, cid, "open")
    again = act(client, cid, "open")
    assert again.status_code == 409
    assert "already been opened" in again.get_data(as_text=True)
    early = act(client, cid, "new")
    assert early.status_code == 409
    assert "still open: close it first" in early.get_data(as_text=True)
    assert state(app, cid) == (Status.OPEN, [(1, True)])


def test_a_round_needs_two_outcomes_and_a_group(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("Only",), open_round=False)
        one = consultation.id
    login(client, "fac@example.org", "pw")
    response = act(client, one, "open")
    assert response.status_code == 400
    assert "at least two outcomes" in response.get_data(as_text=True)
    assert state(app, one)[1] == []


def test_an_unknown_round_action_is_a_404(client: FormClient, cid: int) -> None:
    assert act(client, cid, "reopen").status_code == 404


def test_a_closed_round_is_frozen(app: Flask, client: FormClient, cid: int) -> None:
    act(client, cid, "open")
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        member = make_member(consultation, group="G")
        a, b = (o.id for o in consultation.outcomes[:2])
        record_judgment(member, consultation.rounds[0], a, b, 3.0)
    act(client, cid, "close")
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        member = db.session.scalar(db.select(Membership).filter_by(role=Role.STAKEHOLDER))
        with pytest.raises(JudgmentRejected) as refused:
            record_judgment(member, consultation.rounds[0], a, b, 5.0)
        assert refused.value.status == 409


def test_a_new_round_asks_everyone_to_finish_again(
    app: Flask, client: FormClient, cid: int
) -> None:
    act(client, cid, "open")
    with app.app_context():
        member = make_member(db.session.get(Consultation, cid), group="G")
        member.finished_at = utcnow()
        db.session.commit()
        member_id = member.id
    act(client, cid, "close")
    act(client, cid, "new")
    with app.app_context():
        assert db.session.get(Membership, member_id).finished_at is None


# --------------------------------------------------------------------------- participation


def test_participation_counts_per_group(app: Flask, client: FormClient) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G", "H"))
        cid = consultation.id
        g, h = consultation.groups
        round_ = consultation.rounds[0]
        opened = round_.opened_at
        for group in (g, g, g, h):
            create_invitation(consultation, Role.STAKEHOLDER, group)
        revoked, _ = create_invitation(consultation, Role.STAKEHOLDER, h)
        revoked.revoked_at = utcnow()
        db.session.commit()
        complete = make_member(consultation, group="G", name="Complete")
        add_judgments(complete, round_, ALL_THREE)
        # inconsistent: A > B, B > C, yet C > A
        circular = make_member(consultation, group="G", name="Circular")
        add_judgments(circular, round_, {("A", "B"): 5, ("B", "C"): 5, ("C", "A"): 5})
        partial = make_member(consultation, group="H", name="Partial")
        add_judgments(partial, round_, {("A", "B"): 2})
        said_done = make_member(consultation, group="H", name="Said done")
        make_member(consultation, group="H", name="Idle")
        # a path A–B–C connects the outcomes, but no cycle can show a contradiction
        path = make_member(consultation, group="H", name="Path")
        add_judgments(path, round_, {("A", "B"): 2, ("B", "C"): 1})
        complete.joined_at = opened - timedelta(
            days=1
        )  # joined before the round: timed from opening
        circular.joined_at = opened + timedelta(hours=1)
        said_done.joined_at = opened + timedelta(hours=2)
        said_done.finished_at = opened + timedelta(hours=5)
        for judgment in complete.judgments:
            judgment.updated_at = opened + timedelta(hours=2)  # 2 h after opening
        for judgment in circular.judgments:
            judgment.updated_at = opened + timedelta(hours=6)  # 5 h after joining
        db.session.commit()  # said_done: 3 h after joining
        result = rounds.participation(db.session.get(Consultation, cid))
    by_group = {g.name: g for g in result.groups}
    assert (by_group["G"].invited, by_group["G"].joined, by_group["G"].started) == (3, 2, 2)
    assert (by_group["H"].invited, by_group["H"].joined, by_group["H"].started) == (1, 4, 2)
    assert (by_group["G"].finished, by_group["H"].finished) == (2, 1)
    assert (result.total.invited, result.total.joined, result.total.finished) == (4, 6, 3)
    counted = [(g.consistent, g.inconsistent, g.unassessed) for g in (by_group["G"], by_group["H"])]
    assert counted == [(1, 1, 0), (0, 0, 1)]
    assert result.median_time == timedelta(hours=3)
    assert result.cr_threshold == pytest.approx(0.05)  # Saaty's default for three outcomes
    assert sum(count for _, count in result.cr_bands) == by_group["G"].analysed
    assert result.cr_bands[-1][1] == 1  # the circular one is far above the threshold

    login(client, "fac@example.org", "pw")
    page = client.get(f"/facilitate/{cid}/participation").get_data(as_text=True)
    rows = re.findall(r'<th scope="row">(\w+)</th>\s*((?:<td class="num">\d+</td>\s*)+)</tr>', page)
    assert [r[0] for r in rows] == ["G", "H", "G", "H"]  # people, then consistency
    assert re.findall(r"\d+", rows[0][1]) == ["3", "2", "2", "2"]
    assert re.findall(r"\d+", rows[3][1]) == ["1", "0", "0", "1"]
    assert "Too few answers to tell" in page
    assert "Median time to finish" in page


def test_participation_with_a_reduced_design_counts_each_persons_pairs(app: Flask) -> None:
    outcomes = tuple(f"O{i}" for i in range(9))
    with app.app_context():
        consultation = make_consultation(outcomes=outcomes, groups=("G",))
        consultation.design = Design.REDUCED
        db.session.commit()
        member = make_member(consultation)
        asked = rounds.pairs_asked(consultation, member)
        assert 8 <= asked < 36
        from deliberate.services.design import pair_sequence

        ids = {o.id: o.name for o in consultation.outcomes}
        sequence = pair_sequence(consultation, member.id)
        add_judgments(member, consultation.rounds[0], {(ids[a], ids[b]): 2 for a, b in sequence})
        assert rounds.participation(consultation).total.finished == 1


def test_finishing_an_earlier_round_does_not_count_in_this_one(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B", "C"), groups=("G",))
        member = make_member(consultation)
        member.finished_at = consultation.rounds[0].opened_at - timedelta(days=2)
        db.session.commit()
        result = rounds.participation(consultation)
    assert (result.total.joined, result.total.finished, result.median_time) == (1, 0, None)


def test_participation_before_any_round(client: FormClient, cid: int) -> None:
    page = client.get(f"/facilitate/{cid}/participation").get_data(as_text=True)
    assert "No round has been opened yet" in page


def test_participation_on_the_demo(client: FormClient, demo: int) -> None:
    login(client, "facilitator@example.org", "demo")
    response = client.get(f"/facilitate/{demo}/participation")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for group in ("Funders", "Service users", "Staff"):
        assert f'<th scope="row">{group}</th>' in body
    assert "Distribution of CR" in body


def test_rounds_page_links_to_import_and_board_summary(
    app: Flask, client: FormClient, demo: int
) -> None:
    login(client, "facilitator@example.org", "demo")
    page = client.get(f"/facilitate/{demo}/rounds").get_data(as_text=True)
    assert f"/facilitate/{demo}/rounds/2/import" in page
    assert f"/board/{demo}/rounds/1" in page
    overview = client.get(f"/facilitate/{demo}/").get_data(as_text=True)
    assert f"/facilitate/{demo}/map" in overview and f"/board/{demo}/" in overview
