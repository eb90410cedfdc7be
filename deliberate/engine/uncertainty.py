"""Stratified bootstrap of group and overall priorities, and voice-weight sensitivity.

Resampling participants within each group is a ``(B, K_g)`` matrix of resample counts;
AIJ of every resample is then one matrix product with the ``(K_g, P)`` log judgments
(AIP one with the ``(K_g, n)`` log priorities), followed by batched priorities.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .aggregate import Parts, aij, combine, mix, parts

__all__ = [
    "Bootstrap",
    "Sweep",
    "bootstrap",
    "intervals",
    "rank_probabilities",
    "resample_weights",
    "sensitivity",
]

_CHUNK_ELEMENTS = 2_000_000
_RANDOM_POINTS = 5000
#: Grid resolution (steps per unit) over the simplex of group weights, by number of groups.
GRID_STEPS = {2: 100, 3: 50, 4: 20}
_BISECTIONS = 40


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap replicates.

    Attributes
    ----------
    overall : (B, n) ndarray
        Overall priorities under the chosen weighting.
    groups : (G, B, n) ndarray
        Each group's priorities (equal voice within the group); NaN for empty groups.
    pair_means : (G, B, P) ndarray
        Each group's mean log judgment per pair; NaN where no resampled member answered.
    """

    overall: np.ndarray
    groups: np.ndarray
    pair_means: np.ndarray


