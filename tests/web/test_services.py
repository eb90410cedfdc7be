"""Recording judgments and using invitations, below the web layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Invitation, Judgment, Outcome, Role, utcnow
from deliberate.services import invitations
from deliberate.services.judgments import (
    SAATY_SCALE,
    JudgmentRejected,
    record_judgment,
    validate_judgment,
    withdraw_judgment,
)
from deliberate.services.lookup import outcomes_of
from tests.factories import make_consultation, make_member

#: Behaviour that depends on the database engine: run on SQLite and PostgreSQL.
pytestmark = pytest.mark.databases


def test_the_scale_has_seventeen_reciprocal_points() -> None:
    assert len(SAATY_SCALE) == 17
    assert SAATY_SCALE[0] == pytest.approx(1 / 9) and SAATY_SCALE[-1] == 9
    assert all(
        a * b == pytest.approx(1) for a, b in zip(SAATY_SCALE, SAATY_SCALE[::-1], strict=True)
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "outside Saaty's scale"),
        (12, "outside Saaty's scale"),
        (-3, "outside Saaty's scale"),
        (float("nan"), "must be a number"),
        (float("inf"), "must be a number"),
        ("3", "must be a number"),
        (True, "must be a number"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(JudgmentRejected, match=message) as error:
        validate_judgment([1, 2], 1, 2, value)  # type: ignore[arg-type]
    assert error.value.status == 400


def test_off_scale_points_are_refused_when_only_scale_points_are_allowed() -> None:
    assert validate_judgment([1, 2], 1, 2, 2.5).value == 2.5
    with pytest.raises(JudgmentRejected, match="17 points"):
        validate_judgment([1, 2], 1, 2, 2.5, on_scale_only=True)


def test_pairs_are_canonicalised_and_self_comparison_refused() -> None:
    judgment = validate_judgment([1, 2], 2, 1, 4.0, " because ")
    assert (judgment.outcome_a_id, judgment.outcome_b_id) == (1, 2)
    assert judgment.value == pytest.approx(0.25)
    assert judgment.reason == "because"
    with pytest.raises(JudgmentRejected, match="itself"):
        validate_judgment([1, 2], 1, 1, 3.0)
    with pytest.raises(JudgmentRejected) as error:
        validate_judgment([1, 2], 1, 7, 3.0)
    assert error.value.status == 404


def test_recording_twice_keeps_one_row_with_the_last_value(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        member = make_member(consultation)
        round_ = consultation.rounds[0]
        a, b, _ = (o.id for o in consultation.outcomes)
        record_judgment(member, round_, a, b, 3.0, "first")
        record_judgment(member, round_, a, b, 3.0, "first")
        record_judgment(member, round_, b, a, 5.0, "changed my mind")
        rows = db.session.scalars(db.select(Judgment)).all()
        assert len(rows) == 1
        assert rows[0].value == pytest.approx(1 / 5)
        assert rows[0].reason == "changed my mind"
        withdraw_judgment(member, round_, b, a)
        assert db.session.scalars(db.select(Judgment)).all() == []


def test_outcome_rows_show_what_the_session_would_see(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(("Efficiency", "Equity", "Prevention"))
        rows = outcomes_of(consultation)
        assert [(r.id, r.name, r.description) for r in rows] == [
            (o.id, o.name, o.description) for o in consultation.outcomes
        ]
        db.session.commit()
        assert outcomes_of(consultation) == rows
        assert outcomes_of(consultation) is outcomes_of(consultation)  # read once
        # Changed elsewhere: the next transaction reads the change.
        with db.engine.begin() as connection:
            connection.execute(
                db.update(Outcome).where(Outcome.id == rows[1].id).values(name="Fairness")
            )
        db.session.commit()
        assert [r.name for r in outcomes_of(consultation)] == [
            "Efficiency",
            "Fairness",
            "Prevention",
        ]
        # Not yet flushed: the rows come from the relationship, which flushes first.
        db.session.add(Outcome(consultation_id=consultation.id, name="Access", position=9))
        assert [r.name for r in outcomes_of(consultation)][-1] == "Access"
        db.session.rollback()
        assert len(outcomes_of(consultation)) == 3


def test_a_closed_round_refuses_judgments_and_keeps_what_it_has(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        member = make_member(consultation)
        round_ = consultation.rounds[0]
        a, b, _ = (o.id for o in consultation.outcomes)
        record_judgment(member, round_, a, b, 3.0)
        round_.closed_at = utcnow()
        db.session.commit()
        with pytest.raises(JudgmentRejected) as error:
            record_judgment(member, round_, a, b, 9.0)
        assert error.value.status == 409
        assert db.session.scalar(db.select(Judgment.value)) == pytest.approx(3.0)


def test_only_stakeholders_judge(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        board = make_member(consultation, Role.BOARD, email="b@example.org")
        a, b, _ = (o.id for o in consultation.outcomes)
        with pytest.raises(JudgmentRejected) as error:
            record_judgment(board, consultation.rounds[0], a, b, 3.0)
        assert error.value.status == 403


def test_invitation_tokens_are_long_hashed_and_resumable(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        group = consultation.groups[0]
        invitation, token = invitations.create_invitation(consultation, Role.STAKEHOLDER, group)
        db.session.commit()
        assert len(token) >= 32  # 192 bits, URL-safe
        assert token not in invitation.token_hash
        stored = db.session.scalars(db.select(Invitation.token_hash)).all()
        assert stored == [invitation.token_hash]
        found = invitations.find_invitation(token)
        first = invitations.redeem(found, "Robin")
        db.session.commit()
        again = invitations.redeem(invitations.find_invitation(token), "Someone else")
        assert again.id == first.id and first.user.display_name == "Robin"
        assert first.group_id == group.id and first.role is Role.STAKEHOLDER


def test_unknown_expired_revoked_and_reissued_links(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation()
        invitation, token = invitations.create_invitation(
            consultation, Role.STAKEHOLDER, consultation.groups[0]
        )
        db.session.commit()
        with pytest.raises(invitations.InvitationError) as unknown:
            invitations.find_invitation("not-a-token")
        assert unknown.value.status == 404
        new_token = invitations.reissue(invitation)
        db.session.commit()
        with pytest.raises(invitations.InvitationError):
            invitations.find_invitation(token)
        assert invitations.find_invitation(new_token).id == invitation.id
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        with pytest.raises(invitations.InvitationError) as expired:
            invitations.find_invitation(new_token)
        assert expired.value.status == 410
        invitations.reissue(invitation)
        invitations.revoke(invitation)
        db.session.commit()
        with pytest.raises(invitations.InvitationError):
            invitations.find_invitation(new_token)


def test_stakeholder_invitation_needs_a_group_of_the_same_consultation(app: Flask) -> None:
    with app.app_context():
        one = make_consultation(title="One")
        other = make_consultation(title="Two", facilitator_email="other@example.org")
        with pytest.raises(invitations.InvitationError, match="needs a group"):
            invitations.create_invitation(one, Role.STAKEHOLDER)
        with pytest.raises(invitations.InvitationError, match="another consultation"):
            invitations.create_invitation(one, Role.STAKEHOLDER, other.groups[0])
