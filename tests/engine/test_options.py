"""Options appraisal: published hierarchies, ahpy computed independently, synthesis rules."""

from __future__ import annotations

import itertools
import math

import ahpy
import numpy as np
import pytest
from scipy import stats

from deliberate.engine import analyze
from deliberate.engine.judgments import JudgmentError, JudgmentTable, value_on_line
from deliberate.engine.options import (
    Appraisal,
    best_probability,
    frontier,
    local_priorities,
    normalise_local,
    synthesise,
    value_intervals,
)
from deliberate.engine.priorities import priorities

HIGH = 12  # ahpy precision for the independent computation


def ev_weights(names: list[str], comparisons: dict[tuple[str, str], float]) -> np.ndarray:
    """Our eigenvector priorities of one complete judgment matrix."""
    n = len(names)
    logs = np.zeros((1, n, n))
    for (a, b), v in comparisons.items():
        i, j = names.index(a), names.index(b)
        logs[0, i, j], logs[0, j, i] = math.log(v), -math.log(v)
    return priorities(logs, ~np.eye(n, dtype=bool)[None], "ev")[0][0]


def single_assessor(
    options: list[str], per_outcome: dict[str, dict[tuple[str, str], float]]
) -> Appraisal:
    records = [
        (line, ("panel", outcome, a, b, v))
        for line, (outcome, ((a, b), v)) in enumerate(
            ((o, c) for o, comps in per_outcome.items() for c in comps.items()), start=2
        )
    ]
    return Appraisal.from_pairwise(
        records, value_on_line, options=options, outcomes=list(per_outcome)
    )


def point_values(appraisal: Appraisal, outcome_weights: np.ndarray, synthesis: str) -> np.ndarray:
    A = len(appraisal.assessors)
    local = local_priorities(appraisal, np.full((1, A), 1 / A), synthesis)[0]
    return synthesise(outcome_weights, local)


# --- ahpy README: choosing a leader (three candidates, four criteria) ---------------------

LEADERS = ["Moll", "Nell", "Sue"]
LEADER_CRITERIA = {
    ("Experience", "Education"): 4,
    ("Experience", "Charisma"): 3,
    ("Experience", "Age"): 7,
    ("Education", "Charisma"): 1 / 3,
    ("Education", "Age"): 3,
    ("Charisma", "Age"): 5,
}
LEADER_JUDGMENTS = {
    "Experience": {("Moll", "Nell"): 1 / 4, ("Moll", "Sue"): 4, ("Nell", "Sue"): 9},
    "Education": {("Moll", "Nell"): 3, ("Moll", "Sue"): 1 / 5, ("Nell", "Sue"): 1 / 7},
    "Charisma": {("Moll", "Nell"): 5, ("Moll", "Sue"): 9, ("Nell", "Sue"): 4},
    "Age": {("Moll", "Nell"): 1 / 3, ("Moll", "Sue"): 5, ("Nell", "Sue"): 9},
}
#: Published in ahpy 2.1's README (``criteria.target_weights``, precision 3).
LEADER_PUBLISHED = {"Nell": 0.493, "Moll": 0.358, "Sue": 0.15}


def test_leader_choice_reproduces_ahpy_readme() -> None:
    criteria = list(LEADER_JUDGMENTS)
    w = ev_weights(criteria, LEADER_CRITERIA)
    values = point_values(single_assessor(LEADERS, LEADER_JUDGMENTS), w, "distributive")
    ours = dict(zip(LEADERS, values, strict=True))
    # ahpy rounds every local weight to the precision (3) before synthesis, so the
    # published figures may differ from the exact ones by one unit in the last place.
    for name, published in LEADER_PUBLISHED.items():
        assert abs(ours[name] - published) <= 1e-3 + 1e-9, (name, ours[name])
    assert sorted(ours, key=ours.get, reverse=True) == list(LEADER_PUBLISHED)
    # The same hierarchy in ahpy at full precision.
    top = ahpy.Compare("Criteria", LEADER_CRITERIA, precision=HIGH, random_index="saaty")
    children = [
        ahpy.Compare(c, LEADER_JUDGMENTS[c], precision=HIGH, random_index="saaty") for c in criteria
    ]
    top.add_children(children)
    for name in LEADERS:
        assert ours[name] == pytest.approx(top.target_weights[name], abs=1e-6)