def bootstrap(
    x: np.ndarray,
    m: np.ndarray,
    log_w: np.ndarray,
    members: Sequence[np.ndarray],
    totals: np.ndarray,
    *,
    method: str,
    aggregate: str,
    resamples: int,
    seed: int,
) -> Bootstrap:
    """Stratified bootstrap: resample participants with replacement within each group.

    Parameters
    ----------
    x, m : (K, P) ndarray
        Pair-form log judgments and mask.
    log_w : (K, n) ndarray
        Log individual priorities.
    members : sequence of G int ndarrays
        Participant indices of each group.
    totals : (G,) ndarray
        Group shares of the voice under the chosen weighting.
    method, aggregate : str
        As for `combine`.
    resamples : int
        B ≥ 1.
    seed : int

    Returns
    -------
    Bootstrap
    """
    rng = np.random.default_rng(seed)
    K, P = x.shape
    n = log_w.shape[1]
    G = len(members)
    overall = np.full((resamples, n), np.nan)
    groups = np.full((G, resamples, n), np.nan)
    pair_means = np.full((G, resamples, P), np.nan)
    chunk = max(1, _CHUNK_ELEMENTS // max(K, 1))
    for start in range(0, resamples, chunk):
        rows = slice(start, min(start + chunk, resamples))
        b = rows.stop - rows.start
        group_parts = []
        for g, idx in enumerate(members):
            size = idx.size
            if size == 0:
                group_parts.append(Parts(np.zeros((b, P)), np.zeros((b, P)), np.zeros((b, n))))
                continue
            p = parts(resample_weights(rng, b, size), x[idx], m[idx], log_w[idx])
            group_parts.append(p)
            groups[g, rows] = combine(p, n, method, aggregate)
            mean, answered = aij(p.num, p.den)
            pair_means[g, rows] = np.where(answered, mean, np.nan)
        overall[rows] = combine(mix(totals[None, :], group_parts), n, method, aggregate)
    return Bootstrap(overall, groups, pair_means)


def resample_weights(rng: np.random.Generator, b: int, size: int) -> np.ndarray:
    """Weights ``(b, size)`` of b resamples with replacement of ``size`` members.

    Each row holds how often each member was drawn, divided by ``size`` (rows sum to 1).
    """
    draws = rng.integers(size, size=(b, size)) + size * np.arange(b)[:, None]
    return np.bincount(draws.ravel(), minlength=b * size).reshape(b, size) / size


def intervals(samples: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Percentile intervals per column, ignoring NaN replicates.

    Parameters
    ----------
    samples : (B, q) ndarray
    level : float

    Returns
    -------
    (q, 2) ndarray
        NaN where a column has no finite replicate.
    """
    out = np.full((samples.shape[1], 2), np.nan)
    tail = 100 * (1 - level) / 2
    for c in range(samples.shape[1]):
        col = samples[:, c]
        col = col[np.isfinite(col)]
        if col.size:
            out[c] = np.percentile(col, [tail, 100 - tail])
    return out


def rank_probabilities(samples: np.ndarray) -> np.ndarray:
    """``P[i, j]``: share of replicates where outcome i ranks above outcome j (ties ½).

    Parameters
    ----------
    samples : (B, n) ndarray
        Replicated priorities; rows with NaN are ignored.

    Returns
    -------
    (n, n) ndarray
        ``P + Pᵀ = 1`` off the diagonal; the diagonal is 0.5. NaN without replicates.
    """
    ok = samples[np.all(np.isfinite(samples), axis=1)]
    n = samples.shape[1]
    if ok.shape[0] == 0:
        return np.full((n, n), np.nan)
    diff = ok[:, :, None] - ok[:, None, :]
    tol = 1e-12
    return (diff > tol).mean(0) + 0.5 * (np.abs(diff) <= tol).mean(0)


@dataclass(frozen=True)
class Sweep:
    """Voice-weight sensitivity.

    Attributes
    ----------
    method : str
        How the simplex was covered.
    points : int
    chosen : (G,) ndarray
    stable_top : float
        Share of points where the top outcome is the chosen weighting's top.
    stable_ranking : float
        Share of points with the same full ranking.
    top_share : (n,) ndarray
        Share of points where each outcome is on top.
    flip : tuple or None
        ``(weights (G,), distance, new_top, grid_weights (G,), grid_distance)``: the
        nearest change of group weights (total variation, half the L1 distance: the share of
        voice moved between groups) that changes the top outcome, refined by bisection on
        the segment to the nearest grid point where it changes.
    """

    method: str
    points: int
    chosen: np.ndarray
    stable_top: float
    stable_ranking: float
    top_share: np.ndarray
    flip: tuple[np.ndarray, float, int, np.ndarray, float] | None


def _simplex(G: int, seed: int) -> tuple[np.ndarray, str]:
    """Points ``(Q, G)`` on the simplex: a grid for G ≤ 4, else a seeded random sample."""
    if G in GRID_STEPS:
        N = GRID_STEPS[G]
        heads = np.array(
            [c for c in itertools.product(range(N + 1), repeat=G - 1) if sum(c) <= N], dtype=float
        )
        grid = np.column_stack([heads, N - heads.sum(1)]) / N
        return grid, f"grid over the simplex of group weights, step 1/{N} ({grid.shape[0]} points)"
    sample = np.random.default_rng(seed).dirichlet(np.ones(G), _RANDOM_POINTS)
    grid = np.vstack([np.eye(G), sample])
    return grid, (
        f"seeded random sample of {_RANDOM_POINTS} points (uniform on the simplex) plus its "
        f"{G} corners: a grid is too large for {G} groups"
    )


def sensitivity(
    group_parts: Sequence[Parts],
    totals: np.ndarray,
    sizes: np.ndarray,
    *,
    n: int,
    method: str,
    aggregate: str,
    seed: int,
    value: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Sweep | None:
    """Sweep the group weights over the simplex and find the nearest flip of the top outcome.

    Parameters
    ----------
    group_parts : sequence of G `Parts` with one row
        Each group with equal voice among its members (empty groups: zeros).
    totals : (G,) ndarray
        The chosen group shares.
    sizes : (G,) ndarray
        Members per group; empty groups stay at weight 0.
    n : int
    method, aggregate : str
    seed : int
        For the random sample above four groups.
    value : callable, optional
        Maps outcome weights ``(Q, n)`` to the scores ``(Q, m)`` whose top is tracked
        (e.g. option values); default: the outcome weights themselves.

    Returns
    -------
    Sweep or None
        None with fewer than two groups with members.
    """
    present = np.flatnonzero(sizes > 0)
    if present.size < 2:
        return None
    sub, description = _simplex(present.size, seed)
    grid = np.zeros((sub.shape[0], totals.size))
    grid[:, present] = sub

    def evaluate(points: np.ndarray) -> np.ndarray:
        weights = combine(mix(points, group_parts), n, method, aggregate)
        return weights if value is None else value(weights)

    base = evaluate(totals[None, :])[0]
    top0 = int(np.argmax(base))
    ranking0 = np.argsort(-base, kind="stable")
    weights = evaluate(grid)
    valid = np.all(np.isfinite(weights), axis=1)
    tops = np.where(valid, np.argmax(np.nan_to_num(weights, nan=-1.0), axis=1), -1)
    same_rank = valid & np.all(np.argsort(-weights, axis=1, kind="stable") == ranking0, axis=1)
    distance = 0.5 * np.abs(grid - totals).sum(1)
    flips = np.flatnonzero(valid & (tops != top0))
    flip = None
    if flips.size:
        q = flips[np.argmin(distance[flips])]
        lo, hi = 0.0, 1.0
        for _ in range(_BISECTIONS):
            mid = (lo + hi) / 2
            w = evaluate((totals + mid * (grid[q] - totals))[None, :])[0]
            if np.all(np.isfinite(w)) and int(np.argmax(w)) != top0:
                hi = mid
            else:
                lo = mid
        at = totals + hi * (grid[q] - totals)
        new_top = int(np.argmax(evaluate(at[None, :])[0]))
        flip = (at, float(0.5 * np.abs(at - totals).sum()), new_top, grid[q], float(distance[q]))
    n_valid = max(int(valid.sum()), 1)
    return Sweep(
        method=description,
        points=int(grid.shape[0]),
        chosen=totals,
        stable_top=float(np.sum(tops == top0) / n_valid),
        stable_ranking=float(same_rank.sum() / n_valid),
        top_share=np.bincount(tops[valid], minlength=weights.shape[1]) / n_valid,
        flip=flip,
    )
