"""The disagreement map: where participants and declared groups part ways.

Per pair statistics on log judgments (shares, polarisation, spread, η² between groups,
group-informed convergence and distinctive pairs after Pol.is), opinion clusters (Ward
on clr priorities, silhouette, adjusted Rand index) and a 2-D PCA projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import cdist, pdist, squareform

__all__ = [
    "CONTESTED_POLARISATION",
    "REPNESS_Z",
    "Clusters",
    "PairStats",
    "adjusted_rand",
    "clusters",
    "distinctive",
    "pair_stats",
    "pca_2d",
]

#: A group contests a pair when its own polarisation reaches this (minority side at
#: least half the majority side) with at least two members answering.
CONTESTED_POLARISATION = 0.5
#: One-sided 90 % two-proportion z-test (Pol.is ``repness.clj``).
REPNESS_Z = 1.2816
_EPS = 1e-9
CLUSTER_CAP = 2000
MAX_CLUSTERS = 8


@dataclass(frozen=True)
class PairStats:
    """Per-pair statistics; arrays are ``(P,)`` or ``(G, P)``."""

    n: np.ndarray
    share_a: np.ndarray
    share_b: np.ndarray
    share_equal: np.ndarray
    polarisation: np.ndarray
    spread: np.ndarray
    eta_squared: np.ndarray
    convergence: np.ndarray
    group_n: np.ndarray
    group_mean: np.ndarray
    group_for_a: np.ndarray
    group_for_b: np.ndarray
    contested_within: np.ndarray


def _polarisation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    hi = np.maximum(a, b)
    return np.where(hi > 0, np.minimum(a, b) / np.where(hi > 0, hi, 1.0), 0.0)


def pair_stats(
    x: np.ndarray, m: np.ndarray, alpha: np.ndarray, group_index: np.ndarray, n_groups: int
) -> PairStats:
    """Statistics of every pair over participants and groups.

    Parameters
    ----------
    x : (K, P) ndarray
        Log judgments in pair form (``ln a_ij``, i < j).
    m : (K, P) bool ndarray
        Answered.
    alpha : (K,) ndarray
        Voice weights; shares and spread are shares of voice (head counts under one
        person, one voice), renormalised over those who answered the pair.
    group_index : (K,) int ndarray
    n_groups : int

    Returns
    -------
    PairStats
        ``group_*`` arrays are unweighted within each group; ``group_mean`` is NaN
        where no member answered; ``convergence`` is ``∏_g (m_g + 1)/(K_g + 2)`` over
        groups with answers, ``m_g`` members on the overall majority side.
    """
    mf = m.astype(float)
    pos, neg = m & (x > _EPS), m & (x < -_EPS)
    wm = alpha[:, None] * mf
    tot = wm.sum(0)
    safe = np.where(tot > 0, tot, 1.0)
    share_a = (alpha @ pos) / safe
    share_b = (alpha @ neg) / safe
    share_equal = np.where(tot > 0, 1.0 - share_a - share_b, 0.0)
    mean = (wm * x).sum(0) / safe
    spread = np.sqrt(np.maximum((wm * (x - mean) ** 2).sum(0) / safe, 0.0))

    onehot = np.zeros((n_groups, x.shape[0]))
    onehot[group_index, np.arange(x.shape[0])] = 1.0
    g_n = onehot @ mf
    g_sum = onehot @ np.where(m, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        g_mean = np.where(g_n > 0, g_sum / g_n, np.nan)
    count = mf.sum(0)
    grand = g_sum.sum(0) / np.where(count > 0, count, 1.0)
    ss_total = (mf * (x - grand) ** 2).sum(0)
    ss_between = np.nansum(g_n * (np.nan_to_num(g_mean) - grand) ** 2, axis=0)
    eta = np.where(ss_total > _EPS, ss_between / np.where(ss_total > _EPS, ss_total, 1.0), 0.0)

    g_a, g_b = onehot @ pos, onehot @ neg
    majority = np.where(share_a >= share_b, g_a, g_b)
    factors = np.where(g_n > 0, (majority + 1) / (g_n + 2), 1.0)
    contested = (_polarisation(g_a, g_b) >= CONTESTED_POLARISATION) & (g_n >= 2)
    return PairStats(
        n=count,
        share_a=share_a,
        share_b=share_b,
        share_equal=share_equal,
        polarisation=_polarisation(share_a, share_b),
        spread=spread,
        eta_squared=np.clip(eta, 0.0, 1.0),
        convergence=factors.prod(0),
        group_n=g_n,
        group_mean=g_mean,
        group_for_a=g_a,
        group_for_b=g_b,
        contested_within=contested,
    )


def distinctive(stats: PairStats, top: int = 5) -> list[list[tuple[int, int, float, float]]]:
    """What sets each group apart (after Pol.is representative statements).

    For group g, pair p and side s, the smoothed share ``(n_gs + 1)/(N_g + 2)`` is compared
    with the rest's; a side is distinctive when the ratio exceeds 1 and a two-proportion
    z-test (pooled) gives ``z > 1.2816`` (one-sided 90 %).

    Parameters
    ----------
    stats : PairStats
    top : int
        Pairs kept per group, by z.

    Returns
    -------
    list, one per group, of ``(pair, side, ratio, z)``
        ``side`` 0 favours outcome_a, 1 outcome_b.
    """
    result: list[list[tuple[int, int, float, float]]] = []
    n_g = stats.group_n
    n_r = n_g.sum(0) - n_g
    sides = np.stack([stats.group_for_a, stats.group_for_b])  # (2, G, P)
    rest = sides.sum(1, keepdims=True) - sides
    p_g = (sides + 1) / (n_g + 2)
    p_r = (rest + 1) / (n_r + 2)
    pooled = (sides + rest + 2) / (n_g + n_r + 4)
    se = np.sqrt(pooled * (1 - pooled) * (1 / (n_g + 2) + 1 / (n_r + 2)))
    z = (p_g - p_r) / se
    ratio = p_g / p_r
    ok = (z > REPNESS_Z) & (ratio > 1) & (n_g > 0) & (n_r > 0)
    for g in range(n_g.shape[0]):
        side, pair = np.nonzero(ok[:, g, :])
        order = np.argsort(-z[side, g, pair], kind="stable")[:top]
        result.append(
            [
                (
                    int(pair[o]),
                    int(side[o]),
                    float(ratio[side[o], g, pair[o]]),
                    float(z[side[o], g, pair[o]]),
                )
                for o in order
            ]
        )
    return result


def adjusted_rand(labels_a: np.ndarray, labels_b: np.ndarray) -> float | None:
    """Adjusted Rand index of two labelings ``(K,)`` (Hubert & Arabie 1985); None if undefined."""
    _, a = np.unique(labels_a, return_inverse=True)
    _, b = np.unique(labels_b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def comb2(v: np.ndarray) -> float:
        return float(np.sum(v * (v - 1) / 2))

    total = comb2(np.array([a.size], dtype=float))
    index = comb2(table)
    rows, cols = comb2(table.sum(1)), comb2(table.sum(0))
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return None
    return (index - expected) / (maximum - expected)


def _silhouette(dist: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a labelling given a full distance matrix ``(S, S)``."""
    k = labels.max() + 1
    onehot = np.eye(k)[labels]
    sizes = onehot.sum(0)
    sums = dist @ onehot
    own = sizes[labels] - 1
    a = np.where(own > 0, sums[np.arange(labels.size), labels] / np.maximum(own, 1), 0.0)
    other = np.where(onehot > 0, np.inf, sums / np.maximum(sizes, 1))
    b = other.min(1)
    s = np.where(own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(s.mean())


@dataclass(frozen=True)
class Clusters:
    """Opinion clusters: ``labels`` ``(K,)``, their number, silhouette and method note."""

    k: int
    labels: np.ndarray
    silhouette: float | None
    method: str


def clusters(points: np.ndarray, seed: int) -> Clusters:
    """Ward clustering of clr priority vectors, number of clusters by silhouette.

    Above 2,000 participants a seeded sample of 2,000 is clustered and the others are
    assigned to the nearest cluster centroid (Ward linkage is O(K²)). Candidate k: 2 … 8.

    Parameters
    ----------
    points : (K, n) ndarray
        clr vectors.
    seed : int

    Returns
    -------
    Clusters
        Labels numbered by cluster size (0 largest); one cluster when K < 3 or all
        vectors coincide.
    """
    K = points.shape[0]
    method = "Ward linkage on clr priorities, k = 2…8 by mean silhouette"
    spread = np.ptp(points, axis=0).max() if K else 0.0
    if K < 3 or spread < 1e-9:
        return Clusters(
            1, np.zeros(K, dtype=int), None, method + "; one cluster (too few or identical)"
        )
    if K > CLUSTER_CAP:
        sample = np.sort(np.random.default_rng(seed).choice(K, CLUSTER_CAP, replace=False))
        method += (
            f"; clustered a seeded random sample of {CLUSTER_CAP} of {K} participants, "
            "others assigned to the nearest centroid"
        )
    else:
        sample = np.arange(K)
    sub = points[sample]
    tree = linkage(sub, method="ward")
    dist = squareform(pdist(sub))
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(MAX_CLUSTERS, sub.shape[0] - 1) + 1):
        _, labels = np.unique(fcluster(tree, k, criterion="maxclust"), return_inverse=True)
        if labels.max() < 1:
            continue
        score = _silhouette(dist, labels)
        if best is None or score > best[0] + 1e-12:
            best = (score, labels)
    if best is None:
        return Clusters(1, np.zeros(K, dtype=int), None, method + "; one cluster")
    score, labels = best
    k = int(labels.max() + 1)
    centroids = np.stack([sub[labels == c].mean(0) for c in range(k)])
    if K > CLUSTER_CAP:
        full = np.argmin(cdist(points, centroids, "sqeuclidean"), axis=1)
        full[sample] = labels
    else:
        full = labels
    order = np.argsort(-np.bincount(full, minlength=k), kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    return Clusters(k, relabel[full], score, method)


def pca_2d(points: np.ndarray) -> np.ndarray:
    """Projection of clr vectors on their first two principal components.

    Parameters
    ----------
    points : (K, n) ndarray

    Returns
    -------
    (K, 2) ndarray
        Signs fixed so each axis's largest loading is positive; zeros when K < 2.
    """
    K = points.shape[0]
    out = np.zeros((K, 2))
    if K < 2:
        return out
    centred = points - points.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(axes.shape[0]), np.abs(axes).argmax(1)])
    proj = centred @ (axes * signs[:, None]).T
    out[:, : proj.shape[1]] = proj
    return out
