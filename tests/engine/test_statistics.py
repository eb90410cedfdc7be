"""Honest statistics: tested flags, small groups, equal groups, ties and incomplete CR.

Every expected value is derived by hand (in the comments) or computed independently
of the engine's own code path.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from scipy import stats
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform

from deliberate.engine import JudgmentTable, analyze, public_view, to_text
from deliberate.engine.aggregate import combine, mix, parts, to_pairs
from deliberate.engine.consistency import (
    RI_FLOOR,
    RI_INCOMPLETE,
    assessable,
    consistency_ratio,
    cr_threshold,
)
from deliberate.engine.disagreement import _best_split, adjusted_rand, clusters
from deliberate.engine.inference import adjust, contested, sign_flip
from deliberate.engine.priorities import priorities
from deliberate.engine.synthetic import random_lambda, synthetic_table

LN2, LN3 = math.log(2), math.log(3)


def table(records: list[tuple[str, str, str, str, float]]) -> JudgmentTable:
    return JudgmentTable.from_records(records)


# --------------------------------------------------------------------------- the tests


def test_sign_flip_exact_by_enumeration() -> None:
    # x = (ln2, ln2, ln3): of the 8 sign patterns only all-plus and all-minus reach |sum|.
    x = np.array([[LN2], [LN2], [LN3]])
    assert sign_flip(x, np.ones_like(x, bool))[0] == pytest.approx(2 / 8)
    # (ln2, -ln2, ln3, 0): the zero does not count; |sum| = ln3 is reached by patterns
    # (±ln2 ∓ln2 ±ln3) with the ln3 sign matching: 4 of 8 → 0.5... enumerate independently.
    values = np.array([LN2, -LN2, LN3, 0.0])
    observed = abs(values.sum())
    mags = np.abs(values[values != 0])
    hits = sum(abs(np.dot(s, mags)) >= observed - 1e-12 for s in product((1, -1), repeat=mags.size))
    x = values[:, None]
    assert sign_flip(x, np.ones_like(x, bool))[0] == pytest.approx(hits / 2**mags.size)
    # one answer proves nothing
    assert sign_flip(np.array([[LN3]]), np.ones((1, 1), bool))[0] == 1.0


def test_benjamini_hochberg_by_hand() -> None:
    # sorted .01 .03 .04 .5 → .01·4/1 = .04, .03·4/2 = .06, .04·4/3 = .0533, .5; step-up
    # minimum from the top: .04, .0533, .0533, .5.
    p = np.array([0.04, 0.01, np.nan, 0.5, 0.03])
    out = adjust(p)
    assert out[[1, 4, 0, 3]] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(out[2])


def test_contested_needs_a_real_split() -> None:
    # 20 members: 10 vs 10 is a split; 18 vs 2 is not (2/20 = 10% < 15%).
    for_a = np.array([[10], [18]])
    for_b = np.array([[10], [2]])
    answered = np.array([[20], [20]])
    result = contested(for_a, for_b, answered)
    # P(X ≥ 10 | 20, 0.15) by the binomial sum, BH over two tests
    tail = sum(math.comb(20, k) * 0.15**k * 0.85 ** (20 - k) for k in range(10, 21))
    assert result.p_value[0, 0] == pytest.approx(min(2 * tail, 1.0) if tail > 0.5 else 2 * tail)
    assert result.flag[:, 0].tolist() == [True, False]


def camp(name: str, size: int, value: float, prefix: str = "") -> list:
    """``size`` members of group ``name`` judging pair a–b at ``value`` and a–c, b–c at 1."""
    records = []
    for k in range(size):
        pid = f"{prefix or name}{k}"
        records += [
            (pid, name, "a", "b", value),
            (pid, name, "a", "c", 1.0),
            (pid, name, "b", "c", 1.0),
        ]
    return records


def test_one_person_group_raises_no_flag_interval_or_consensus() -> None:
    # 20 put a 9× above b; one person in "solo" puts b 9× above a.
    report = analyze(table(camp("many", 20, 9.0) + camp("solo", 1, 1 / 9)), bootstrap=200)
    ab = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    assert ab["conflict_between_groups"] is False
    assert ab["group_sides"] == {"many": "a", "solo": None}
    assert ab["group_p"]["solo"] is None
    assert ab["group_intervals"]["solo"] is None
    solo = report["groups"]["solo"]
    assert solo["intervals"] is None
    assert solo["consensus"] is None and solo["consensus_band"] is None
    assert report["groups"]["many"]["intervals"] is not None
    assert report["groups"]["solo"]["distinctive"] == []


def test_one_person_gets_no_interval_no_rank_probability_and_no_consensus() -> None:
    # one person, bootstrap on: every resample is that person, so any interval would have
    # zero width ([64.8, 64.8]) and every rank probability 0 or 1; S* of one is 100%.
    records = [("me", "g", "a", "b", 3.0), ("me", "g", "a", "c", 5.0), ("me", "g", "b", "c", 2.0)]
    report = analyze(table(records), bootstrap=200)
    for block in (report["overall"], report["groups"]["g"]):
        assert block["intervals"] is None
        assert block["consensus"] is None and block["consensus_band"] is None
        assert block["kendall_w"] is None
    assert report["overall"]["rank_probabilities"] is None
    assert all(e["overall"]["interval"] is None for e in report["by_outcome"])
    consensus = to_text(report).split("Consensus")[1].split("Most contested")[0]
    assert "S*" in consensus and "%" not in consensus


def test_groups_under_five_get_no_interval_and_intervals_say_what_they_are() -> None:
    report = analyze(table(camp("four", 4, 3.0) + camp("six", 6, 1 / 3)), bootstrap=100)
    assert report["groups"]["four"]["intervals"] is None
    assert report["groups"]["six"]["intervals"] is not None
    assert "another sample of people" in report["method"]["intervals"]
    assert "another sample of people like" in to_text(report)


def test_unanimous_equal_pair_converges_and_is_not_contested() -> None:
    # everyone rates a and b equal: 100% on the modal answer, (K_g + 1)/(K_g + 2) per group
    report = analyze(table(camp("f", 5, 1.0) + camp("u", 7, 1.0)), bootstrap=0)
    ab = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    assert ab["share_equal"] == 1.0 and ab["share_a"] == 0.0
    assert ab["convergence"] == pytest.approx(6 / 7 * 8 / 9)
    assert ab["contested_within"] == [] and ab["conflict_between_groups"] is False
    text = to_text(report)
    assert "No pair divides the groups" in text
    assert "a vs b" not in text  # the unanimous pair does not pad the contested list


def test_no_equal_share_without_equal_answers() -> None:
    # thirds of the voice: 1 − 1/3 − 2/3 leaves float residue; shares come from counts.
    records = camp("f", 1, 3.0) + camp("g", 1, 3.0) + camp("h", 1, 1 / 3)
    report = analyze(table(records), weighting="groups", bootstrap=0)
    ab = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    assert ab["share_equal"] == 0.0
    assert ab["share_a"] == pytest.approx(2 / 3)


def test_distinctive_names_at_most_one_side_and_needs_the_group_majority() -> None:
    # "split" is 10 for a and 10 for b while everyone else rates a–b equal: both of its
    # shares exceed the rest's, but its majority is on neither side, so no claim.
    records = camp("rest", 30, 1.0)
    records += camp("split", 10, 4.0) + camp("split", 10, 1 / 4, prefix="other")
    report = analyze(table(records), bootstrap=0)
    assert report["groups"]["split"]["distinctive"] == []
    # a clear case: 15 for a against a rest of 30 equal → one claim, side a, p by Fisher
    report = analyze(table(camp("rest", 30, 1.0) + camp("keen", 15, 4.0)), bootstrap=0)
    claims = report["groups"]["keen"]["distinctive"]
    assert [(d["favours"], d["over"]) for d in claims] == [("a", "b")]
    raw = 2 * stats.hypergeom.sf(14, 45, 15, 15)
    # BH over the tested cells: 3 pairs × 2 groups, only this one below 1
    assert claims[0]["p_value"] == pytest.approx(min(raw * 6, 1.0))


def test_equal_groups_are_equal_when_a_member_skips() -> None:
    # A: two members x/y = 3; B mirror image: one member y over x 3×, one skipping x–y.
    # Group means of ln(x/y): ln3 and −ln3, so equal groups give 1; everything else is 1.
    records = []
    members = (("a1", "A", 3.0), ("a2", "A", 3.0), ("b1", "B", 1 / 3), ("b2", "B", None))
    for pid, group, xy in members:
        if xy is not None:
            records.append((pid, group, "x", "y", xy))
        records += [(pid, group, "x", "z", 1.0), (pid, group, "y", "z", 1.0)]
    t = table(records)
    w = analyze(t, weighting="groups", bootstrap=0)["overall"]["weights"]
    assert w["x"] == pytest.approx(w["y"], abs=1e-12)
    # custom 3:1 with RGM: ln a_xy = .75 ln3 − .25 ln3 = ln3/2, w_x/w_y = a_xy^(2/3) = 3^(1/3)
    w = analyze(t, weighting="custom", group_weights={"A": 3, "B": 1}, priority="rgm", bootstrap=0)[
        "overall"
    ]["weights"]
    assert w["x"] / w["y"] == pytest.approx(3 ** (1 / 3), rel=1e-12)
    # one person one voice pools the answers: ln a_xy = (ln3 + ln3 − ln3)/3, ratio 3^(2/9)
    w = analyze(t, weighting="person", priority="rgm", bootstrap=0)["overall"]["weights"]
    assert w["x"] / w["y"] == pytest.approx(3 ** (2 / 9), rel=1e-12)


def test_tied_top_is_no_flip() -> None:
    # equal groups, a/b = 3 and 1/3: a and b tie on top; moving voice either way puts one of
    # them on top, which is no change of the top.
    records = camp("f", 3, 3.0) + camp("u", 3, 1 / 3)
    sens = analyze(table(records), weighting="groups", bootstrap=0)["sensitivity"]
    assert sens["flip"] is None
    assert sens["stable_top"] == 1.0 and sens["stable_ranking"] == 1.0


def dense_flip(t: JudgmentTable, chosen: np.ndarray, top: int, steps: int) -> float:
    """Nearest weighting (total variation) on a dense simplex grid that changes the top.

    Brute force over every grid point of step ``1/steps`` (3 groups), evaluating AIJ/EV
    of the group-weighted mixture for all points at once.
    """
    x, m = to_pairs(t.log_judgments, t.mask)
    log_w = np.log(priorities(t.log_judgments, t.mask, "ev")[0])
    gparts = []
    for g in range(3):
        idx = np.flatnonzero(t.group_index == g)
        gparts.append(parts(np.full((1, idx.size), 1 / idx.size), x[idx], m[idx], log_w[idx]))
    grid = (
        np.array([(i, j, steps - i - j) for i in range(steps + 1) for j in range(steps + 1 - i)])
        / steps
    )
    w = combine(mix(grid, gparts), t.n, "ev", "aij")
    flipped = w.max(1) > w[:, top] + 1e-9
    return float((0.5 * np.abs(grid - chosen).sum(1))[flipped].min())


@pytest.mark.parametrize("seed", [4, 14])
def test_smallest_flip_within_one_percent_of_dense_search(seed: int) -> None:
    t = synthetic_table(18, 3, groups=3, noise=0.8, skip=0.0, seed=seed)
    report = analyze(t, bootstrap=0)
    flip = report["sensitivity"]["flip"]
    steps = 400
    chosen = np.array(list(report["method"]["group_weights"].values()))
    base = report["overall"]["weights"]
    top = report["outcomes"].index(max(base, key=base.__getitem__))
    dense = dense_flip(t, chosen, top, steps)
    assert flip is not None and math.isfinite(dense)
    # the dense grid overestimates the true minimum by at most its spacing
    assert flip["distance"] <= dense * 1.01 + 1e-9
    assert flip["distance"] >= dense - 1.5 / steps


def test_omega_squared_and_eta_null_by_hand() -> None:
    records = camp("f", 3, 2.0) + camp("f2", 1, 3.0) + camp("u", 3, 1 / 2)
    report = analyze(table(records), bootstrap=0)
    ab = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    x = np.array([LN2] * 3 + [LN3] + [-LN2] * 3)
    groups = [x[:3], x[3:4], x[4:]]
    grand = x.mean()
    ss_b = sum(g.size * (g.mean() - grand) ** 2 for g in groups)
    ss_t = ((x - grand) ** 2).sum()
    ms_w = (ss_t - ss_b) / (7 - 3)
    assert ab["eta_squared"] == pytest.approx(ss_b / ss_t)
    assert ab["omega_squared"] == pytest.approx((ss_b - 2 * ms_w) / (ss_t + ms_w))
    assert ab["eta_squared_null"] == pytest.approx(2 / 6)


def test_one_population_gives_one_cluster_and_camps_two() -> None:
    t = synthetic_table(60, 5, groups=1, noise=0.6, seed=2)
    lw, _ = priorities(t.log_judgments, t.mask, "ev")
    points = np.log(lw) - np.log(lw).mean(1, keepdims=True)
    assert clusters(points, seed=0).k == 1
    shift = np.where(np.arange(5) < 2, 1.0, -1.0)
    camps = np.vstack([points + shift, points - shift])
    found = clusters(camps - camps.mean(1, keepdims=True), seed=0)
    assert found.k == 2


def _silhouette_by_definition(points: np.ndarray, labels: np.ndarray) -> float:
    """Rousseeuw's mean silhouette, point by point from the definition."""
    dist = squareform(pdist(points))
    values = []
    for i, own in enumerate(labels):
        mates = (labels == own) & (np.arange(labels.size) != i)
        if not mates.any():
            values.append(0.0)
            continue
        a = dist[i, mates].mean()
        b = min(dist[i, labels == other].mean() for other in set(labels.tolist()) - {own})
        values.append((b - a) / max(a, b))
    return float(np.mean(values))


