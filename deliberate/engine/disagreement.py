"""The disagreement map: where participants and declared groups part ways.

Per pair statistics on log judgments (shares, polarisation, spread, η² and ω² between
groups, group-informed convergence), the tested flags of `inference` (contested within a
group, what sets a group apart), opinion clusters (Ward on clr priorities, silhouette
against a one-population reference, adjusted Rand index) and a 2-D PCA projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiled import compiled
from .inference import contested, distinctive_tests

# What ``scipy.cluster.hierarchy.linkage``, ``fcluster`` and ``scipy.spatial.distance``'s
# ``pdist``, ``cdist`` and ``squareform`` call for Ward linkage and Euclidean distances.
_hierarchy = compiled("scipy.cluster", "_hierarchy")
_distances = compiled("scipy.spatial", "_distance_pybind")
_square_form = compiled("scipy.spatial", "_distance_wrap")
#: ``linkage``'s code of Ward's method.
_WARD = 5

__all__ = [
    "CLUSTER_REFERENCES",
    "ClusterFit",
    "PairStats",
    "adjusted_rand",
    "cluster_test",
    "clusters",
    "distinctive",
    "pair_stats",
    "pca_2d",
]

_EPS = 1e-9
CLUSTER_CAP = 2000
MAX_CLUSTERS = 8
#: One-population reference samples for the cluster test: more than one cluster is
#: reported only when the best silhouette beats all of them (a level-5 % Monte Carlo test).
CLUSTER_REFERENCES = 19
#: The cluster test runs on at most this many participants (a seeded sample).
CLUSTER_TEST_CAP = 300


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
    eta_squared_null: np.ndarray
    omega_squared: np.ndarray
    convergence: np.ndarray
    group_n: np.ndarray
    group_mean: np.ndarray
    group_for_a: np.ndarray
    group_for_b: np.ndarray
    contested_within: np.ndarray
    contested_p: np.ndarray


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
        where no member answered. ``convergence`` is ``∏_g (m_g + 1)/(K_g + 2)`` over
        groups with answers, ``m_g`` members on the overall modal answer (a, equal or b),
        so a unanimous "equal" converges. ``omega_squared`` is Hays' ω² (clipped at 0;
        0 with no within-group degrees of freedom); ``eta_squared_null`` is η²'s
        expectation when groups do not differ, ``(G − 1)/(N − 1)``. ``contested_within``
        comes from `inference.contested`.
    """
    mf = m.astype(float)
    pos, neg = m & (x > _EPS), m & (x < -_EPS)
    zero = m & ~pos & ~neg
    wm = alpha[:, None] * mf
    tot = wm.sum(0)
    safe = np.where(tot > 0, tot, 1.0)
    share_a = (alpha @ pos) / safe
    share_b = (alpha @ neg) / safe
    share_equal = (alpha @ zero) / safe
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
    answering = (g_n > 0).sum(0)
    df_within = count - answering
    ms_within = (ss_total - ss_between) / np.maximum(df_within, 1)
    omega = np.where(
        (df_within > 0) & (ss_total > _EPS),
        (ss_between - (answering - 1) * ms_within) / (ss_total + ms_within + _EPS),
        0.0,
    )

    g_a, g_b, g_zero = onehot @ pos, onehot @ neg, onehot @ zero
    modal = np.argmax(np.stack([share_a, share_equal, share_b]), axis=0)
    majority = np.choose(modal, [g_a, g_zero, g_b])
    factors = np.where(g_n > 0, (majority + 1) / (g_n + 2), 1.0)
    split = contested(g_a, g_b, g_n)
    return PairStats(
        n=count,
        share_a=share_a,
        share_b=share_b,
        share_equal=share_equal,
        polarisation=_polarisation(share_a, share_b),
        spread=spread,
        eta_squared=np.clip(eta, 0.0, 1.0),
        eta_squared_null=np.where(count > 1, (answering - 1) / np.maximum(count - 1, 1), 0.0),
        omega_squared=np.clip(omega, 0.0, 1.0),
        convergence=factors.prod(0),
        group_n=g_n,
        group_mean=g_mean,
        group_for_a=g_a,
        group_for_b=g_b,
        contested_within=split.flag,
        contested_p=split.p_value,
    )


