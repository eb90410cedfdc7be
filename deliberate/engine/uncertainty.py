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

from .aggregate import Parts, answered_pairs, combine, mix, weighted_parts
from .distributions import t_ppf
from .inference import group_rows, moments

__all__ = [
    "MIN_INTERVAL_SIZE",
    "Bootstrap",
    "Sweep",
    "bootstrap",
    "intervals",
    "mean_intervals",
    "percentile_intervals",
    "rank_probabilities",
    "resample_weights",
    "sensitivity",
]

_CHUNK_ELEMENTS = 2_000_000
_RANDOM_POINTS = 5000
#: Grid resolution (steps per unit) over the simplex of group weights, by number of groups.
GRID_STEPS = {2: 100, 3: 50, 4: 20}
_BISECTIONS = 40
#: Steps scanned along each search segment before bisection.
_SCAN = 200
#: Priorities closer than this are tied when rankings are compared.
TIE = 1e-9
#: Intervals are given for groups (and overall samples) of at least this many people.
MIN_INTERVAL_SIZE = 5


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap replicates.

    Attributes
    ----------
    overall : (B, n) ndarray
        Overall priorities under the chosen weighting.
    groups : (G, B, n) ndarray
        Each group's priorities (equal voice within the group); NaN for empty groups.
    """

    overall: np.ndarray
    groups: np.ndarray


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
    by_group: bool = False,
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
    by_group : bool
        As for `mix`: aggregate within groups first (group and custom weightings).

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
    chunk = max(1, _CHUNK_ELEMENTS // max(K, 1))
    # Each group's answers as the sums weigh them, once (not once per chunk of resamples).
    answers = [(*answered_pairs(x[idx], m[idx]), log_w[idx]) for idx in members]
    for start in range(0, resamples, chunk):
        rows = slice(start, min(start + chunk, resamples))
        b = rows.stop - rows.start
        group_parts = []
        for g, idx in enumerate(members):
            size = idx.size
            if size == 0:
                group_parts.append(Parts(np.zeros((b, P)), np.zeros((b, P)), np.zeros((b, n))))
                continue
            p = weighted_parts(resample_weights(rng, b, size), *answers[g])
            group_parts.append(p)
            groups[g, rows] = combine(p, n, method, aggregate)
        overall[rows] = combine(
            mix(totals[None, :], group_parts, by_group=by_group), n, method, aggregate
        )
    return Bootstrap(overall, groups)


def resample_weights(rng: np.random.Generator, b: int, size: int) -> np.ndarray:
    """Weights ``(b, size)`` of b resamples with replacement of ``size`` members.

    Each row holds how often each member was drawn, divided by ``size`` (rows sum to 1).
    """
    draws = rng.integers(size, size=(b, size))
    draws += size * np.arange(b)[:, None]  # in place: the draws are the largest array here
    return np.bincount(draws.ravel(), minlength=b * size).reshape(b, size) / size


def intervals(
    samples: np.ndarray, estimate: np.ndarray, size: int, strata: int = 1, level: float = 0.95
) -> np.ndarray:
    """t-based intervals on the log scale from bootstrap standard errors.

    ``exp(ln ŵ ± t_{df} · c · sd*(ln w*))`` with ``df = size − strata`` and
    ``c = sqrt(size/df)``, which undoes the bootstrap's ``(K − 1)/K`` shrinkage of the
    variance of a mean (exactly for one stratum or equal strata); capped at 1.

    Parameters
    ----------
    samples : (B, q) ndarray
        Bootstrap replicates of priorities (NaN rows ignored).
    estimate : (q,) ndarray
        The priorities themselves.
    size : int
        Participants resampled.
    strata : int
        Groups resampled separately.
    level : float

    Returns
    -------
    (q, 2) ndarray
        NaN when ``size < MIN_INTERVAL_SIZE`` or nothing is finite.
    """
    q = samples.shape[1]
    out = np.full((q, 2), np.nan)
    ok = samples[np.all(np.isfinite(samples), axis=1)]
    df = size - strata
    if size < MIN_INTERVAL_SIZE or df < 1 or ok.shape[0] < 2 or not np.all(estimate > 0):
        return out
    se = np.log(ok).std(0, ddof=1) * np.sqrt(size / df)
    half = t_ppf(0.5 + level / 2, df) * se
    centre = np.log(estimate)
    out[:, 0] = np.exp(centre - half)
    out[:, 1] = np.minimum(np.exp(centre + half), 1.0)
    return out


def mean_intervals(
    x: np.ndarray, m: np.ndarray, group_index: np.ndarray, n_groups: int, level: float = 0.95
) -> np.ndarray:
    """Student t intervals of each group's mean log judgment on each pair.

    Parameters
    ----------
    x, m, group_index, n_groups
        As for `inference.sides`.
    level : float

    Returns
    -------
    (G, P, 2) ndarray
        NaN where fewer than `MIN_INTERVAL_SIZE` members answered.
    """
    out = np.full((n_groups, x.shape[1], 2), np.nan)
    for g, rows in enumerate(group_rows(group_index, n_groups)):
        k, mean, sd = moments(x[rows], m[rows])
        ok = k >= MIN_INTERVAL_SIZE
        half = t_ppf(0.5 + level / 2, np.maximum(k - 1, 1)) * sd / np.sqrt(np.maximum(k, 1))
        out[g, ok, 0] = (mean - half)[ok]
        out[g, ok, 1] = (mean + half)[ok]
    return out


def percentile_intervals(samples: np.ndarray, level: float = 0.95) -> np.ndarray:
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
    return (diff > TIE).mean(0) + 0.5 * (np.abs(diff) <= TIE).mean(0)


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
        Share of points where no strict order of the chosen weighting's ranking is
        reversed (ties within `TIE` may resolve either way).
    top_share : (n,) ndarray
        Share of points where each outcome is on top.
    flip : tuple or None
        ``(weights (G,), distance, new_top, grid_weights (G,), grid_distance)``: the
        nearest change of group weights found (total variation, half the L1 distance: the
        share of voice moved between groups) that changes the top outcome, and the nearest
        grid point where it changes (the found point itself when no grid point flips).
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


def _top_kept(weights: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Rows where some outcome of the original top set is still (within `TIE`) on top."""
    best = np.nanmax(np.where(np.isfinite(weights), weights, -np.inf), axis=1)
    return np.any(weights[:, top] >= best[:, None] - TIE, axis=1)


