"""Builders for consultations, stakeholders and judgments in tests (call inside an app context)."""

from __future__ import annotations

from collections.abc import Sequence

from deliberate.extensions import db
from deliberate.models import (
    Consultation,
    Judgment,
    Membership,
    Outcome,
    Role,
    Round,
    StakeholderGroup,
    Status,
    User,
)


def make_consultation(
    outcomes: Sequence[str] = ("Efficiency", "Equity", "Prevention"),
    groups: Sequence[str] = ("Funders", "Service users"),
    *,
    title: str = "Test consultation",
    status: Status = Status.OPEN,
    k: int = 3,
    facilitator_email: str | None = "fac@example.org",
    open_round: bool = True,
) -> Consultation:
    """A consultation with outcomes, groups, a facilitator (password ``pw``) and round 1."""
    consultation = Consultation(
        title=title, question=f"What matters most in {title}?", status=status, anonymity_k=k
    )
    db.session.add(consultation)
    for position, name in enumerate(outcomes):
        db.session.add(Outcome(consultation=consultation, name=name, position=position))
    for name in groups:
        db.session.add(StakeholderGroup(consultation=consultation, name=name))
    if facilitator_email:
        user = db.session.scalar(db.select(User).filter_by(email=facilitator_email))
        if user is None:
            user = User(email=facilitator_email, display_name="Facilitator")
            user.set_password("pw")
        db.session.add(Membership(user=user, consultation=consultation, role=Role.FACILITATOR))
    if open_round:
        db.session.add(Round(consultation=consultation, number=1))
    db.session.commit()
    return consultation


def make_member(
    consultation: Consultation,
    role: Role = Role.STAKEHOLDER,
    group: str | None = None,
    *,
    name: str = "Participant",
    email: str | None = None,
) -> Membership:
    """A user and their membership; stakeholders default to the first group."""
    group_row = None
    if role is Role.STAKEHOLDER:
        group_row = next(g for g in consultation.groups if group is None or g.name == group)
    user = User(display_name=name, email=email)
    if email:
        user.set_password("pw")
    membership = Membership(user=user, consultation=consultation, role=role, group=group_row)
    db.session.add_all([user, membership])
    db.session.commit()
    return membership


def add_judgments(
    membership: Membership, round_: Round, values: dict[tuple[str, str], float]
) -> None:
    """Store judgments keyed by outcome names, canonicalising the pair."""
    ids = {o.name: o.id for o in membership.consultation.outcomes}
    for (first, second), value in values.items():
        a, b, v = ids[first], ids[second], value
        if a > b:
            a, b, v = b, a, 1 / v
        db.session.add(
            Judgment(membership=membership, round=round_, outcome_a_id=a, outcome_b_id=b, value=v)
        )
    db.session.commit()


def three_pair_csv(participants: int, reason: str = "") -> str:
    """A judgments CSV of Funders answering the three pairs of Efficiency, Equity and
    Prevention (3, 5, 1/2), each with ``reason``."""
    lines = ["participant,group,outcome_a,outcome_b,value,reason"]
    for number in range(participants):
        lines += [
            f"P{number},Funders,Efficiency,Equity,3,{reason}",
            f"P{number},Funders,Efficiency,Prevention,5,{reason}",
            f"P{number},Funders,Equity,Prevention,1/2,{reason}",
        ]
    return "\n".join(lines) + "\n"
