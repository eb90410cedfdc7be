"""Analysis of a round: judgments from the database, through the engine, cached.

The cache key includes a fingerprint of the round's judgments (count, last change, sum of
values) and the consultation's settings, so every app-server worker recomputes as soon as
any judgment or setting changes, with no shared cache to invalidate. A participant's live
feedback is cached under a fingerprint of their own answers, and public views (see
:mod:`deliberate.services.disclosure`) beside the report they come from: each is computed
once per change and then shared read-only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import func

from ..engine import JudgmentTable, Report, analyze
from ..engine.individual import own_priorities
from ..engine.judgments import spreadsheet_safe
from ..extensions import db
from ..models import Consultation, Judgment, Membership, Outcome, Round, StakeholderGroup, Weighting
from .cache import LRUCache
from .judgments import CanonicalJudgment
from .lookup import outcomes_of

DEFAULT_BOOTSTRAP = 1000
CSV_COLUMNS = ("participant", "group", "outcome_a", "outcome_b", "value", "reason")

#: Round reports by round fingerprint and options.
_CACHE: LRUCache[Report] = LRUCache(64)
#: Fingerprints of closed rounds (see :func:`_fingerprint`).
_CLOSED: LRUCache[tuple[Any, ...]] = LRUCache(1024)
#: Live feedback by participant and fingerprint of their answers: a workshop's worth.
_FEEDBACK: LRUCache[dict[str, Any]] = LRUCache(4096)


def analysis_options(consultation: Consultation) -> dict[str, Any]:
    """Engine options from the consultation's settings (weighting, group weights, threshold)."""
    group_weights = {g.name: g.weight for g in consultation.groups if g.weight is not None}
    options: dict[str, Any] = {
        "weighting": consultation.weighting.value,
        "cr_threshold": consultation.consistency_threshold,
        "seed": consultation.id,
    }
    if group_weights and sum(group_weights.values()) > 0:
        options["group_weights"] = group_weights
    elif consultation.weighting is Weighting.CUSTOM:
        options["weighting"] = Weighting.GROUPS.value  # no weights set yet: equal groups
    return options


class JudgmentRow(NamedTuple):
    """One stored judgment, named for reading: ``a`` matters ``value`` times more than ``b``."""

    judgment_id: int
    membership_id: int
    group: str
    a: str
    b: str
    value: float
    reason: str


def judgment_rows(
    round_: Round, membership_id: int | None = None, *, with_reason: bool = False
) -> list[JudgmentRow]:
    """A round's stakeholder judgments, each pair in the consultation's display order.

    The database keeps each pair in canonical (id) order; here ``a`` comes before ``b`` in
    the outcomes' display order, with the value inverted where the two orders differ.
    Rows come by membership, then pair. ``with_reason`` keeps only judgments with a reason.
    """
    outcome_a, outcome_b = db.aliased(Outcome), db.aliased(Outcome)
    query = (
        db.select(
            Judgment.id,
            Judgment.membership_id,
            StakeholderGroup.name,
            outcome_a.name,
            outcome_a.position,
            outcome_b.name,
            outcome_b.position,
            Judgment.value,
            Judgment.reason,
        )
        .join(Membership, Judgment.membership_id == Membership.id)
        .join(StakeholderGroup, Membership.group_id == StakeholderGroup.id)
        .join(outcome_a, Judgment.outcome_a_id == outcome_a.id)
        .join(outcome_b, Judgment.outcome_b_id == outcome_b.id)
        .where(Judgment.round_id == round_.id)
        .order_by(Judgment.membership_id, Judgment.id)
    )
    if membership_id is not None:
        query = query.where(Judgment.membership_id == membership_id)
    if with_reason:
        query = query.where(Judgment.reason != "")
    keyed = []
    for judgment_id, member, group, *pair, reason in db.session.execute(query):
        a, pos_a, b, pos_b, value = _in_display_order(*pair)
        row = JudgmentRow(judgment_id, member, group, a, b, value, reason or "")
        keyed.append(((member, pos_a, pos_b, judgment_id), row))
    return [row for _, row in sorted(keyed)]


def _in_display_order(
    a: str, pos_a: int, b: str, pos_b: int, value: float
) -> tuple[str, int, str, int, float]:
    """A stored pair with ``a`` first in the outcomes' display order, inverting the value
    when the canonical (id) order differs."""
    if (pos_a, a) > (pos_b, b):
        return b, pos_b, a, pos_a, 1 / value
    return a, pos_a, b, pos_b, value


def round_table(round_: Round, membership_id: int | None = None) -> JudgmentTable | None:
    """The round's judgments as an engine table (participants: membership ids as text)."""
    rows = judgment_rows(round_, membership_id)
    if not rows:
        return None
    consultation = round_.consultation
    return JudgmentTable.from_records(
        [(str(r.membership_id), r.group, r.a, r.b, r.value, r.reason) for r in rows],
        outcomes=[o.name for o in consultation.outcomes],
        groups=[g.name for g in consultation.groups],
    )


def _fingerprint(round_: Round) -> tuple[Any, ...]:
    """Count, last change and sum of the round's judgments: a change of any answer changes it.

    A closed round's judgments never change again, so its fingerprint is read once per
    worker (keyed by the round and the moments it opened and closed) and then remembered.
    """
    if round_.closed_at is None:
        return _count_judgments(round_.id)
    key = (round_.id, str(round_.opened_at), str(round_.closed_at))
    found = _CLOSED.get(key)
    return found if found is not None else _CLOSED.put(key, _count_judgments(round_.id))


