"""Running a consultation's rounds, and how far its stakeholders have got in the current one."""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Consultation,
    Invitation,
    Judgment,
    Membership,
    Role,
    Round,
    Status,
    User,
    utcnow,
)
from .audit import record
from .design import reduced_pairs, uses_reduced_design
from .errors import ServiceError, transactional
from .results import round_report


class RoundError(ServiceError):
    """A round change that cannot be made."""

    default_status = 409


def _check_ready(consultation: Consultation) -> None:
    if len(consultation.outcomes) < 2:
        raise RoundError("Add at least two outcomes before opening a round.", 400)
    if not consultation.groups:
        raise RoundError("Add at least one stakeholder group before opening a round.", 400)


@transactional
def open_first_round(consultation: Consultation, user: User) -> Round:
    """Open round 1: stakeholders can start comparing."""
    if consultation.rounds:
        raise RoundError("Round 1 has already been opened.")
    _check_ready(consultation)
    return _open(consultation, user, 1)


@transactional
def start_new_round(consultation: Consultation, user: User) -> Round:
    """Open the next round after the current one has closed; everyone answers afresh."""
    current = consultation.current_round
    if current is None:
        raise RoundError("Open round 1 first.")
    if current.is_open:
        raise RoundError(f"Round {current.number} is still open: close it first.")
    _check_ready(consultation)
    db.session.execute(
        db.update(Membership)
        .where(Membership.consultation_id == consultation.id)
        .values(finished_at=None)
    )
    return _open(consultation, user, current.number + 1)


def _open(consultation: Consultation, user: User, number: int) -> Round:
    round_ = Round(consultation=consultation, number=number)
    db.session.add(round_)
    consultation.status = Status.OPEN
    record(consultation, user, "round.open", f"round {number}")
    return round_


@transactional
def close_round(consultation: Consultation, user: User) -> Round:
    """Close the current round: its judgments are frozen from now on."""
    current = consultation.current_round
    if current is None or not current.is_open:
        raise RoundError("There is no open round to close.")
    current.closed_at = utcnow()
    consultation.status = Status.CLOSED
    record(consultation, user, "round.close", f"round {current.number}")
    return current


@dataclass(frozen=True)
class RoundSummary:
    """A round with how many stakeholders answered in it and how many judgments they gave."""

    round: Round
    people: int
    judgments: int


def round_summaries(consultation: Consultation) -> list[RoundSummary]:
    """Every round of the consultation, first to last, with its counts."""
    counts = {
        round_id: (people, judgments)
        for round_id, people, judgments in db.session.execute(
            db.select(
                Judgment.round_id,
                func.count(func.distinct(Judgment.membership_id)),
                func.count(Judgment.id),
            )
            .join(Round, Judgment.round_id == Round.id)
            .where(Round.consultation_id == consultation.id)
            .group_by(Judgment.round_id)
        )
    }
    return [RoundSummary(r, *counts.get(r.id, (0, 0))) for r in consultation.rounds]


# --------------------------------------------------------------------------- participation


def pairs_asked(consultation: Consultation, membership: Membership) -> int:
    """How many pairs the stakeholder is asked to compare under the consultation's design."""
    n = len(consultation.outcomes)
    if uses_reduced_design(consultation):
        return len(reduced_pairs(n, membership.id))
    return n * (n - 1) // 2


@dataclass
class GroupParticipation:
    """Counts for one stakeholder group in the current round."""

    name: str
    invited: int = 0
    joined: int = 0
    started: int = 0
    finished: int = 0
    analysed: int = 0
    consistent: int = 0
    inconsistent: int = 0
    unassessed: int = 0  # too few answers (no cycle of comparisons) to assess consistency


@dataclass(frozen=True)
class MemberProgress:
    """How far one stakeholder has got in the current round: counts and times, never answers."""

    membership_id: int
    name: str
    group: str
    answered: int
    total: int
    joined_at: datetime
    last_active: datetime | None
    finished: bool


@dataclass
class Participation:
    """Who has joined, started and finished the current round, and how consistently."""

    round: Round | None
    groups: list[GroupParticipation] = field(default_factory=list)
    total: GroupParticipation = field(default_factory=lambda: GroupParticipation("All groups"))
    cr_threshold: float | None = None
    cr_bands: list[tuple[str, int]] = field(default_factory=list)
    median_time: timedelta | None = None
    finish_times: int = 0
    members: list[MemberProgress] = field(default_factory=list)

    @property
    def unfinished(self) -> list[MemberProgress]:
        """Members who have not finished the current round, least far along first."""
        return sorted(
            (m for m in self.members if not m.finished), key=lambda m: (m.answered, m.name)
        )