# --- ahpy README: purchasing a vehicle (six cars, a two-level criteria hierarchy) --------

VEHICLES = ["Accord Sedan", "Accord Hybrid", "Pilot", "CR-V", "Element", "Odyssey"]
VEHICLE_VALUES = {
    "Price": (9, 9, 1, 1 / 2, 5, 1, 1 / 9, 1 / 9, 1 / 7, 1 / 9, 1 / 9, 1 / 7, 1 / 2, 5, 6),
    "Safety": (1, 5, 7, 9, 1 / 3, 5, 7, 9, 1 / 3, 2, 9, 1 / 8, 2, 1 / 8, 1 / 9),
    "Passenger": (1, 1 / 2, 1, 3, 1 / 2, 1 / 2, 1, 3, 1 / 2, 2, 6, 1, 3, 1 / 2, 1 / 6),
    "Fuel": (
        1 / 1.13,
        1.41,
        1.15,
        1.24,
        1.19,
        1.59,
        1.3,
        1.4,
        1.35,
        1 / 1.23,
        1 / 1.14,
        1 / 1.18,
        1.08,
        1.04,
        1 / 1.04,
    ),
    "Resale": (3, 4, 1 / 2, 2, 2, 2, 1 / 5, 1, 1, 1 / 6, 1 / 2, 1 / 2, 4, 4, 1),
    "Maintenance": (1.5, 4, 4, 4, 5, 4, 4, 4, 5, 1, 1.2, 1, 1, 3, 2),
    "Style": (1, 7, 5, 9, 6, 7, 5, 9, 6, 1 / 6, 3, 1 / 3, 7, 5, 1 / 5),
    "Cargo": (
        1,
        1 / 2,
        1 / 2,
        1 / 2,
        1 / 3,
        1 / 2,
        1 / 2,
        1 / 2,
        1 / 3,
        1,
        1,
        1 / 2,
        1,
        1 / 2,
        1 / 2,
    ),
}
CAR_CRITERIA = {
    ("Cost", "Safety"): 3,
    ("Cost", "Style"): 7,
    ("Cost", "Capacity"): 3,
    ("Safety", "Style"): 9,
    ("Safety", "Capacity"): 1,
    ("Style", "Capacity"): 1 / 7,
}
CAR_COST = {
    ("Price", "Fuel"): 2,
    ("Price", "Maintenance"): 5,
    ("Price", "Resale"): 3,
    ("Fuel", "Maintenance"): 2,
    ("Fuel", "Resale"): 2,
    ("Maintenance", "Resale"): 1 / 2,
}
CAR_CAPACITY = {("Cargo", "Passenger"): 1 / 5}
#: Published in ahpy 2.1's README (``criteria.target_weights``, precision 3).
CAR_PUBLISHED = {
    "Odyssey": 0.219,
    "Accord Sedan": 0.215,
    "CR-V": 0.167,
    "Accord Hybrid": 0.15,
    "Element": 0.144,
    "Pilot": 0.106,
}


def test_car_choice_reproduces_ahpy_readme() -> None:
    pairs = list(itertools.combinations(VEHICLES, 2))
    judgments = {c: dict(zip(pairs, v, strict=True)) for c, v in VEHICLE_VALUES.items()}
    top = dict(zip(["Cost", "Safety", "Style", "Capacity"], ev_weights(
        ["Cost", "Safety", "Style", "Capacity"], CAR_CRITERIA), strict=True))  # fmt: skip
    cost = dict(zip(["Price", "Fuel", "Maintenance", "Resale"], ev_weights(
        ["Price", "Fuel", "Maintenance", "Resale"], CAR_COST), strict=True))  # fmt: skip
    capacity = dict(zip(["Cargo", "Passenger"], ev_weights(
        ["Cargo", "Passenger"], CAR_CAPACITY), strict=True))  # fmt: skip
    # One level of outcomes: the leaf criteria with their global weights.
    leaf = {k: top["Cost"] * v for k, v in cost.items()}
    leaf |= {k: top["Capacity"] * v for k, v in capacity.items()}
    leaf |= {"Safety": top["Safety"], "Style": top["Style"]}
    outcomes = list(VEHICLE_VALUES)
    appraisal = single_assessor(VEHICLES, judgments)
    values = point_values(appraisal, np.array([leaf[o] for o in outcomes]), "distributive")
    ours = dict(zip(VEHICLES, values, strict=True))
    for name, published in CAR_PUBLISHED.items():
        assert abs(ours[name] - published) <= 1e-3 + 1e-9, (name, ours[name])
    assert sorted(ours, key=ours.get, reverse=True) == list(CAR_PUBLISHED)
    # The same two-level hierarchy in ahpy at full precision.
    compare = {c: ahpy.Compare(c, judgments[c], precision=HIGH) for c in outcomes}
    criteria = ahpy.Compare("Criteria", CAR_CRITERIA, precision=HIGH)
    cost_node = ahpy.Compare("Cost", CAR_COST, precision=HIGH)
    capacity_node = ahpy.Compare("Capacity", CAR_CAPACITY, precision=HIGH)
    cost_node.add_children([compare[c] for c in ("Price", "Fuel", "Maintenance", "Resale")])
    capacity_node.add_children([compare["Cargo"], compare["Passenger"]])
    criteria.add_children([cost_node, compare["Safety"], compare["Style"], capacity_node])
    for name in VEHICLES:
        assert ours[name] == pytest.approx(criteria.target_weights[name], abs=1e-6)