@pytest.mark.parametrize("seed", range(6))
def test_the_best_split_is_scipys_ward_cut_with_the_best_silhouette(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = [12, 40, 150, 300, 700, 61][seed]
    points = rng.standard_normal((size, 4)) + np.repeat(rng.normal(0, 3, (3, 4)), size, 0)[:size]
    if seed == 5:
        points = np.round(points)  # tied distances
    tree = linkage(points, method="ward")
    cuts = [fcluster(tree, k, criterion="maxclust") for k in range(2, 9)]
    scores = [_silhouette_by_definition(points, labels) for labels in cuts]
    score, labels = _best_split(points)
    best = int(np.argmax(scores))
    assert score == pytest.approx(scores[best], abs=1e-12)
    assert adjusted_rand(labels, cuts[best]) == pytest.approx(1.0)


def random_cr(n: int, missing: int, runs: int, seed: int, use_missing: bool) -> float:
    """Share of random matrices judged consistent (values uniform on Saaty's scale)."""
    lam = random_lambda(np.random.default_rng(seed), n, missing, runs)
    cr = consistency_ratio(lam, n, missing=np.full(runs, missing) if use_missing else None)
    return float(np.mean(np.isfinite(cr) & (cr <= cr_threshold(n))))


def test_random_incomplete_answers_pass_no_more_often_than_complete() -> None:
    complete = random_cr(5, 0, 4000, 1, True)
    assert complete < 0.01  # Saaty's RI: 0.3 % of random 5×5 matrices pass
    for missing in (2, 4, 5):
        assert random_cr(5, missing, 4000, 2, True) <= max(complete, RI_FLOOR) + 0.003
    # the complete-matrix RI would pass about 29 % with 4 of 10 missing
    assert random_cr(5, 4, 4000, 3, False) > 0.2
    assert set(RI_INCOMPLETE) == set(range(4, 10))


def test_one_cycle_left_of_five_is_not_assessable_and_never_excluded() -> None:
    # n = 5 answered on the path a–b–c–d–e plus a–c: 5 of 10 missing, one 3-cycle with
    # a/b = 2, b/c = 2 but a/c = 9 (should be 4). Exactly consistent random 3-cycles are
    # those with a_ab·a_bc = a_ac: by enumeration of the 17 scale values, 85 of the 289
    # products (a_ab, a_bc) fall on the scale, and a_ac then matches with chance 1/17, so
    # 85/4913 = 1.7 % of random one-cycle matrices pass whatever the random index — more
    # than complete 5×5 random matrices (0.3 %). So the CR is not assessable.
    scale = {Fraction(k) for k in range(1, 10)} | {Fraction(1, k) for k in range(2, 10)}
    on_scale = sum(a * b in scale for a in scale for b in scale)
    assert on_scale == 85 and on_scale / 17**3 > random_cr(5, 0, 4000, 1, True)
    answers = [("a", "b", 2.0), ("b", "c", 2.0), ("a", "c", 9.0), ("c", "d", 1.0)]
    answers.append(("d", "e", 1.0))
    records = [("p", "g", a, b, v) for a, b, v in answers]
    records += [("q", "g", a, b, 1.0) for a, b in zip("abcd", "bcde", strict=True)]
    report = analyze(table(records), exclude_inconsistent=True, bootstrap=0)
    p, q = report["participants"]
    assert p["cr"] is None and p["cr_assessable"] is False
    assert p["consistent"] is True and p["excluded"] is False  # not shown inconsistent
    # q answered a spanning path only (a tree): nothing can contradict itself
    assert q["cr"] is None and q["cr_assessable"] is False
    assert "CR not assessable (too few comparisons to tell care from chance): 2" in to_text(report)
    assert assessable(5, np.array([0, 4, 5, 6])).tolist() == [True, True, False, False]
    assert assessable(3, np.array([0, 1])).tolist() == [True, False]


def test_the_count_without_inconsistency_keeps_those_too_few_to_assess() -> None:
    # 3 answer every pair of a, b, c consistently (CR 0), 2 contradict themselves (a > b,
    # b > c, c > a) and 3 answer a spanning path only, whose consistency nobody can tell.
    records = []
    for k in range(3):
        records += [(f"ok{k}", "g", "a", "b", 2.0), (f"ok{k}", "g", "b", "c", 2.0)]
        records += [(f"ok{k}", "g", "a", "c", 4.0)]
    for k in range(2):
        records += [(f"loop{k}", "g", "a", "b", 5.0), (f"loop{k}", "g", "b", "c", 5.0)]
        records += [(f"loop{k}", "g", "a", "c", 1 / 5)]
    for k in range(3):
        records += [(f"path{k}", "g", "a", "b", 3.0), (f"path{k}", "g", "b", "c", 1.0)]
    report = analyze(table(records), bootstrap=0)
    assessed = {p["id"]: (p["cr_assessable"], p["consistent"]) for p in report["participants"]}
    assert assessed["ok0"] == (True, True) and assessed["loop0"] == (True, False)
    assert assessed["path0"] == (False, True)
    view = public_view(report, k=2)
    assert view["participation"]["consistent"] == 6  # "no inconsistency": 3 + 3
    assert public_view(report, k=3)["participation"]["consistent"] is None  # 2 on one side
    # The view without inconsistent answers keeps the 3 who cannot be assessed: its size is
    # the count above, so the two views together tell nothing about how many they are.
    kept = analyze(table(records), bootstrap=0, exclude_inconsistent=True)
    assert public_view(kept, k=2)["groups"]["g"]["size"] == 6


def test_incomplete_cr_of_a_four_cycle_by_hand() -> None:
    # n = 4 answered on the cycle a–b–c–d–a only (a–c, b–d missing), each step t = 2 in the
    # same direction (a/b = b/c = c/d = d/a = 2). Harker's matrix has diagonal 1 + 1 and is
    # circulant, rows (2, t, 0, 1/t): its Perron eigenvalue is 2 + t + 1/t = 4.5, so
    # CI = (4.5 − 4)/3 = 1/6 and CR = (1/6) / RI(4, 2 missing).
    answers = [("a", "b", 2.0), ("b", "c", 2.0), ("c", "d", 2.0), ("a", "d", 0.5)]
    report = analyze(table([("p", "g", a, b, v) for a, b, v in answers]), bootstrap=0)
    person = report["participants"][0]
    assert person["lambda_max"] == pytest.approx(4.5)
    assert person["cr"] == pytest.approx((1 / 6) / RI_INCOMPLETE[4][1])
    assert person["cr_assessable"] is True and person["consistent"] is False
    assert person["weights"]["a"] == pytest.approx(0.25)  # circulant: equal weights


def test_public_view_shows_no_conflict_whose_other_side_is_withheld() -> None:
    # 12 put a 4× above b, a withheld group of 8 the reverse: the full report has the
    # conflict; readers who cannot see the small group are not told of it.
    report = analyze(table(camp("big", 12, 4.0) + camp("small", 8, 1 / 4)), bootstrap=0)
    ab = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    assert ab["conflict_between_groups"] is True
    view = public_view(report, 10)
    shown = next(p for p in view["pairs"] if (p["a"], p["b"]) == ("a", "b"))
    assert shown["conflict_between_groups"] is None and shown["conflict_p"] is None
    assert shown["group_sides"] == {"big": "a"}