def distinctive(stats: PairStats, top: int = 5) -> list[list[tuple[int, int, float, float]]]:
    """What sets each group apart: its tested distinctive pairs, at most ``top`` each.

    Uses `inference.distinctive_tests` (Fisher's exact test, Benjamini–Hochberg over
    groups × pairs): one claim per group and pair, never both sides.

    Parameters
    ----------
    stats : PairStats
    top : int
        Pairs kept per group, smallest adjusted p-value first.

    Returns
    -------
    list, one per group, of ``(pair, side, ratio, p_value)``
        ``side`` 0 favours outcome_a, 1 outcome_b; ``ratio`` the group's share on that
        side over the rest's (inf when no one else is on it); ``p_value`` adjusted.
    """
    tests = distinctive_tests(stats.group_for_a, stats.group_for_b, stats.group_n)
    sides = np.stack([stats.group_for_a, stats.group_for_b])
    n_g = stats.group_n
    n_r = n_g.sum(0) - n_g
    rest = sides.sum(1, keepdims=True) - sides
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (sides / np.maximum(n_g, 1)) / (rest / np.maximum(n_r, 1))
    result: list[list[tuple[int, int, float, float]]] = []
    for g in range(n_g.shape[0]):
        pairs = np.flatnonzero(tests.flag[g])
        order = pairs[np.argsort(tests.p_value[g, pairs], kind="stable")][:top]
        result.append(
            [
                (
                    int(p),
                    int(tests.side[g, p]),
                    float(ratio[tests.side[g, p], g, p]),
                    float(tests.p_value[g, p]),
                )
                for p in order
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


@dataclass(frozen=True)
class ClusterFit:
    """Opinion clusters: ``labels`` ``(K,)``, their number, silhouette and method note."""

    k: int
    labels: np.ndarray
    silhouette: float | None
    method: str


def _maxclust(tree: np.ndarray, k: int) -> np.ndarray:
    """``fcluster(tree, k, criterion="maxclust")`` for a tree `linkage` has just built.

    The routine behind ``fcluster``, without the checks of the whole tree that
    ``fcluster`` repeats on every call (most of its time here).
    """
    labels = np.zeros(tree.shape[0] + 1, dtype="i")
    _hierarchy.cluster_maxclust_dist(tree, labels, labels.size, k)
    return labels


def _ward(condensed: np.ndarray, size: int) -> np.ndarray:
    """``linkage(condensed, method="ward")`` of ``size`` points (finite distances)."""
    if not np.isfinite(condensed).all():
        raise ValueError("The condensed distance matrix must contain only finite values.")
    return _hierarchy.nn_chain(condensed, size, _WARD)


def _square(condensed: np.ndarray, size: int) -> np.ndarray:
    """``squareform(condensed)``: the symmetric distance matrix, zeros on the diagonal."""
    dist = np.zeros((size, size))
    _square_form.to_squareform_from_vector_wrap(dist, condensed)
    return dist


def _silhouettes(condensed: np.ndarray, cuts: list[np.ndarray]) -> np.ndarray:
    """Mean silhouette of each of the nested ``cuts`` ``(S,)`` of one tree, from its
    ``condensed`` distances.

    Each point's summed distances to the clusters of the finest cut come from one product
    with the distance matrix; a coarser cluster's sums add up those of the finest clusters
    it holds, so the matrix is read once for every cut.
    """
    size = cuts[0].size
    finest = max(cuts, key=lambda labels: int(labels.max()))
    leaves = int(finest.max()) + 1
    widths = [int(labels.max()) + 1 for labels in cuts]
    starts = np.cumsum([0, *widths[:-1]])
    # Column ``starts[c] + j`` is cluster j of cut c; ``holds`` maps finest clusters to them.
    own = np.stack(cuts) + starts[:, None]  # (C, S)
    holds = np.zeros((leaves, sum(widths)))
    holds[np.repeat(finest[None], len(cuts), 0), own] = 1.0
    sums = (_square(condensed, size) @ np.eye(leaves)[finest] @ holds).T  # (columns, S)
    sizes = np.bincount(own.ravel(), minlength=holds.shape[1]).astype(float)
    at = np.arange(size)
    others = np.maximum(sizes[own] - 1, 0)  # (C, S): the rest of each point's cluster
    a = np.where(others > 0, sums[own, at] / np.maximum(others, 1), 0.0)
    mean_to = sums / np.maximum(sizes, 1)[:, None]
    mean_to[own, at] = np.inf
    b = np.minimum.reduceat(mean_to, starts, axis=0)
    s = np.where(others > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return s.mean(1)


def _best_split(sub: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Ward clustering of ``sub`` with k = 2 … 8 by mean silhouette: (score, labels)."""
    sub = np.ascontiguousarray(sub, dtype=float)
    # Ward on observations computes exactly these distances first (``pdist(sub)``).
    condensed = _distances.pdist_euclidean(sub)
    tree = _ward(condensed, sub.shape[0])
    # Cuts of one tree at rising heights are nested, as `_silhouettes` needs.
    cuts = [
        np.unique(_maxclust(tree, k), return_inverse=True)[1]
        for k in range(2, min(MAX_CLUSTERS, sub.shape[0] - 1) + 1)
    ]
    cuts = [labels for labels in cuts if labels.max() >= 1]
    if not cuts:
        return None
    best: tuple[float, np.ndarray] | None = None
    for score, labels in zip(_silhouettes(condensed, cuts).tolist(), cuts, strict=True):
        if best is None or score > best[0] + 1e-12:
            best = (score, labels)
    return best


def cluster_test(points: np.ndarray, seed: int) -> tuple[bool, float | None]:
    """Is there more than one opinion cluster? A Monte Carlo test against one population.

    The best Ward silhouette of the points (at most `CLUSTER_TEST_CAP`, a seeded sample)
    is compared with that of `CLUSTER_REFERENCES` samples of the same size from one
    Gaussian population with the points' mean and covariance (a parametric reference, as
    in Tibshirani, Walther & Hastie's gap statistic with a PCA-aligned reference).

    Returns
    -------
    clustered : bool
        True when the observed silhouette exceeds every reference (p ≤ 1/(R + 1)).
    p_value : float or None
        ``(1 + #references at least as high)/(R + 1)``; None when untestable.
    """
    rng = np.random.default_rng(seed)
    K = points.shape[0]
    sample = points if K <= CLUSTER_TEST_CAP else points[rng.choice(K, CLUSTER_TEST_CAP, False)]
    observed = _best_split(sample)
    if observed is None:
        return False, None
    centred = sample - sample.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = (s[:, None] * vt) / np.sqrt(max(sample.shape[0] - 1, 1))
    beaten = 0
    for _ in range(CLUSTER_REFERENCES):
        ref = rng.standard_normal((sample.shape[0], s.size)) @ scale
        found = _best_split(ref)
        beaten += found is not None and found[0] >= observed[0] - 1e-12
    p = (1 + beaten) / (CLUSTER_REFERENCES + 1)
    return beaten == 0, p


def clusters(points: np.ndarray, seed: int) -> ClusterFit:
    """Opinion clusters of clr priority vectors: one, unless `cluster_test` finds more.

    When the test finds structure, Ward clustering with k = 2 … 8 by mean silhouette.
    Above 2,000 participants a seeded sample of 2,000 is clustered and the others are
    assigned to the nearest cluster centroid (Ward linkage is O(K²)).

    Parameters
    ----------
    points : (K, n) ndarray
        clr vectors.
    seed : int

    Returns
    -------
    ClusterFit
        Labels numbered by cluster size (0 largest); one cluster when K < 3, when all
        vectors coincide or when the test does not beat the one-population reference.
    """
    K = points.shape[0]
    method = (
        "Ward linkage on clr priorities, k = 2…8 by mean silhouette, reported only when the "
        f"silhouette beats all {CLUSTER_REFERENCES} one-population (Gaussian) references"
    )
    spread = np.ptp(points, axis=0).max() if K else 0.0
    if K < 4 or spread < 1e-9:
        return ClusterFit(
            1, np.zeros(K, dtype=int), None, method + "; one cluster (too few or identical)"
        )
    clustered, p = cluster_test(points, seed)
    if not clustered or p is None:
        note = "" if p is None else f" (p = {p:.2f})"
        return ClusterFit(
            1,
            np.zeros(K, dtype=int),
            None,
            method + f"; one cluster: no more structure than one population{note}",
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
    best = _best_split(sub)
    if best is None:
        return ClusterFit(1, np.zeros(K, dtype=int), None, method + "; one cluster")
    score, labels = best
    k = int(labels.max() + 1)
    centroids = np.stack([sub[labels == c].mean(0) for c in range(k)])
    if K > CLUSTER_CAP:
        full = np.argmin(_distances.cdist_sqeuclidean(points, centroids), axis=1)
        full[sample] = labels
    else:
        full = labels
    order = np.argsort(-np.bincount(full, minlength=k), kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    return ClusterFit(k, relabel[full], score, method + f" (p = {p:.2f})")


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
