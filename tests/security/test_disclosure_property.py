"""No published figure moves with one person's answers unless a large-enough group stands behind it.

Hypothesis builds small consultations (two or three groups of one to six people, k = 3),
publishes a closed round as a board member reads it, replaces one member's judgments by
another set on Saaty's scale, and publishes again. A member of a group below k changes
nothing published (every view, including the one without inconsistent answers, or its
refusal, stays the same byte for byte); a member of a group of k or more may move
aggregates (and whether a view without inconsistent answers can be shown), but never who
is counted or withheld.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
from flask import Flask
from hypothesis import HealthCheck, given, settings

from deliberate.extensions import db
from deliberate.models import Judgment, Role, Round, utcnow
from deliberate.services import results
from deliberate.services.disclosure import Undisclosed, published_report
from tests.factories import add_judgments, make_consultation, make_member

K = 3
OUTCOMES = ("Access", "Cost", "Quality")
PAIRS = (("Access", "Cost"), ("Access", "Quality"), ("Cost", "Quality"))
SCALE = [1 / v for v in range(9, 1, -1)] + list(range(1, 10))

answers = st.fixed_dictionaries({pair: st.sampled_from(SCALE) for pair in PAIRS})
consultations = st.lists(st.lists(answers, min_size=1, max_size=6), min_size=2, max_size=3)


def publish(round_: Round) -> dict[str, Any]:
    """Everything a board member can ask for about the round, or how it was refused."""
    results._CACHE.clear()  # recompute: the same answers' fingerprint must not matter
    found: dict[str, Any] = {}
    for exclude in (False, True):
        try:
            found[f"exclude={exclude}"] = published_report(
                round_, Role.BOARD, exclude_inconsistent=exclude, bootstrap=40
            )
        except Undisclosed as refused:
            found[f"exclude={exclude}"] = ("refused", refused.status, str(refused))
    return found


def who_is_counted(view: Any) -> Any:
    if not isinstance(view, dict) or "withheld" in view:
        return view if not isinstance(view, dict) else view["withheld_groups"]
    return (
        view["withheld_groups"],
        view["overall"]["size"],
        {g: b["size"] for g, b in view["groups"].items()},
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(groups=consultations, data=st.data())
def test_one_persons_answers_move_only_aggregates_of_k_or_more(
    app: Flask, groups: list[list[dict[tuple[str, str], float]]], data: st.DataObject
) -> None:
    names = [f"Group {i}" for i in range(len(groups))]
    group = data.draw(st.integers(0, len(groups) - 1), label="victim's group")
    victim_index = data.draw(st.integers(0, len(groups[group]) - 1), label="victim")
    replacement = data.draw(answers, label="replacement")
    with app.app_context():
        consultation = make_consultation(OUTCOMES, names, title="Property", k=K)
        round_ = consultation.rounds[0]
        victim = None
        for name, people in zip(names, groups, strict=True):
            for index, values in enumerate(people):
                member = make_member(consultation, group=name, name=f"{name} {index}")
                add_judgments(member, round_, values)
                if (name, index) == (names[group], victim_index):
                    victim = member
        round_.closed_at = utcnow()
        db.session.commit()
        before = publish(round_)

        ids = {o.name: o.id for o in consultation.outcomes}
        for (a, b), value in replacement.items():
            first, second, value = (
                (ids[a], ids[b], value) if ids[a] < ids[b] else (ids[b], ids[a], 1 / value)
            )
            judgment = db.session.scalar(
                db.select(Judgment).filter_by(
                    membership_id=victim.id, outcome_a_id=first, outcome_b_id=second
                )
            )
            judgment.value = value
        db.session.commit()
        after = publish(round_)

    if len(groups[group]) < K:
        assert after == before
    else:  # the view without inconsistent answers may come or go with the member's CR
        assert who_is_counted(after["exclude=False"]) == who_is_counted(before["exclude=False"])