# --- aggregation over assessors -----------------------------------------------------------


def test_pairwise_panel_is_the_eigenvector_of_the_geometric_mean_matrix() -> None:
    rng = np.random.default_rng(3)
    options = ["A", "B", "C", "D"]
    scale = [1 / 9, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 9]
    pairs = list(itertools.combinations(options, 2))
    records, line = [], 1
    given: dict[tuple[str, str, str], list[float]] = {}
    for assessor in ("x", "y", "z"):
        for outcome in ("Equity", "Prevention"):
            for a, b in pairs:
                if assessor == "z" and (a, b) == ("A", "B"):
                    continue  # one skipped pair: AIJ renormalises over those who answered
                v = float(rng.choice(scale))
                line += 1
                records.append((line, (assessor, outcome, a, b, v)))
                given.setdefault((outcome, a, b), []).append(v)
    appraisal = Appraisal.from_pairwise(records, value_on_line)
    local = local_priorities(appraisal, np.full((1, 3), 1 / 3), "distributive")[0]
    for k, outcome in enumerate(("Equity", "Prevention")):
        mean = {(a, b): math.exp(np.mean(np.log(given[outcome, a, b]))) for a, b in pairs}
        theirs = ahpy.Compare(outcome, mean, precision=HIGH)
        expected = [theirs.local_weights[o] for o in options]
        np.testing.assert_allclose(local[k], expected, atol=1e-9)


def test_ratings_are_mean_scores_normalised_by_sum_or_max() -> None:
    rows = [
        ("x", "Keep", "Equity", 4), ("x", "Hub", "Equity", 8), ("x", "Digital", "Equity", 2),
        ("y", "Keep", "Equity", 6), ("y", "Hub", "Equity", 7),
        ("x", "Keep", "Access", 0), ("x", "Hub", "Access", 0), ("x", "Digital", "Access", 0),
    ]  # fmt: skip
    appraisal = Appraisal.from_ratings(enumerate(rows, start=2))
    weights = np.full((1, 2), 0.5)
    mean_equity = np.array([5.0, 7.5, 2.0])  # Digital rated by x only
    dist = local_priorities(appraisal, weights, "distributive")[0]
    ideal = local_priorities(appraisal, weights, "ideal")[0]
    np.testing.assert_allclose(dist[0], mean_equity / 14.5)
    np.testing.assert_allclose(ideal[0], mean_equity / 7.5)
    np.testing.assert_array_equal(dist[1], 0.0)  # no option scores on Access
    np.testing.assert_array_equal(ideal[1], 0.0)


def test_ideal_mode_keeps_the_ranking_when_a_copy_is_added_distributive_does_not() -> None:
    weights = np.full(3, 1 / 3)
    scores = np.array([[1, 9, 8], [9, 1, 9], [8, 1, 8]], float).T  # (outcome, option A B C)
    with_copy = np.column_stack([scores, scores[:, 0]])  # D, a copy of A
    for synthesis, reverses in (("distributive", True), ("ideal", False)):
        before = synthesise(weights, normalise_local(scores, synthesis))
        after = synthesise(weights, normalise_local(with_copy, synthesis))
        assert (before[0] > before[1]) != (after[0] > after[1]) or not reverses
        assert ((before[0] > before[1]) == (after[0] > after[1])) or reverses
    ideal_before = synthesise(weights, normalise_local(scores, "ideal"))
    ideal_after = synthesise(weights, normalise_local(with_copy, "ideal"))
    np.testing.assert_allclose(ideal_after[:3], ideal_before)


