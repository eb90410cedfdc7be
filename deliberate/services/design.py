"""Which pairs each stakeholder compares, and in what order.

With few outcomes everyone compares every pair. With many, a *reduced design* gives each
stakeholder a connected subset: one factor of Walecki's decomposition of the complete
graph (a Hamiltonian cycle through every outcome when their number is odd, a Hamiltonian
path when it is even) plus extra pairs from the next factor for redundancy. The factors
partition all pairs, the factor rotates with the membership id and the extra pairs slide
along the next factor, so over consecutive stakeholders every pair is asked equally
often. The engine's incomplete-matrix methods turn the subsets into priorities.

Pairs are indices into the consultation's outcomes in display order; :func:`pair_sequence`
maps them to outcome ids.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Sequence

from ..models import Consultation, Design
from .lookup import outcomes_of

Pair = tuple[int, int]

#: Above this many outcomes a consultation may use a reduced design.
FULL_DESIGN_MAX = 7


def all_pairs(n: int) -> list[Pair]:
    """Every pair ``(i, j)`` with ``i < j`` of ``n`` outcomes."""
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _edge(u: int, v: int) -> Pair:
    return (u, v) if u < v else (v, u)


def walecki_factors(n: int) -> list[list[Pair]]:
    """Decompose the pairs of ``n`` outcomes into spanning paths (even n) or cycles (odd n).

    Walecki's construction: a zig-zag Hamiltonian path through ``2k`` points on a circle,
    rotated ``k`` times, uses every chord once; for odd ``n`` the extra outcome closes each
    path into a cycle. Each factor connects all outcomes.
    """
    if n < 2:
        return []
    k = n // 2
    ring = 2 * k
    factors = []
    for i in range(k):
        walk = [i]
        for j in range(1, k):
            walk += [(i + j) % ring, (i - j) % ring]
        walk.append((i + k) % ring)
        if n % 2:
            walk = [n - 1, *walk, n - 1]
        factors.append([_edge(u, v) for u, v in itertools.pairwise(walk)])
    return factors


def reduced_pairs(n: int, seed: int, extra: int | None = None) -> list[Pair]:
    """A connected subset of the pairs of ``n`` outcomes for the stakeholder ``seed``.

    Factor ``seed mod k`` of :func:`walecki_factors` connects every outcome; ``extra``
    pairs (default ``ceil(n / 2)``) are a window of the next factor that advances by
    ``extra`` every ``k`` stakeholders, so coverage is balanced. Deterministic in ``seed``.
    """
    factors = walecki_factors(n)
    if len(factors) <= 1:
        return all_pairs(n)
    k = len(factors)
    extra = math.ceil(n / 2) if extra is None else extra
    base = factors[seed % k]
    following = factors[(seed + 1) % k]
    extra = min(extra, len(following))
    start = (seed // k) * extra
    window = [following[(start + step) % len(following)] for step in range(extra)]
    return sorted(set(base) | set(window))


def uses_reduced_design(consultation: Consultation) -> bool:
    """True when the consultation asks each stakeholder only a subset of the pairs."""
    reduced = consultation.design is Design.REDUCED
    return reduced and len(outcomes_of(consultation)) > FULL_DESIGN_MAX


def balanced_sides(pairs: Sequence[Pair], n: int) -> dict[Pair, Pair]:
    """Orient each pair (left, right) so that every outcome is shown on the left as often
    as on the right, give or take one.

    Odd-degree outcomes are joined to a dummy outcome so that every degree is even; each
    pair is then oriented the way an Euler tour (Hierholzer) walks it, and a closed walk
    enters every outcome as often as it leaves it.
    """
    degree = Counter(v for pair in pairs for v in pair)
    edges = list(pairs) + [(v, n) for v in range(n) if degree[v] % 2]
    adjacency: dict[int, list[tuple[int, int]]] = {v: [] for v in range(n + 1)}
    for index, (a, b) in enumerate(edges):
        adjacency[a].append((b, index))
        adjacency[b].append((a, index))
    used = [False] * len(edges)
    oriented: dict[Pair, Pair] = {}
    for start in range(n + 1):
        stack = [start]
        while stack:
            here = adjacency[stack[-1]]
            while here and used[here[-1][1]]:
                here.pop()
            if not here:
                stack.pop()
                continue
            there, index = here.pop()
            used[index] = True
            oriented[edges[index]] = (stack[-1], there)
            stack.append(there)
    return {pair: oriented[pair] for pair in pairs}


def ordered(pairs: Sequence[Pair], n: int, seed: int) -> list[Pair]:
    """Present ``pairs`` in a well-spread order, each as (left, right), deterministic in ``seed``.

    After Ross: next comes the pair whose outcomes were shown least recently, and each
    outcome is on the left about as often as on the right (:func:`balanced_sides`). The
    outcomes' ranks rotate with ``seed``, and odd seeds swap every side, so stakeholders
    neither all start with the same pair nor all see an outcome on the same side.
    """
    rotate = seed % max(n, 1)
    remaining = sorted(pairs, key=lambda p: ((p[0] - rotate) % n, (p[1] - rotate) % n))
    sides = balanced_sides(pairs, n)
    last_seen = dict.fromkeys(range(n), -1)
    order: list[Pair] = []
    while remaining:
        best = min(
            remaining,
            key=lambda p: (
                max(last_seen[p[0]], last_seen[p[1]]),
                last_seen[p[0]] + last_seen[p[1]],
            ),
        )
        remaining.remove(best)
        last_seen[best[0]] = last_seen[best[1]] = len(order)
        left, right = sides[best]
        order.append((right, left) if seed % 2 else (left, right))
    return order


def pair_sequence(consultation: Consultation, seed: int) -> list[tuple[int, int]]:
    """The (left, right) outcome ids a stakeholder compares, in the order they are shown."""
    ids = tuple(o.id for o in outcomes_of(consultation))
    return list(_sequence(ids, uses_reduced_design(consultation), seed))


@functools.lru_cache(maxsize=4096)
def _sequence(ids: tuple[int, ...], reduced: bool, seed: int) -> tuple[tuple[int, int], ...]:
    """:func:`pair_sequence` for outcome ids in display order, memoised: every page of a
    stakeholder's comparison asks for it."""
    n = len(ids)
    pairs = reduced_pairs(n, seed) if reduced else all_pairs(n)
    return tuple((ids[a], ids[b]) for a, b in ordered(pairs, n, seed))
