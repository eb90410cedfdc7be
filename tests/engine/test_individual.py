"""One person's own priorities and consistency, computed from their answers alone."""

from __future__ import annotations

import numpy as np
import pytest

from deliberate.engine import JudgmentTable, analyze
from deliberate.engine.individual import own_priorities
from deliberate.engine.synthetic import synthetic_table


def _answers(table: JudgmentTable, k: int) -> list[tuple[int, int, float]]:
    """Participant ``k``'s judgments as (i, j, value), each pair once, in a shuffled order
    and direction."""
    rng = np.random.default_rng(k)
    pairs = [(i, j) for i, j in zip(*np.nonzero(np.triu(table.mask[k])), strict=True)]
    found = []
    for i, j in (pairs[p] for p in rng.permutation(len(pairs))):
        i, j = (int(i), int(j)) if rng.random() < 0.5 else (int(j), int(i))
        found.append((i, j, float(np.exp(table.log_judgments[k, i, j]))))
    return found


@pytest.mark.parametrize("threshold", [None, 0.2])
def test_own_priorities_equal_the_full_analysis(threshold: float | None) -> None:
    table = synthetic_table(30, 6, noise=0.8, skip=0.3, seed=11)
    report = analyze(table, bootstrap=0, cr_threshold=threshold)
    assert any(not p["complete"] for p in report["participants"])
    assert any(not p["consistent"] for p in report["participants"])
    for k, entry in enumerate(report["participants"]):
        own = own_priorities(table.outcomes, _answers(table, k), threshold)
        assert own is not None and own.pop("connected") is True
        assert own.keys() <= entry.keys()
        for name, value in own.items():
            if name == "weights":
                assert value == pytest.approx(entry[name], abs=1e-12)
            elif name == "most_inconsistent" and value is not None:
                assert {**value, "deviation": pytest.approx(entry[name]["deviation"])} == {
                    **entry[name]
                }
            else:
                assert value == pytest.approx(entry[name], abs=1e-12), name


def test_consistent_answers_give_the_weights_they_imply() -> None:
    weights = np.array([0.5, 0.3, 0.15, 0.05])
    answers = [(i, j, weights[i] / weights[j]) for i in range(4) for j in range(i + 1, 4)]
    own = own_priorities(["a", "b", "c", "d"], answers)
    assert own is not None and own["connected"] and own["consistent"]
    assert list(own["weights"].values()) == pytest.approx(weights)
    assert own["cr"] == pytest.approx(0, abs=1e-9) and own["lambda_max"] == pytest.approx(4)


def test_answers_that_leave_outcomes_apart_name_them_as_the_analysis_does() -> None:
    names = ("A", "B", "C", "D")
    records = [("p", "g", "A", "B", 3.0), ("p", "g", "B", "C", 1 / 2)]
    report = analyze(
        JudgmentTable.from_records(records, outcomes=names),
        bootstrap=0,
        on_disconnected="skip",
    )
    own = own_priorities(names, [(0, 1, 3.0), (1, 2, 0.5)])
    assert own == {"connected": False, "cut_off": ["D"]}
    assert own["cut_off"] == report["method"]["skipped"][0]["cut_off"]
    assert own_priorities(names, []) is None
