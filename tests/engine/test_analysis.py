"""Whole-report behaviour: groups, disagreement map, bootstrap, sensitivity, public view."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deliberate.engine import (
    JudgmentError,
    JudgmentTable,
    analyze,
    public_view,
    read_judgments_csv,
    to_json,
    to_text,
)
from deliberate.engine.synthetic import synthetic_table

HEADER = "participant,group,outcome_a,outcome_b,value\n"


def two_camps(size: int = 12) -> JudgmentTable:
    """Funders favour cost over benefit and equity; users the reverse."""
    records = []
    for k in range(size):
        for group, v in (("funders", 5), ("users", 1 / 5)):
            records += [
                (f"{group}{k}", group, "cost", "benefit", v * (1 + 0.1 * (k % 6))),
                (f"{group}{k}", group, "cost", "equity", v),
                (f"{group}{k}", group, "benefit", "equity", 2 if k % 2 else 1 / 2),
            ]
    return JudgmentTable.from_records(records)


def test_report_is_plain_json_and_complete() -> None:
    report = analyze(synthetic_table(120, 6, seed=3), bootstrap=200, seed=1)
    text = to_json(report)
    assert json.loads(text) == report
    for key in (
        "outcomes",
        "participants",
        "groups",
        "overall",
        "pairs",
        "clusters",
        "sensitivity",
        "method",
        "by_outcome",
    ):
        assert key in report
    p = report["participants"][0]
    for key in (
        "id",
        "group",
        "weights",
        "lambda_max",
        "cr",
        "cr_alonso_lamata",
        "gci",
        "consistent",
        "answered",
        "most_inconsistent",
    ):
        assert key in p
    for block in (report["overall"], *report["groups"].values()):
        assert abs(sum(block["weights"].values()) - 1) < 1e-9
        for name, (lo, hi) in block["intervals"].items():
            assert lo - 1e-12 <= block["weights"][name] <= hi + 1e-12 or lo <= hi
    assert set(report["overall"]["by_weighting"]) == {"person", "groups", "custom"}
    assert report["overall"]["by_weighting"]["custom"] is None
    assert report["method"]["random_index"] == "Saaty 1980"
    assert "Harker" in report["method"]["priority_method"]
    probs = report["overall"]["rank_probabilities"]
    a, b = report["outcomes"][:2]
    assert abs(probs[a][b] + probs[b][a] - 1) < 1e-12
    assert len(report["pairs"]) == 15
    assert "Priorities" in to_text(report)


def test_conflict_between_groups_and_distinctive_pairs() -> None:
    report = analyze(two_camps(), bootstrap=300)
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    cost_benefit = pairs[("cost", "benefit")]
    assert cost_benefit["conflict_between_groups"] is True
    assert cost_benefit["eta_squared"] > 0.9
    assert cost_benefit["share_a"] == pytest.approx(0.5)
    assert cost_benefit["polarisation"] == pytest.approx(1.0)
    # (12 + 1)/(12 + 2) for funders times (0 + 1)/(12 + 2) for users
    assert cost_benefit["convergence"] == pytest.approx(13 / 14 * 1 / 14)
    assert cost_benefit["group_means"]["funders"] > 0 > cost_benefit["group_means"]["users"]
    within = pairs[("benefit", "equity")]
    assert within["conflict_between_groups"] is False
    assert within["contested_within"] == ["funders", "users"]
    assert within["eta_squared"] < 0.05
    assert within["convergence"] == pytest.approx((7 / 14) ** 2)
    assert cost_benefit["conflict_score"] > within["conflict_score"]
    favours = {(d["favours"], d["over"]) for d in report["groups"]["funders"]["distinctive"]}
    assert ("cost", "benefit") in favours
    # the camps never share a cluster (the alternating benefit/equity view may split them)
    assert report["clusters"]["k"] >= 2
    assert all(len(c["groups"]) == 1 for c in report["clusters"]["profiles"])
    assert report["clusters"]["adjusted_rand"] > 0.3
    assert report["overall"]["consensus"] < report["groups"]["funders"]["consensus"]


def test_bootstrap_zero_gives_null_intervals() -> None:
    report = analyze(two_camps(), bootstrap=0)
    assert report["overall"]["intervals"] is None
    assert report["overall"]["rank_probabilities"] is None
    assert all(g["intervals"] is None for g in report["groups"].values())
    # pair intervals and flags are t-based and tested without the bootstrap
    assert all(p["group_intervals"]["funders"] is not None for p in report["pairs"])
    assert [p["conflict_between_groups"] for p in report["pairs"]] == [True, True, False]


def test_bootstrap_is_reproducible_and_seeded() -> None:
    table = synthetic_table(60, 5, seed=2)
    a = analyze(table, bootstrap=100, seed=5)["overall"]["intervals"]
    b = analyze(table, bootstrap=100, seed=5)["overall"]["intervals"]
    c = analyze(table, bootstrap=100, seed=6)["overall"]["intervals"]
    assert a == b and a != c


def test_sensitivity_finds_the_flip() -> None:
    # funders (2) prefer cost 9:1, users (1) prefer benefit 1:3; person weighting: cost on top.
    table = read_judgments_csv(
        HEADER + "f1,funders,cost,benefit,9\nf2,funders,cost,benefit,9\nu1,users,cost,benefit,1/3\n"
    )
    sens = analyze(table, bootstrap=0)["sensitivity"]
    flip = sens["flip"]
    assert flip["new_top"] == "benefit"
    # AIJ with group shares W: W_f ln 9 + (1 − W_f) ln(1/3) = 0 at W_f = 1/3.
    assert flip["weights"]["funders"] == pytest.approx(1 / 3, abs=1e-6)
    assert flip["distance"] == pytest.approx(2 / 3 - 1 / 3, abs=1e-6)
    assert 0 < sens["stable_top"] < 1


def test_weightings_and_aip() -> None:
    table = two_camps()
    person = analyze(table, bootstrap=0)
    custom = analyze(
        table,
        bootstrap=0,
        weighting="custom",
        group_weights={"funders": 0.9, "users": 0.1},
        aggregate="aip",
    )
    assert custom["method"]["group_weights"] == {"funders": 0.9, "users": 0.1}
    assert custom["overall"]["weights"]["cost"] > person["overall"]["weights"]["cost"]
    assert custom["overall"]["by_weighting"]["custom"] == custom["overall"]["weights"]
    with pytest.raises(ValueError, match="no group weight"):
        analyze(table, weighting="custom", group_weights={"funders": 1}, bootstrap=0)


def test_disconnected_participant_error_and_skip() -> None:
    text = HEADER + "p1,g,a,b,3\np1,g,c,d,2\np2,g,a,b,2\np2,g,b,c,2\np2,g,c,d,2\n"
    with pytest.raises(JudgmentError, match=r"'p1'.*cut off: (a, b|c, d)"):
        analyze(read_judgments_csv(text))
    report = analyze(read_judgments_csv(text), on_disconnected="skip", bootstrap=0)
    assert [s["id"] for s in report["method"]["skipped"]] == ["p1"]
    assert len(report["method"]["skipped"][0]["cut_off"]) == 2
    assert [p["id"] for p in report["participants"]] == ["p2"]
    alone = analyze(
        read_judgments_csv(HEADER + "p1,g,a,b,3\np1,g,c,d,2\n"), on_disconnected="skip", bootstrap=0
    )
    assert alone["participants"] == [] and alone["overall"]["weights"]["a"] is None
    json.loads(to_json(alone))


def test_exclusion_of_inconsistent_participants() -> None:
    text = HEADER + (
        "p1,g,x,y,2\np1,g,y,z,2\np1,g,x,z,4\n"  # consistent
        "p2,g,x,y,9\np2,g,y,z,9\np2,g,x,z,1/9\n"  # very inconsistent
    )
    table = read_judgments_csv(text)
    kept = analyze(table, bootstrap=0)
    dropped = analyze(table, bootstrap=0, exclude_inconsistent=True)
    assert [p["consistent"] for p in kept["participants"]] == [True, False]
    assert dropped["method"]["excluded"] == ["p2"]
    assert dropped["overall"]["weights"] == pytest.approx({"x": 4 / 7, "y": 2 / 7, "z": 1 / 7})
    worst = kept["participants"][1]["most_inconsistent"]
    # a perfect cycle: equal priorities, every judgment off by ln 9; suggest "equal"
    assert worst["suggested"] == 1.0
    assert worst["deviation"] == pytest.approx(np.log(9))
    assert worst["value"] == pytest.approx(9.0) or worst["value"] == pytest.approx(1 / 9)
    assert kept["participants"][0]["most_inconsistent"] is None


def test_a_single_participant_is_everyone() -> None:
    names = [f"o{i}" for i in range(7)]
    records = [("me", "g", a, b, 3) for i, a in enumerate(names) for b in names[i + 1 :]]
    table = JudgmentTable.from_records(records)
    report = analyze(table, bootstrap=0)
    assert report["overall"]["weights"] == report["participants"][0]["weights"]


def test_kendall_w_zero_for_reversed_participants() -> None:
    w1 = np.array([0.5, 0.25, 0.15, 0.10])
    w2 = w1[::-1]
    names = "abcd"
    records = []
    for pid, w in (("p1", w1), ("p2", w2)):
        records += [
            (pid, "g", names[i], names[j], w[i] / w[j]) for i in range(4) for j in range(i + 1, 4)
        ]
    overall = analyze(JudgmentTable.from_records(records), bootstrap=0)["overall"]
    assert overall["kendall_w"] == 0.0
    assert overall["consensus"] == pytest.approx(0.654, abs=1e-3)
    assert overall["warnings"]


def test_clusters_subsample_large_k() -> None:
    report = analyze(synthetic_table(2500, 4, seed=4), bootstrap=0)
    clusters = report["clusters"]
    assert "sample of 2000" in clusters["method"]
    assert len(clusters["labels"]) == 2500 and len(clusters["points"]) == 2500


def test_public_view_withholds_individuals_and_small_groups() -> None:
    records = [(f"u{k}", "users", "a", "b", 3) for k in range(5)]
    records += [("s1", "staff", "a", "b", 1 / 3)]
    report = analyze(JudgmentTable.from_records(records), bootstrap=50)
    view = public_view(report, 3)
    text = to_json(view)
    assert "participants" not in view
    assert "labels" not in view["clusters"] and "points" not in view["clusters"]
    assert view["withheld_groups"] == ["staff"]
    shown = to_json({k: v for k, v in view.items() if k != "withheld_groups"})
    assert "staff" not in view["groups"] and '"staff"' not in shown and '"u1"' not in text
    assert view["overall"]["weights"] == report["overall"]["weights"]
    assert public_view(report, 10)["withheld"]