def _count_judgments(round_id: int) -> tuple[Any, ...]:
    count, last, total = db.session.execute(
        db.select(
            func.count(Judgment.id), func.max(Judgment.updated_at), func.sum(Judgment.value)
        ).where(Judgment.round_id == round_id)
    ).one()
    return (count, str(last), round(float(total or 0.0), 9))


def _report_key(round_: Round, options: dict[str, Any]) -> tuple[Any, ...]:
    """The round, the fingerprint of its judgments, the engine options, and the outcomes'
    and groups' names (a closed round's outcomes can be renamed; its report must follow)."""
    settings = tuple(sorted((name, repr(value)) for name, value in options.items()))
    consultation = round_.consultation
    names = (
        tuple(outcome.name for outcome in consultation.outcomes),
        tuple(group.name for group in consultation.groups),
    )
    return (round_.id, _fingerprint(round_), settings, names)


def report_fingerprint(round_: Round, *, exclude_inconsistent: bool = False) -> str:
    """A text that changes whenever :func:`round_report`'s default report of ``round_`` would
    (judgments, settings, options): the key of a stored report."""
    return repr(_report_key(round_, _options(round_, exclude_inconsistent, DEFAULT_BOOTSTRAP)))


def participant_count(round_: Round) -> int:
    """How many people have answered in ``round_``."""
    return db.session.scalar(
        db.select(func.count(func.distinct(Judgment.membership_id))).where(
            Judgment.round_id == round_.id
        )
    )


def _options(
    round_: Round, exclude_inconsistent: bool, bootstrap: int, **overrides: Any
) -> dict[str, Any]:
    return {
        **analysis_options(round_.consultation),
        "exclude_inconsistent": exclude_inconsistent,
        "bootstrap": bootstrap,
        **overrides,
    }


def _report(
    round_: Round,
    options: dict[str, Any],
    key: tuple[Any, ...],
    leave_out: Collection[str] = (),
) -> Report | None:
    def compute() -> Report | None:
        table = round_table(round_)
        if table is not None and leave_out:
            dropped = [table.groups.index(g) for g in leave_out if g in table.groups]
            keep = ~np.isin(table.group_index, dropped)
            table = table.subset(keep) if keep.any() else None
        return None if table is None else analyze(table, on_disconnected="skip", **options)

    return _CACHE.get_or_compute(key, compute)


def round_report(
    round_: Round,
    *,
    exclude_inconsistent: bool = False,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    leave_out: Collection[str] = (),
    **overrides: Any,
) -> Report | None:
    """The engine's full report for a round, or None while nobody has answered.

    Participants whose answers do not yet connect every outcome are left out and
    listed in ``method.skipped``. The members of the groups named in ``leave_out`` are
    left out before the analysis (their groups stay, with nobody in them). The report is
    shared between requests: read it, never change it.
    """
    options = _options(round_, exclude_inconsistent, bootstrap, **overrides)
    key = (*_report_key(round_, options), tuple(sorted(leave_out)))
    return _report(round_, options, key, leave_out)


def participant_feedback(
    membership: Membership,
    round_: Round,
    given: Iterable[Judgment | CanonicalJudgment] | None = None,
) -> dict[str, Any] | None:
    """One stakeholder's own priorities and consistency, for live feedback.

    Returns None before any answer; ``{"connected": False, "cut_off": [...]}`` while the
    answers do not yet connect every outcome; otherwise their figures as the round's
    report would list them (weights, cr, most_inconsistent, …) with ``connected: True``,
    computed from their answers alone (:func:`deliberate.engine.individual.own_priorities`).

    ``given`` is the stakeholder's judgments in ``round_`` when the caller has them
    already (otherwise they are read). The result is cached by a fingerprint of those
    answers, so the engine runs once per change of answers; it is shared: never change it.
    """
    if given is None:
        given = db.session.scalars(
            db.select(Judgment).filter_by(membership_id=membership.id, round_id=round_.id)
        )
    answers = tuple(sorted((j.outcome_a_id, j.outcome_b_id, j.value) for j in given))
    if not answers:
        return None
    consultation = membership.consultation
    outcomes = tuple((o.id, o.name) for o in outcomes_of(consultation))  # in display order
    threshold = consultation.consistency_threshold
    key = (membership.id, round_.id, threshold, outcomes, answers)

    def compute() -> dict[str, Any] | None:
        index = {outcome_id: i for i, (outcome_id, _) in enumerate(outcomes)}
        return own_priorities(
            [name for _, name in outcomes],
            ((index[a], index[b], value) for a, b, value in answers),
            threshold,
        )

    return _FEEDBACK.get_or_compute(key, compute)


def judgment_records(round_: Round) -> list[dict[str, Any]]:
    """The round's judgments as records of :data:`CSV_COLUMNS`, text exactly as stored."""
    return [
        dict(
            zip(
                CSV_COLUMNS,
                (str(row.membership_id), row.group, row.a, row.b, float(row.value), row.reason),
                strict=True,
            )
        )
        for row in judgment_rows(round_)
    ]


def judgments_csv(round_: Round) -> str:
    """The round's judgments in the CSV format that ``deliberate analyze`` reads.

    Text that a spreadsheet would run as a formula is protected with an apostrophe,
    which ``deliberate analyze`` removes again.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in judgment_records(round_):
        writer.writerow(
            [
                repr(value) if isinstance(value, float) else spreadsheet_safe(value)
                for value in record.values()
            ]
        )
    return buffer.getvalue()