def test_best_probability_shares_ties_and_ignores_failed_replicates() -> None:
    samples = np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.1, 0.2, 0.7], [np.nan, 0, 0]])
    np.testing.assert_allclose(best_probability(samples), [1.5 / 3, 0.5 / 3, 1 / 3])


def test_frontier_keeps_options_not_beaten_on_value_and_cost() -> None:
    values = np.array([0.30, 0.25, 0.40, 0.20, 0.35])
    costs = np.array([100.0, 120.0, 200.0, 80.0, np.nan])
    # 1 is beaten by 0 (more value, less cost); 4 has no cost.
    assert frontier(values, costs) == [3, 0, 2]


# --- the options block of a full analysis -------------------------------------------------


def divided_table(skipping: int = 0) -> JudgmentTable:
    """Funders weigh Cost; users weigh Access. 12 funders, 8 users, one outcome pair.

    The first ``skipping`` funders skip Cost–Equity.
    """
    rng = np.random.default_rng(5)
    records = []
    for k in range(20):
        group = "funders" if k < 12 else "users"
        base = 5 if group == "funders" else 1 / 5
        value = float(np.clip(base * math.exp(rng.normal(0, 0.3)), 1 / 9, 9))
        records.append((f"p{k}", group, "Cost", "Access", value))
        if k >= skipping:
            records.append((f"p{k}", group, "Cost", "Equity", 2.0 if group == "funders" else 0.5))
        records.append((f"p{k}", group, "Access", "Equity", 1.0))
    return JudgmentTable.from_records(records)


def divided_appraisal() -> Appraisal:
    rows = []
    for assessor, noise in (("a1", 0), ("a2", 1), ("a3", -1)):
        rows += [
            (assessor, "Lean", "Cost", 9 + min(noise, 0)),
            (assessor, "Lean", "Access", 2 + noise),
            (assessor, "Lean", "Equity", 5),
            (assessor, "Broad", "Cost", 3),
            (assessor, "Broad", "Access", 9 + min(noise, 0)),
            (assessor, "Broad", "Equity", 6 + noise),
        ]
    return Appraisal.from_ratings(enumerate(rows, start=2))


def test_analysis_options_block_follows_the_groups() -> None:
    table = divided_table()
    report = analyze(
        table,
        appraisal=divided_appraisal(),
        bootstrap=300,
        option_costs={"Lean": 1.0e6, "Broad": 1.6e6},
    )
    block = report["options"]
    assert block["names"] == ["Lean", "Broad"]
    assert set(block["local"]) == {"Cost", "Access", "Equity"}
    for key in ("value", "intervals", "best_probability"):
        assert set(block["overall"][key]) == {"Lean", "Broad"}
    # Values recomputed independently from the reported weights and local priorities.
    for name, weights in [("overall", report["overall"]["weights"])] + [
        (g, report["groups"][g]["weights"]) for g in ("funders", "users")
    ]:
        target = block["overall"] if name == "overall" else block["groups"][name]
        for option in block["names"]:
            expected = sum(weights[o] * block["local"][o][option] for o in weights)
            assert target["value"][option] == pytest.approx(expected, abs=1e-12)
    assert block["groups"]["funders"]["best"] == "Lean"
    assert block["groups"]["users"]["best"] == "Broad"
    probs = block["overall"]["best_probability"]
    assert sum(probs.values()) == pytest.approx(1.0)
    for option, (lo, hi) in block["overall"]["intervals"].items():
        assert lo <= block["overall"]["value"][option] + 0.02 and hi >= lo
    # Both options are on the frontier: Broad costs more and delivers more, or less.
    lean, broad = (block["overall"]["value"][o] for o in ("Lean", "Broad"))
    assert block["frontier"] == (["Lean", "Broad"] if broad > lean else ["Lean"])
    assert block["value_per_cost"]["Lean"] == pytest.approx(lean / 1.0e6)
    # The smallest change of voice that changes the best option, checked by re-running
    # the analysis at those group weights.
    flip = block["sensitivity"]["flip"]
    assert flip is not None and flip["new_best"] != block["overall"]["best"]
    again = analyze(
        table,
        appraisal=divided_appraisal(),
        bootstrap=0,
        weighting="custom",
        group_weights=flip["weights"],
    )
    assert again["options"]["overall"]["best"] == flip["new_best"]
    assert again["options"]["overall"]["intervals"] is None


