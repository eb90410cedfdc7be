"""Reduced comparison designs: connected, balanced across stakeholders, deterministic."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from flask import Flask

from deliberate.extensions import db
from deliberate.models import Design
from deliberate.services.design import (
    all_pairs,
    ordered,
    pair_sequence,
    reduced_pairs,
    walecki_factors,
)
from tests.factories import make_consultation


def _connected(n: int, pairs: list[tuple[int, int]]) -> bool:
    """Breadth-first search from outcome 0 reaches every outcome."""
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen, frontier = {0}, [0]
    while frontier:
        node = frontier.pop()
        for other in neighbours[node] - seen:
            seen.add(other)
            frontier.append(other)
    return len(seen) == n


@pytest.mark.parametrize("n", range(2, 17))
def test_walecki_factors_partition_all_pairs_into_spanning_walks(n: int) -> None:
    factors = walecki_factors(n)
    assert len(factors) == n // 2
    flat = [pair for factor in factors for pair in factor]
    assert sorted(flat) == all_pairs(n)  # every pair exactly once
    for factor in factors:
        assert _connected(n, factor)
        degrees = Counter(v for pair in factor for v in pair)
        # a Hamiltonian cycle (odd n) or path (even n): degree 2, or 1 at the path's two ends
        assert sorted(degrees.values()) == ([2] * n if n % 2 else [1, 1] + [2] * (n - 2))


@pytest.mark.parametrize("n", range(8, 16))
def test_every_stakeholder_gets_a_connected_redundant_subset(n: int) -> None:
    for seed in range(200):
        pairs = reduced_pairs(n, seed)
        assert _connected(n, pairs)
        assert len(set(pairs)) == len(pairs)
        assert set(pairs) <= set(all_pairs(n))
        assert n < len(pairs) < len(all_pairs(n))  # more than a tree, fewer than all
        assert min(Counter(v for p in pairs for v in p).values()) >= 2 or n % 2 == 0


@pytest.mark.parametrize("n", [8, 9, 12, 15])
def test_coverage_is_balanced_across_many_stakeholders(n: int) -> None:
    start = 1234  # membership ids of one consultation are consecutive, from anywhere
    k = n // 2
    period = k * (n - 1 if n % 2 == 0 else n)  # every offset of every factor comes round
    counts = Counter(p for seed in range(start, start + period) for p in reduced_pairs(n, seed))
    assert set(counts) == set(all_pairs(n))  # every pair is asked
    assert max(counts.values()) == min(counts.values())  # ... equally often over a period
    some = Counter(p for seed in range(start, start + 157) for p in reduced_pairs(n, seed))
    assert max(some.values()) <= 1.1 * min(some.values())  # and nearly so at any count


def test_designs_are_deterministic_and_differ_between_stakeholders() -> None:
    assert reduced_pairs(10, 42) == reduced_pairs(10, 42)
    assert len({tuple(reduced_pairs(10, seed)) for seed in range(10)}) == 10


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_ordering_keeps_every_pair_once_and_balances_sides(n: int) -> None:
    pairs = all_pairs(n)
    for seed in range(5):
        order = ordered(pairs, n, seed)
        assert sorted(tuple(sorted(p)) for p in order) == pairs
        assert order == ordered(pairs, n, seed)
        left = Counter(a for a, _ in order)
        right = Counter(b for _, b in order)
        assert all(abs(left[i] - right[i]) <= 1 for i in range(n))
        # no outcome is shown in two pairs running, except where nothing else is left
        repeats = sum(bool(set(x) & set(y)) for x, y in itertools.pairwise(order))
        assert repeats <= 2


def test_consultations_use_the_reduced_design_only_above_seven_outcomes(app: Flask) -> None:
    with app.app_context():
        nine = make_consultation(outcomes=[f"O{i}" for i in range(9)], groups=("G",))
        seven = make_consultation(
            outcomes=[f"P{i}" for i in range(7)], groups=("G",), title="Seven"
        )
        assert len(pair_sequence(nine, 1)) == 36
        nine.design = seven.design = Design.REDUCED
        db.session.commit()
        assert len(pair_sequence(seven, 1)) == 21
        sequence = pair_sequence(nine, 1)
        assert len(sequence) == 9 + 5
        ids = [o.id for o in nine.outcomes]
        index = {outcome_id: i for i, outcome_id in enumerate(ids)}
        assert _connected(9, [(index[a], index[b]) for a, b in sequence])