def _bands(crs: list[float], threshold: float) -> list[tuple[str, int]]:
    """How many consistency ratios fall below, near and above ``threshold``."""
    inner = [threshold / 2, threshold, 2 * threshold]
    labels = [
        f"up to {inner[0]:.2f}",
        f"over {inner[0]:.2f}, up to {inner[1]:.2f}",
        f"over {inner[1]:.2f}, up to {inner[2]:.2f}",
        f"over {inner[2]:.2f}",
    ]
    counts = [0] * len(labels)
    for cr in crs:
        counts[bisect.bisect_left(inner, cr)] += 1
    return list(zip(labels, counts, strict=True))


def participation(consultation: Consultation, *, analyse: bool = True) -> Participation:
    """Live counts per group for the current round (facilitators see every group, however small).

    *Invited* counts live stakeholder invitations, *joined* the group's members, *started*
    members with at least one judgment in the round, *finished* those who answered every
    pair of the design or said they had finished. Consistency comes from the round's
    analysis (Saaty's CR against the consultation's threshold), unless ``analyse`` is False.
    """
    round_ = consultation.current_round
    result = Participation(round=round_)
    by_id = {g.id: GroupParticipation(g.name) for g in consultation.groups}
    invited = db.session.execute(
        db.select(Invitation.group_id, func.count(Invitation.id))
        .where(
            Invitation.consultation_id == consultation.id,
            Invitation.role == Role.STAKEHOLDER,
            Invitation.revoked_at.is_(None),
        )
        .group_by(Invitation.group_id)
    )
    for group_id, count in invited:
        by_id[group_id].invited = count
    answered: dict[int, tuple[int, Any]] = {}
    if round_ is not None:
        answered = {
            membership_id: (count, last)
            for membership_id, count, last in db.session.execute(
                db.select(
                    Judgment.membership_id, func.count(Judgment.id), func.max(Judgment.updated_at)
                )
                .where(Judgment.round_id == round_.id)
                .group_by(Judgment.membership_id)
            )
        }
    members = db.session.scalars(
        db.select(Membership)
        .filter_by(consultation_id=consultation.id, role=Role.STAKEHOLDER, removed_at=None)
        .options(selectinload(Membership.user))
        .order_by(Membership.id)
    )
    durations: list[timedelta] = []
    group_of: dict[int, GroupParticipation] = {}
    for membership in members:
        counts = by_id[membership.group_id]
        group_of[membership.id] = counts
        counts.joined += 1
        if round_ is None:
            continue
        count, last = answered.get(membership.id, (0, None))
        counts.started += count > 0
        done_at = membership.finished_at
        if done_at is not None and done_at < round_.opened_at:
            done_at = None  # finished an earlier round, not this one
        total = pairs_asked(consultation, membership)
        if done_at is None and count and count >= total:
            done_at = last
        if done_at is not None:
            counts.finished += 1
            durations.append(done_at - max(membership.joined_at, round_.opened_at))
        result.members.append(
            MemberProgress(
                membership_id=membership.id,
                name=membership.user.display_name,
                group=counts.name,
                answered=count,
                total=total,
                joined_at=membership.joined_at,
                last_active=last,
                finished=done_at is not None,
            )
        )
    if analyse and round_ is not None and answered:
        report = round_report(round_, bootstrap=0)
        if report is not None:
            result.cr_threshold = report["method"]["cr_threshold"]
            crs = []
            for person in report["participants"]:
                counts = group_of.get(int(person["id"]))  # type: ignore[assignment]
                if counts is None:
                    continue
                counts.analysed += 1
                if not person["cr_assessable"]:
                    counts.unassessed += 1
                elif person["consistent"]:
                    counts.consistent += 1
                else:
                    counts.inconsistent += 1
                if person["cr"] is not None:
                    crs.append(person["cr"])
            if result.cr_threshold:
                result.cr_bands = _bands(crs, result.cr_threshold)
    result.groups = list(by_id.values())
    for name in (
        "invited",
        "joined",
        "started",
        "finished",
        "analysed",
        "consistent",
        "inconsistent",
        "unassessed",
    ):
        setattr(result.total, name, sum(getattr(g, name) for g in result.groups))
    if durations:
        result.median_time = statistics.median(durations)  # type: ignore[type-var]
        result.finish_times = len(durations)
    return result
