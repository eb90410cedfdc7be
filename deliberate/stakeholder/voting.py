"""A stakeholder's voting: the scale in words, their pairs and answers, joining and finishing.

Writes go through :mod:`deliberate.services.judgments` and
:mod:`deliberate.services.invitations`; the views only call these functions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import PublicView, Report
from ..engine.judgments import SCALE as SAATY_POINTS
from ..models import (
    Consultation,
    FeedbackTiming,
    Membership,
    Role,
    Round,
    Status,
)
from ..services import insight
from ..services.design import pair_sequence
from ..services.disclosure import published_report
from ..services.judgments import (  # noqa: F401  (answered_pairs, answers_in: for the views)
    Answers,
    CanonicalJudgment,
    JudgmentRejected,
    answered_pairs,
    answers_in,
    save_judgments,
    validate_judgment,
)
from ..services.lookup import outcomes_of

#: Saaty's words for the intensities 1 to 9.
SAATY_WORDS = {
    1: "equal",
    2: "equal to moderate",
    3: "moderate",
    4: "moderate to strong",
    5: "strong",
    6: "strong to very strong",
    7: "very strong",
    8: "very strong to extreme",
    9: "extreme",
}


@dataclass(frozen=True)
class ScalePoint:
    """One of the 17 points: ``value`` is how many times more the left outcome matters."""

    key: str
    value: float
    side: str  # "left", "equal" or "right"
    intensity: int

    @property
    def word(self) -> str:
        """Saaty's word for the intensity."""
        return SAATY_WORDS[self.intensity]


def _point(value: Fraction) -> ScalePoint:
    side = "left" if value > 1 else "right" if value < 1 else "equal"
    return ScalePoint(str(value), float(value), side, max(value.numerator, value.denominator))


#: The engine's 17 points as the form shows them: the left outcome's 9 first, then equal.
SCALE: tuple[ScalePoint, ...] = tuple(_point(value) for value in reversed(SAATY_POINTS))
_BY_KEY = {point.key: point for point in SCALE}
_BY_VALUE = {point.value: point for point in SCALE}


def parse_scale_value(text: str | None) -> float:
    """The number a form sends ("5", "1/3"); anything that is not a number is rejected (400)."""
    try:
        value = Fraction((text or "").strip())
    except (ValueError, ZeroDivisionError):
        raise JudgmentRejected(
            f"{text!r} is not a point on the scale. Choose one of the 17 points."
        ) from None
    return float(value)


def nearest_point(value: float) -> ScalePoint:
    """The scale point nearest ``value`` (left over right) in log terms."""
    exact = _BY_VALUE.get(value)
    if exact is not None:
        return exact
    return min(SCALE, key=lambda p: abs(math.log(p.value) - math.log(value)))


def describe(left: str, right: str, value: float) -> str:
    """A judgment in words, e.g. "Equity is more important than Efficiency: strong (5)"."""
    point = nearest_point(value)
    if point.side == "equal":
        return f"{left} and {right} are equally important"
    winner, loser = (left, right) if point.side == "left" else (right, left)
    return f"{winner} is more important than {loser}: {point.word} ({point.intensity})"


def point_key(value: float) -> str:
    """The form key of the scale point nearest ``value``."""
    return nearest_point(value).key


# --------------------------------------------------------------------------- pairs and answers


@dataclass(frozen=True)
class Step:
    """One pair in a stakeholder's sequence, as shown: ``left`` against ``right``."""

    number: int  # 1-based position in the sequence
    left_id: int
    right_id: int

    @functools.cached_property
    def canonical(self) -> tuple[int, int]:
        """The pair as stored (smaller id first)."""
        return (min(self.left_id, self.right_id), max(self.left_id, self.right_id))

    def shown(self, judgment: CanonicalJudgment) -> float:
        """The stored judgment as "left over right"."""
        return judgment.value if judgment.outcome_a_id == self.left_id else 1 / judgment.value


def steps(membership: Membership) -> list[Step]:
    """The pairs this stakeholder compares, in order (deterministic per membership)."""
    return list(_steps(tuple(pair_sequence(membership.consultation, membership.id))))