def sensitivity(
    group_parts: Sequence[Parts],
    totals: np.ndarray,
    sizes: np.ndarray,
    *,
    n: int,
    method: str,
    aggregate: str,
    seed: int,
    by_group: bool = False,
    value: Callable[[np.ndarray], np.ndarray] | None = None,
    memo: dict[tuple, np.ndarray] | None = None,
) -> Sweep | None:
    """Sweep the group weights over the simplex and find the nearest flip of the top outcome.

    Outcomes within `TIE` of the highest priority are tied on top; the top changes only
    when every outcome tied on top at the chosen weights falls below another. The nearest
    flip is searched along every direction that moves voice from one group to another
    (where the nearest point of a flat boundary lies in total variation) and along the
    segment to the nearest flipped grid point, each scanned in `_SCAN` steps and refined
    by bisection; the nearest of these is reported.

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
    by_group : bool
        As for `mix`.
    value : callable, optional
        Maps outcome weights ``(Q, n)`` to the scores ``(Q, m)`` whose top is tracked
        (e.g. option values); default: the outcome weights themselves.
    memo : dict, optional
        Shared between sweeps of the same groups (the outcomes' and the options'): the
        outcome weights on the grid, at the chosen weights and along the transfers of
        voice are computed once.

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

    def evaluate(points: np.ndarray, remember: bool = False) -> np.ndarray:
        key = (points.shape, points.tobytes())
        if remember and memo is not None and key in memo:
            weights = memo[key]
        else:
            weights = combine(mix(points, group_parts, by_group=by_group), n, method, aggregate)
            if remember and memo is not None:
                memo[key] = weights
        return weights if value is None else value(weights)

    def flipped(points: np.ndarray, remember: bool = False) -> np.ndarray:
        w = evaluate(points, remember)
        return np.all(np.isfinite(w), axis=1) & ~_top_kept(w, top)

    base = evaluate(totals[None, :], remember=True)[0]
    top = np.flatnonzero(base >= np.nanmax(base) - TIE)
    weights = evaluate(grid, remember=True)
    valid = np.all(np.isfinite(weights), axis=1)
    kept = valid & _top_kept(weights, top)
    tops = np.where(valid, np.argmax(np.nan_to_num(weights, nan=-1.0), axis=1), -1)
    # the ranking is kept when no strict order of the chosen weights is reversed
    above = (base[:, None] - base[None, :]) > TIE
    diff = weights[:, :, None] - weights[:, None, :]
    same_rank = valid & np.all(~above | (diff >= -TIE), axis=(1, 2))
    distance = 0.5 * np.abs(grid - totals).sum(1)
    flips = np.flatnonzero(valid & ~kept)
    # Segments from the chosen weights: to every corner-to-corner transfer's end, and to
    # the nearest flipped grid point.
    ends = [
        totals + totals[g] * (np.eye(totals.size)[h] - np.eye(totals.size)[g])
        for g in present
        for h in present
        if g != h and totals[g] > 0
    ]
    transfers = len(ends)
    grid_q = flips[np.argmin(distance[flips])] if flips.size else None
    if grid_q is not None:
        ends.append(grid[grid_q])
    best: tuple[float, np.ndarray] | None = None
    if ends:
        # Every segment scanned in one evaluation, then bisected together, one
        # evaluation per halving.
        steps = np.linspace(0.0, 1.0, _SCAN + 1)[1:]
        towards = np.array(ends) - totals
        scanned = totals + steps[None, :, None] * towards[:, None, :]
        hits = np.concatenate(
            [
                flipped(scanned[:transfers].reshape(-1, totals.size), remember=True),
                flipped(scanned[transfers:].reshape(-1, totals.size)),
            ]
        ).reshape(len(ends), steps.size)
        found = np.flatnonzero(hits.any(1))
        first = np.argmax(hits[found], axis=1)
        lo = np.where(first > 0, steps[np.maximum(first - 1, 0)], 0.0)
        hi = steps[first]
        towards = towards[found]
        for _ in range(_BISECTIONS if found.size else 0):
            mid = (lo + hi) / 2
            moved = flipped(totals + mid[:, None] * towards)
            hi, lo = np.where(moved, mid, hi), np.where(moved, lo, mid)
        for k in range(found.size):
            at = totals + hi[k] * towards[k]
            d = float(0.5 * np.abs(at - totals).sum())
            if best is None or d < best[0] - 1e-12:
                best = (d, at)
    flip = None
    if best is not None:
        d, at = best
        new_top = int(np.argmax(evaluate(at[None, :])[0]))
        grid_at, grid_d = (at, d) if grid_q is None else (grid[grid_q], float(distance[grid_q]))
        flip = (at, d, new_top, grid_at, grid_d)
    n_valid = max(int(valid.sum()), 1)
    return Sweep(
        method=description,
        points=int(grid.shape[0]),
        chosen=totals,
        stable_top=float(kept.sum() / n_valid),
        stable_ranking=float(same_rank.sum() / n_valid),
        top_share=np.bincount(tops[valid], minlength=weights.shape[1]) / n_valid,
        flip=flip,
    )
