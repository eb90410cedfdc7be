"""The board summary's plain-language findings, checked against constructed consultations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Consultation, Round, Weighting
from deliberate.services import board, results, summary
from tests.factories import add_judgments, make_consultation, make_member

# Both groups put Prevention far first; Funders put Efficiency over Equity, Service users
# the reverse. Each member varies a little, so the bootstrap has something to resample.
# Eight in each group: a group's side is only shown, over all pairs and groups, with
# enough people.
FUNDERS = [
    {("Prevention", "Efficiency"): p, ("Prevention", "Equity"): q, ("Efficiency", "Equity"): r}
    for p, q, r in ((2, 5, 3), (3, 5, 4), (2, 4, 3), (3, 6, 2)) * 2
]
SERVICE_USERS = [
    {("Prevention", "Equity"): p, ("Prevention", "Efficiency"): q, ("Equity", "Efficiency"): r}
    for p, q, r in ((2, 4, 2), (2, 4, 3), (3, 3, 2), (2, 4, 2)) * 2
]


def _consultation(extra_group: list[dict[tuple[str, str], float]] | None = None) -> Round:
    groups = ("Funders", "Service users", *(("Staff",) if extra_group else ()))
    consultation = make_consultation(
        outcomes=("Efficiency", "Equity", "Prevention"), groups=groups, k=3
    )
    round_ = consultation.rounds[0]
    for group, people in (
        ("Funders", FUNDERS),
        ("Service users", SERVICE_USERS),
        ("Staff", extra_group or []),
    ):
        for index, values in enumerate(people):
            member = make_member(consultation, group=group, name=f"{group} person {index}")
            add_judgments(member, round_, values)
    return round_


def _summary(round_: Round, **options: Any) -> dict[str, Any]:
    report = results.round_report(round_, bootstrap=300, **options)
    return summary.summarise(report, round_.consultation.anonymity_k, [(1, report)])


def test_one_outcome_first_for_every_group_and_one_pair_dividing_two(app: Flask) -> None:
    with app.app_context():
        found = _summary(_consultation())
        texts = [o["text"] for o in found["outcomes"]]
        assert texts == [
            "Prevention ranks first for every group.",
            "Efficiency ranks second for Funders but third for Service users. "
            "Overall it ranks second.",
            "Equity ranks second for Service users but third for Funders. Overall it ranks third.",
        ]
        assert [o["outcome"] for o in found["converging_outcomes"]] == ["Prevention"]
        assert "participants" not in found["view"]  # no individual's answers reach the board

        [conflict] = found["conflicts"]
        assert (conflict["a"], conflict["b"]) == ("Efficiency", "Equity")
        assert conflict["for_a"] == ["Funders"] and conflict["for_b"] == ["Service users"]
        assert conflict["text"].startswith(
            "Efficiency against Equity divides the groups: Funders put Efficiency first; "
            "Service users put Equity first."
        )

        converging = {(p["favours"], p["over"]) for p in found["converging_pairs"]}
        assert converging == {("Prevention", "Efficiency"), ("Prevention", "Equity")}
        for pair in found["converging_pairs"]:
            assert pair["share"] == 1.0
            assert pair["text"].startswith(f"Every group puts {pair['favours']} above")
        participation = found["participation"]
        assert [(g["group"], g["size"]) for g in participation["groups"]] == [
            ("Funders", 8),
            ("Service users", 8),
        ]
        assert participation["total"] == 16 and participation["withheld_groups"] == []


def test_the_ranking_is_the_eigenvector_of_the_geometric_mean_matrix(app: Flask) -> None:
    names = ["Efficiency", "Equity", "Prevention"]
    logs = np.zeros((3, 3))
    people = [*FUNDERS, *SERVICE_USERS]
    for values in people:
        for (first, second), value in values.items():
            i, j = names.index(first), names.index(second)
            logs[i, j] += np.log(value) / len(people)
            logs[j, i] -= np.log(value) / len(people)
    values, vectors = np.linalg.eig(np.exp(logs))
    principal = np.abs(np.real(vectors[:, np.argmax(np.real(values))]))
    expected = dict(zip(names, principal / principal.sum(), strict=True))
    with app.app_context():
        found = _summary(_consultation())
        for row in found["ranking"]:
            assert row["weight"] == pytest.approx(expected[row["outcome"]], abs=1e-9)
        assert [row["outcome"] for row in found["ranking"]] == sorted(
            names, key=lambda n: -expected[n]
        )


def test_voice_weights_and_the_smallest_flip(app: Flask) -> None:
    with app.app_context():
        found = _summary(_consultation())
        voice = found["voice"]
        assert voice["shown"] is True
        assert {row["scheme"] for row in voice["rows"]} == {"person", "groups"}
        assert voice["text"] == "Prevention comes first however voices are counted."
        assert (
            "Prevention stays on top under 100% of all possible weightings" in (voice["flip_text"])
        )
        assert "No weighting of the groups puts another outcome on top." in voice["flip_text"]


def test_a_group_below_the_threshold_is_withheld_everywhere(app: Flask) -> None:
    staff = [
        {("Efficiency", "Prevention"): 9, ("Efficiency", "Equity"): 9, ("Equity", "Prevention"): 9}
    ] * 2
    with app.app_context():
        round_ = _consultation(extra_group=staff)
        found = _summary(round_)
        assert found["participation"]["withheld_groups"] == ["Staff"]
        assert found["participation"]["withheld_count"] == 2
        assert found["participation"]["total"] == 18
        assert "Staff" not in found["view"]["groups"]
        assert all("Staff" not in o["text"] for o in found["outcomes"])
        assert all("Staff" not in c["text"] for c in found["conflicts"])
        assert found["voice"]["shown"] is False
        assert "smaller than 3" in found["voice"]["text"]


def test_too_few_people_withholds_every_aggregate(app: Flask) -> None:
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("G",), k=3)
        round_ = consultation.rounds[0]
        add_judgments(make_member(consultation), round_, {("A", "B"): 3})
        found = _summary(round_)
        assert found["withheld"] == "fewer than 3 participants: results are not shown"
        assert set(found) == {"view", "withheld"}


def test_reasons_are_the_most_frequent_per_side_and_group_without_names() -> None:
    rows = [
        (1, "Efficiency", "Equity", "Funders", 3.0, "Value for money."),
        (2, "Efficiency", "Equity", "Funders", 4.0, "value for  money"),
        (3, "Efficiency", "Equity", "Funders", 2.0, "Budgets are fixed"),
        (4, "Efficiency", "Equity", "Funders", 2.0, "Something else"),
        (5, "Efficiency", "Equity", "Funders", 2.0, "Something else!"),
        (6, "Efficiency", "Equity", "Funders", 5.0, "Value for money"),
        (7, "Efficiency", "Equity", "Service users", 1 / 3, "Fairness first"),
        (8, "Efficiency", "Equity", "Service users", 1.0, "Both matter"),
        (9, "Efficiency", "Equity", "Staff", 1 / 5, "Secret small-group view"),
    ]
    candidates = summary.common_reasons(rows, ["Funders", "Service users"])[
        ("Efficiency", "Equity")
    ]
    assert [(c["judgment_id"], c["text"], c["count"]) for c in candidates] == [
        (1, "Value for money.", 3),
        (4, "Something else", 2),
        (3, "Budgets are fixed", 1),
        (7, "Fairness first", 1),
    ]
    assert {c["favours"] for c in candidates[:3]} == {"Efficiency"}
    assert candidates[3]["favours"] == "Equity" and candidates[3]["group"] == "Service users"
    picked = summary.pick_reasons(candidates)
    assert [c["judgment_id"] for c in picked] == [1, 4, 7]
    assert [c["judgment_id"] for c in summary.pick_reasons(candidates, {3})] == [3]
    assert [c["judgment_id"] for c in summary.pick_reasons(candidates, {99})] == [1, 4, 7]


def test_reasons_from_the_database_follow_the_report_pair_order(app: Flask) -> None:
    with app.app_context():
        round_ = _consultation()
        consultation = round_.consultation
        member = min(
            (m for m in consultation.memberships if m.group and m.group.name == "Service users"),
            key=lambda m: m.id,
        )
        prevention, efficiency = (
            next(o for o in consultation.outcomes if o.name == n)
            for n in ("Prevention", "Efficiency")
        )
        judgment = next(
            j
            for j in member.judgments
            if {j.outcome_a_id, j.outcome_b_id} == {prevention.id, efficiency.id}
        )
        judgment.reason = "Stop crises early."
        db.session.commit()
        rows = results.judgment_rows(round_, with_reason=True)
        assert [(r.judgment_id, r.a, r.b, r.group, r.reason) for r in rows] == [
            (judgment.id, "Efficiency", "Prevention", "Service users", "Stop crises early.")
        ]
        assert rows[0].value == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    ("rank", "words"),
    [
        (1, "first"),
        (7, "seventh"),
        (10, "tenth"),
        (11, "11th"),
        (12, "12th"),
        (21, "21st"),
        (23, "23rd"),
    ],
)
def test_ordinals(rank: int, words: str) -> None:
    assert summary.ordinal(rank) == words


def test_ties_share_a_rank() -> None:
    ranks = summary.competition_ranks({"A": 0.4, "B": 0.4, "C": 0.2})
    assert ranks == {"A": (1, True), "B": (1, True), "C": (3, False)}
    assert summary.rank_words(ranks["A"]) == "joint first"


def test_kendall_w_bands_follow_schmidt() -> None:
    assert [summary.w_band(w) for w in (0.05, 0.15, 0.35, 0.6, 0.8)] == [
        "very weak",
        "weak",
        "moderate",
        "strong",
        "very strong",
    ]
    assert summary.w_band(None) is None


def test_consensus_movement_over_rounds() -> None:
    def view(s: float, w: float, top: str) -> dict[str, Any]:
        weights = {"A": 0.6, "B": 0.4} if top == "A" else {"A": 0.4, "B": 0.6}
        return {
            "overall": {
                "consensus": s,
                "consensus_band": "low" if s < 0.625 else "moderate",
                "kendall_w": w,
                "weights": weights,
            }
        }

    moved = summary.trend([(1, view(0.55, 0.2, "A")), (2, view(0.70, 0.4, "B"))])
    assert moved["text"] == "Consensus rose from 55% (low) in round 1 to 70% (moderate) in round 2."
    assert [r["top"] for r in moved["rows"]] == ["A", "B"]
    assert summary.trend([(1, view(0.55, 0.2, "A"))]) is None


def test_consultation_without_closed_round_has_no_summary(app: Flask) -> None:
    with app.app_context():
        consultation: Consultation = make_consultation()
        with pytest.raises(board.BoardError) as raised:
            board.closed_round(consultation)
        assert raised.value.status == 409
        with pytest.raises(board.BoardError) as raised:
            board.closed_round(consultation, 1)
        assert raised.value.status == 409 and "still open" in str(raised.value)
        with pytest.raises(board.BoardError) as raised:
            board.closed_round(consultation, 5)
        assert raised.value.status == 404


def test_in_brief_opens_with_the_top_priority_and_the_deepest_divide(app: Flask) -> None:
    with app.app_context():
        found = _summary(_consultation())
        brief = found["in_brief"]
        assert brief[0].startswith("Prevention ranks first overall with ")
        assert "ahead of Efficiency in 100% of bootstrap resamples." in brief[0]
        assert brief[1] == found["consensus"]["text"]
        assert brief[2] == (
            "1 of 3 pairs of outcomes divide the groups; the deepest divide is "
            "Efficiency against Equity (Funders on one side, Service users on the other)."
        )
        assert brief[3] == "Prevention comes first however voices are counted."


def test_the_top_priority_can_depend_on_whose_voice_counts(app: Flask) -> None:
    # Six funders put A three times above B; three service users put B five times above A.
    # One person, one voice: (3^6 · 5^-3)^(1/9) > 1, so A leads; equal groups:
    # (3 · 1/5)^(1/2) < 1, so B leads.
    with app.app_context():
        consultation = make_consultation(outcomes=("A", "B"), groups=("Funders", "Users"), k=3)
        consultation.weighting = Weighting.GROUPS
        round_ = consultation.rounds[0]
        for group, size, value in (("Funders", 6, 3.0), ("Users", 3, 1 / 5)):
            for _ in range(size):
                add_judgments(make_member(consultation, group=group), round_, {("A", "B"): value})
        db.session.commit()
        voice = _summary(round_)["voice"]
        assert voice["text"] == (
            "The top priority depends on whose voice counts: A with one person, one voice; "
            "B with each group an equal voice."
        )
        assert [r["chosen"] for r in voice["rows"]] == [False, True]
        flip = voice["flip"]
        assert flip["new_top"] == "A"
        assert "then comes first" in voice["flip_text"]
        # B leads while the users' share of voice w satisfies (1-w)·ln 3 < w·ln 5.
        w_needed = np.log(3) / (np.log(3) + np.log(5))
        assert flip["weights"]["Users"] == pytest.approx(w_needed, abs=0.01)
        assert flip["distance"] == pytest.approx(0.5 - w_needed, abs=0.01)