def test_analysis_reports_when_the_two_syntheses_rank_differently() -> None:
    table = JudgmentTable.from_records(
        [("p", "all", "X", "Y", 1.0), ("p", "all", "X", "Z", 1.0), ("p", "all", "Y", "Z", 1.0)]
    )
    rows = [("a", opt, out, s) for opt, col in zip("ABC", [(1, 9, 8), (9, 1, 9), (8, 1, 8)],
            strict=True) for out, s in zip("XYZ", col, strict=True)]  # fmt: skip
    appraisal = Appraisal.from_ratings(enumerate(rows, start=2))
    dist = analyze(table, appraisal=appraisal, bootstrap=0)["options"]
    ideal = analyze(table, appraisal=appraisal, bootstrap=0, synthesis="ideal")["options"]
    assert dist["overall"]["best"] == "A" and ideal["overall"]["best"] == "B"
    assert dist["other_synthesis"]["same_ranking"] is False
    assert dist["other_synthesis"]["value"] == ideal["overall"]["value"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", "A", "X", 11)], "not a number from 0 to 10"),
        ([("a", "A", "X", "high")], "not a number"),
        ([("a", "A", "X", 3), ("a", "A", "X", 4)], "twice"),
        ([("a", "A", "X", 3)], "2 to 20 options"),
        ([("", "A", "X", 3)], "must be given"),
    ],
)
def test_bad_ratings_are_rejected_with_a_line(rows, message) -> None:
    with pytest.raises(JudgmentError, match=message):
        Appraisal.from_ratings(enumerate(rows, start=2))


def test_appraisal_must_cover_the_weighed_outcomes() -> None:
    table = divided_table()
    rows = [("a", "A", "Cost", 3), ("a", "B", "Cost", 4)]
    with pytest.raises(JudgmentError, match="no option is appraised on outcome"):
        analyze(table, appraisal=Appraisal.from_ratings(enumerate(rows, 2)), bootstrap=0)
    rows = [("a", o, out, 3) for o in "AB" for out in ("Cost", "Access", "Equity", "Joy")]
    with pytest.raises(JudgmentError, match="unknown outcome"):
        analyze(table, appraisal=Appraisal.from_ratings(enumerate(rows, 2)), bootstrap=0)
    rows = [("a", "A", out, 3) for out in ("Cost", "Access", "Equity")] + [("a", "B", "Cost", 1)]
    with pytest.raises(JudgmentError, match="nobody rated B"):
        analyze(table, appraisal=Appraisal.from_ratings(enumerate(rows, 2)), bootstrap=0)
    pairwise = [(2, ("a", out, "A", "B", 3)) for out in ("Cost", "Access", "Equity")] + [
        (3, ("a", "Cost", "B", "C", 2))
    ]
    with pytest.raises(JudgmentError, match="do not connect all options"):
        analyze(table, appraisal=Appraisal.from_pairwise(pairwise, value_on_line), bootstrap=0)


def test_public_view_never_shows_individual_assessors_or_small_groups() -> None:
    from deliberate.engine import public_view

    report = analyze(divided_table(), appraisal=divided_appraisal(), bootstrap=50)
    assert [a["assessor"] for a in report["options"]["assessors"]["individual"]] == [
        "a1",
        "a2",
        "a3",
    ]
    view = public_view(report, k=5)
    assert "individual" not in view["options"]["assessors"]
    assert set(view["options"]["groups"]) == {"funders", "users"}
    view = public_view(report, k=10)  # users (8) withheld
    assert set(view["options"]["groups"]) == {"funders"}
    assert view["options"]["overall"]["by_weighting"] is None
    assert "flip" not in view["options"]["sensitivity"]
    assert "a1" not in str(view["options"])


# --- intervals of option values ---------------------------------------------------------