@functools.lru_cache(maxsize=4096)
def _steps(pairs: tuple[tuple[int, int], ...]) -> tuple[Step, ...]:
    """:func:`steps` for a sequence of (left, right) pairs, memoised: every page and save of
    a stakeholder asks for it. Steps never change, so requests share them."""
    return tuple(Step(number, left, right) for number, (left, right) in enumerate(pairs, start=1))


def answers(membership: Membership, round_: Round | None) -> Answers:
    """The stakeholder's judgments in ``round_`` keyed by canonical pair."""
    return answers_in(membership, round_)[0]


def previous_round(consultation: Consultation, round_: Round | None) -> Round | None:
    """The closed round before ``round_``, if any."""
    if round_ is None:
        return None
    earlier = [r for r in consultation.rounds if r.number < round_.number and not r.is_open]
    return earlier[-1] if earlier else None


def sees_previous_results(consultation: Consultation, answered: int, total: int) -> bool:
    """Whether the previous round's results are shown now: before answering (Delphi style),
    or only once every pair is answered, as the facilitator chose."""
    return consultation.previous_results is FeedbackTiming.BEFORE or answered >= total


def voting_round(consultation: Consultation) -> Round | None:
    """The round in which answers can change now, or None when voting is not open."""
    round_ = consultation.current_round
    if consultation.status is not Status.OPEN or round_ is None or not round_.is_open:
        return None
    return round_


def answered(sequence: list[Step], given: Collection[tuple[int, int]]) -> int:
    """How many pairs of the sequence have an answer (``given``: answers or answered pairs)."""
    return sum(1 for s in sequence if s.canonical in given)


def first_unanswered(sequence: list[Step], given: Answers) -> int:
    """The number of the first pair without an answer, or 0 when all are answered."""
    return next((s.number for s in sequence if s.canonical not in given), 0)


def copy_previous_answers(membership: Membership, round_: Round, previous: Round) -> int:
    """Copy the previous round's answers into ``round_`` where none is given yet.

    Only pairs of the stakeholder's current sequence are copied; returns how many.
    """
    given = answers(membership, round_)
    before = answers(membership, previous)
    wanted = {s.canonical for s in steps(membership)}
    outcome_ids = [o.id for o in outcomes_of(membership.consultation)]
    copies = [
        validate_judgment(outcome_ids, a, b, j.value, j.reason)
        for (a, b), j in before.items()
        if (a, b) in wanted and (a, b) not in given
    ]
    if copies:
        save_judgments(membership, round_, copies)
    return len(copies)


# --------------------------------------------------------------------------- aggregates

#: In a round after the first, this many of the previous round's most contested pairs (in
#: the disagreement map's order) ask for a reason.
CONTESTED_PAIRS = 3


def contested_pairs(previous: Round | None) -> set[frozenset[str]]:
    """The previous round's most contested pairs (as outcome names), ranked as the map ranks
    them, from what stakeholders may see of that round."""
    report = public_results(previous) if previous is not None else None
    if report is None or "withheld" in report:
        return set()
    ranked = insight.conflict_order(report["pairs"])[:CONTESTED_PAIRS]
    return {frozenset((pair["a"], pair["b"])) for pair in ranked}


def public_results(round_: Round) -> Report | PublicView | None:
    """A closed round's aggregates as a stakeholder may see them (small groups withheld)."""
    return published_report(round_, Role.STAKEHOLDER, bootstrap=0, with_options=False)


def comparison_rows(
    view: Report | PublicView | None, group: str | None, own: dict[str, float] | None
) -> list[dict[str, Any]]:
    """Rows of outcome, own, group and overall weights; withheld aggregates are None."""
    if view is None or "withheld" in view:
        return []
    block = view["groups"].get(group) if group is not None else None
    group_weights = block["weights"] if block else None
    overall = view["overall"]["weights"]
    return [
        {
            "outcome": name,
            "own": (own or {}).get(name),
            "group": group_weights.get(name) if group_weights else None,
            "overall": overall[name],
        }
        for name in sorted(overall, key=lambda n: -(overall[n] or 0.0))
    ]
