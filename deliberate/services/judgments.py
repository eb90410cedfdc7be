"""Recording stakeholders' judgments: validated, canonical, idempotent, one transaction.

Every way a judgment enters Deliberate — the comparison page, the API, a CSV import —
goes through :func:`validate_judgment` and :func:`save_judgments`, so the same rules hold
everywhere.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from ..engine.judgments import SCALE_POINTS
from ..extensions import db
from ..models import SCALE_MAX, SCALE_MIN, Judgment, Membership, Outcome, Role, Round, utcnow
from .errors import ServiceError, transactional
from .lookup import outcomes_of

MAX_REASON_LENGTH = 2000

#: Saaty's 17 scale values from "B is extremely more important" (1/9) to "A is" (9).
SAATY_SCALE: tuple[float, ...] = SCALE_POINTS


class JudgmentRejected(ServiceError):
    """A judgment that cannot be saved."""


@dataclass(frozen=True)
class CanonicalJudgment:
    """A validated judgment: the pair in canonical order (a < b) and its value."""

    outcome_a_id: int
    outcome_b_id: int
    value: float
    reason: str


def validate_judgment(
    outcome_ids: Iterable[int],
    first_id: int,
    second_id: int,
    value: float,
    reason: str | None = "",
    *,
    on_scale_only: bool = False,
) -> CanonicalJudgment:
    """Check one judgment ("``first`` matters ``value`` times more than ``second``").

    Raises :class:`JudgmentRejected` naming what is wrong: an outcome that is not in the
    consultation (404), a self-comparison, a value that is not a finite number in
    [1/9, 9] (or, with ``on_scale_only``, not one of Saaty's 17 values), a reason longer
    than :data:`MAX_REASON_LENGTH` (400). Returns the pair in canonical order.
    """
    known = set(outcome_ids)
    for outcome_id in (first_id, second_id):
        if outcome_id not in known:
            raise JudgmentRejected(f"Outcome {outcome_id} is not part of this consultation.", 404)
    if first_id == second_id:
        raise JudgmentRejected("An outcome cannot be compared with itself.")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise JudgmentRejected(f"The judgment must be a number, not {value!r}.")
    if not SCALE_MIN - 1e-9 <= value <= SCALE_MAX + 1e-9:
        raise JudgmentRejected(f"The judgment {value:g} is outside Saaty's scale (from 1/9 to 9).")
    if on_scale_only and not any(math.isclose(value, s, rel_tol=1e-6) for s in SAATY_SCALE):
        raise JudgmentRejected(f"The judgment {value:g} is not one of the scale's 17 points.")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise JudgmentRejected(
            f"The reason is {len(reason)} characters long; at most {MAX_REASON_LENGTH} are kept."
        )
    if first_id > second_id:
        first_id, second_id, value = second_id, first_id, 1.0 / value
    return CanonicalJudgment(first_id, second_id, float(value), reason)


def check_can_judge(membership: Membership, round_: Round) -> None:
    """A stakeholder may judge only in an open round of their own consultation."""
    if membership.role is not Role.STAKEHOLDER:
        raise JudgmentRejected("Only stakeholders give judgments.", 403)
    if round_.consultation_id != membership.consultation_id:
        raise JudgmentRejected("That round belongs to another consultation.", 404)
    if not round_.is_open:
        raise JudgmentRejected(
            f"Round {round_.number} is closed: its answers can no longer change.", 409
        )


def outcome_ids(consultation_id: int) -> list[int]:
    """The ids of a consultation's outcomes, in their display order."""
    return list(
        db.session.scalars(
            db.select(Outcome.id)
            .filter_by(consultation_id=consultation_id)
            .order_by(Outcome.position, Outcome.id)
        )
    )


#: The columns :func:`judgment_upsert` writes, in order.
UPSERT_COLUMNS = (
    "membership_id",
    "round_id",
    "outcome_a_id",
    "outcome_b_id",
    "value",
    "reason",
    "updated_at",
)
_KEY = list(UPSERT_COLUMNS[:4])


def _on_conflict_update(statement: Any) -> Any:
    return statement.on_conflict_do_update(
        index_elements=_KEY,
        set_={name: statement.excluded[name] for name in ("value", "reason", "updated_at")},
    )


def _insert(dialect: str) -> Any:
    # Into the table, not the mapped class: a save is then a plain statement, without the
    # ORM's bulk-insert machinery around it.
    table = cast(Table, Judgment.__table__)
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.cache
def _upsert(dialect: str) -> Any:
    """The row-by-row upsert, built once per dialect (building it is a good part of a
    save's cost)."""
    return _on_conflict_update(_insert(dialect))


def judgment_upsert(rows_from: Select[Any] | None = None) -> Any:
    """``INSERT … ON CONFLICT DO UPDATE`` of judgments on their (membership, round, pair) key,
    for the session's database.

    Execute it with one parameter dict per judgment, or pass ``rows_from``, a SELECT of the
    :data:`UPSERT_COLUMNS`, to copy rows within the database in one statement.
    """
    dialect = db.session.get_bind().dialect.name
    if rows_from is None:
        return _upsert(dialect)
    return _on_conflict_update(_insert(dialect).from_select(list(UPSERT_COLUMNS), rows_from))


def save_judgments(
    membership: Membership,
    round_: Round,
    judgments: Sequence[CanonicalJudgment],
    *,
    commit: bool = True,
) -> None:
    """Insert or update the judgments in one statement per row and commit them together.

    Uses ``INSERT … ON CONFLICT DO UPDATE`` on the (membership, round, pair) key, so saving
    the same answer twice — or two requests racing — leaves exactly one row with the last
    value. With ``commit=False`` the caller commits, so that several participants' judgments
    (an imported batch) are saved all together or not at all.
    """
    check_can_judge(membership, round_)
    now = utcnow()
    if judgments:
        db.session.execute(
            judgment_upsert(),
            [
                {
                    "membership_id": membership.id,
                    "round_id": round_.id,
                    "outcome_a_id": judgment.outcome_a_id,
                    "outcome_b_id": judgment.outcome_b_id,
                    "value": judgment.value,
                    "reason": judgment.reason,
                    "updated_at": now,
                }
                for judgment in judgments
            ],
        )
    if commit:
        db.session.commit()


def record_judgment(
    membership: Membership,
    round_: Round,
    first_id: int,
    second_id: int,
    value: float,
    reason: str | None = "",
    *,
    on_scale_only: bool = True,
) -> CanonicalJudgment:
    """Validate and save one judgment of ``membership`` in ``round_``; return what was saved."""
    check_can_judge(membership, round_)
    judgment = validate_judgment(
        [o.id for o in outcomes_of(membership.consultation)],
        first_id,
        second_id,
        value,
        reason,
        on_scale_only=on_scale_only,
    )
    save_judgments(membership, round_, [judgment])
    return judgment


def withdraw_judgment(membership: Membership, round_: Round, first_id: int, second_id: int) -> None:
    """Remove a judgment ("I can't say"); withdrawing one that is not there is a no-op."""
    check_can_judge(membership, round_)
    low, high = sorted((first_id, second_id))
    db.session.execute(
        db.delete(Judgment).filter_by(
            membership_id=membership.id, round_id=round_.id, outcome_a_id=low, outcome_b_id=high
        )
    )
    db.session.commit()


@transactional
def finish(membership: Membership) -> None:
    """Mark the stakeholder as finished (they may still change answers while the round is open)."""
    membership.finished_at = utcnow()


#: A stakeholder's answers in one round by canonical pair (values, not database rows).
Answers = dict[tuple[int, int], CanonicalJudgment]


def answers_in(membership: Membership, *rounds: Round | None) -> list[Answers]:
    """The stakeholder's judgments in each of ``rounds`` (None: none), in one query."""
    ids = [r.id for r in rounds if r is not None]
    by_round: dict[int, Answers] = {round_id: {} for round_id in ids}
    if ids:
        rows = db.session.execute(_ANSWERS, {"membership_id": membership.id, "round_ids": ids})
        for round_id, a, b, value, reason in rows:
            by_round[round_id][(a, b)] = CanonicalJudgment(a, b, value, reason or "")
    return [by_round[r.id] if r is not None else {} for r in rounds]


#: :func:`answers_in`'s query, built once (every request reuses it and its cache key).
_ANSWERS = db.select(
    Judgment.round_id, Judgment.outcome_a_id, Judgment.outcome_b_id, Judgment.value, Judgment.reason
).where(
    Judgment.membership_id == bindparam("membership_id"),
    Judgment.round_id.in_(bindparam("round_ids", expanding=True)),
)


def answered_pairs(membership_id: int, round_id: int) -> set[tuple[int, int]]:
    """The canonical pairs a stakeholder has answered in a round (ids only, no rows loaded)."""
    rows = db.session.execute(
        db.select(Judgment.outcome_a_id, Judgment.outcome_b_id).filter_by(
            membership_id=membership_id, round_id=round_id
        )
    )
    return {(a, b) for a, b in rows}