def test_value_interval_with_one_source_of_spread_is_a_student_t_interval() -> None:
    rng = np.random.default_rng(3)
    value = np.array([0.6, 0.4])
    spread = rng.normal(0.0, 0.02, (400, 1)) * np.array([1.0, -1.0]) + value
    fixed = np.tile(value, (400, 1))
    K, G, A = 30, 3, 6
    # Only the stakeholders vary: df = K − G, standard error inflated by sqrt(K/(K − G)).
    se = spread.std(0, ddof=1) * math.sqrt(K / (K - G))
    half = stats.t.ppf(0.975, K - G) * se
    got = value_intervals(value, spread, K, G, fixed, A)
    np.testing.assert_allclose(got, np.column_stack([value - half, value + half]), rtol=1e-12)
    # Only the assessors vary: df = A − 1, inflated by sqrt(A/(A − 1)).
    se = spread.std(0, ddof=1) * math.sqrt(A / (A - 1))
    half = stats.t.ppf(0.975, A - 1) * se
    got = value_intervals(value, fixed, K, G, spread, A)
    np.testing.assert_allclose(got, np.column_stack([value - half, value + half]), rtol=1e-12)


def test_value_interval_adds_variances_with_welch_satterthwaite_degrees() -> None:
    rng = np.random.default_rng(4)
    value = np.array([0.5])
    people = 0.5 + rng.normal(0.0, 0.03, (500, 1))
    panel = 0.5 + rng.normal(0.0, 0.05, (500, 1))
    K, G, A = 40, 2, 5
    vp = people.var(ddof=1) * K / (K - G)
    va = panel.var(ddof=1) * A / (A - 1)
    df = (vp + va) ** 2 / (vp**2 / (K - G) + va**2 / (A - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(vp + va)
    lo, hi = value_intervals(value, people, K, G, panel, A)[0]
    assert (lo, hi) == pytest.approx((0.5 - half, 0.5 + half), rel=1e-12)
    assert A - 1 < df < K - G


def test_value_intervals_need_five_stakeholders_and_two_assessors_and_stay_in_0_1() -> None:
    value = np.array([0.98, 0.02])
    wide = np.array([[0.9, 0.1], [1.0, 0.0], [0.95, 0.05], [0.99, 0.01]])
    assert np.isnan(value_intervals(value, wide, 4, 1, wide, 3)).all()
    assert np.isnan(value_intervals(value, wide, 10, 1, wide, 1)).all()
    got = value_intervals(value, wide, 10, 1, wide, 3)
    assert got[0, 1] == 1.0 and got[1, 0] == 0.0


def test_one_assessor_gives_no_value_intervals_but_a_chance_of_being_best() -> None:
    rows = [
        ("a1", "Lean", "Cost", 9),
        ("a1", "Lean", "Access", 2),
        ("a1", "Lean", "Equity", 5),
        ("a1", "Broad", "Cost", 3),
        ("a1", "Broad", "Access", 9),
        ("a1", "Broad", "Equity", 6),
    ]
    report = analyze(
        divided_table(), appraisal=Appraisal.from_ratings(enumerate(rows, 2)), bootstrap=200
    )
    block = report["options"]["overall"]
    assert block["intervals"] == {"Lean": None, "Broad": None}
    assert sum(block["best_probability"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("weighting", ["person", "groups"])
def test_options_that_each_serve_one_outcome_flip_where_the_outcomes_do(weighting) -> None:
    # Option "only X" scores 10 on outcome X and 0 elsewhere, so its value is X's weight:
    # the options' sweep must find the outcomes' nearest flip, under either aggregation
    # (which differ when people skip pairs: here most funders skip Cost–Equity).
    table = divided_table(skipping=9)
    rows = [
        ("a", f"only {x}", y, 10 if x == y else 0) for x in table.outcomes for y in table.outcomes
    ]
    appraisal = Appraisal.from_ratings(enumerate(rows, start=2))
    report = analyze(table, appraisal=appraisal, bootstrap=0, weighting=weighting)
    outcomes, options = report["sensitivity"], report["options"]["sensitivity"]
    assert outcomes["flip"] is not None
    assert options["flip"]["distance"] == pytest.approx(outcomes["flip"]["distance"], abs=1e-12)
    assert options["flip"]["new_best"] == f"only {outcomes['flip']['new_top']}"
    assert options["stable_best"] == pytest.approx(outcomes["stable_top"])
