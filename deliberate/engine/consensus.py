"""Consensus and agreement among participants' priority vectors.

Goepel's (2013, 2018) entropy-based relative homogeneity S and consensus indicator S*
(as in BPMSG AHP-OS), Kendall's W with tie correction, and distances between centred
log (clr) priorities (Aitchison 1986).
"""

from __future__ import annotations

import numpy as np

from .distributions import chi2_sf, rankdata
from .types import Distances

__all__ = [
    "S_BANDS",
    "W_BANDS",
    "agreement_band",
    "clr",
    "consensus_band",
    "distance_summary",
    "goepel",
    "kendall_w",
    "ranks",
]

#: AHP-OS verbal bands of S*: upper bound (inclusive) → words; above the last, "very high".
S_BANDS = ((0.5, "very low"), (0.625, "low"), (0.75, "moderate"), (0.875, "high"))
#: Verbal bands of Kendall's W (Schmidt 1997, Decision Sciences 28(3)): upper bound
#: (exclusive) → words; from the last on, "very strong".
W_BANDS = ((0.1, "very weak"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong"))
_TIE_DECIMALS = 12


def _entropy(w: np.ndarray) -> np.ndarray:
    """Shannon entropy along the last axis (0 ln 0 = 0)."""
    return -np.sum(np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0), axis=-1)


def goepel(weights: np.ndarray) -> tuple[float, float]:
    """Relative homogeneity S and AHP consensus indicator S* of K priority vectors.

    Parameters
    ----------
    weights : (K, n) ndarray

    Returns
    -------
    consensus : float
        S*, corrected for the 1–9 scale (0 when each participant rates a different
        outcome 9 times every other, 1 for identical participants).
    homogeneity : float
        S, uncorrected.
    """
    n = weights.shape[-1]
    h_alpha = float(np.mean(_entropy(weights)))
    h_gamma = float(_entropy(weights.mean(0)))
    m = np.exp(-(h_gamma - h_alpha))
    s = (m - 1 / n) / (1 - 1 / n)
    p9, p1 = 9 / (n + 8), 1 / (n + 8)
    h_min = -p9 * np.log(p9) - (n - 1) * p1 * np.log(p1)
    c = n / np.exp(h_min)
    s_star = (m - 1 / c) / (1 - 1 / c)
    return float(np.clip(s_star, 0.0, 1.0)), float(np.clip(s, 0.0, 1.0))


def consensus_band(s_star: float | None) -> str | None:
    """AHP-OS verbal band of S*.

    very low ≤ 50 % < low ≤ 62.5 % < moderate ≤ 75 % < high ≤ 87.5 % < very high.
    """
    if s_star is None:
        return None
    return next((name for limit, name in S_BANDS if s_star <= limit), "very high")


def agreement_band(w: float | None) -> str | None:
    """Schmidt's (1997) verbal band of Kendall's W."""
    if w is None:
        return None
    return next((name for bound, name in W_BANDS if w < bound), "very strong")


def ranks(weights: np.ndarray) -> np.ndarray:
    """Rank of each outcome (1 = highest priority; ties share their mean rank).

    Parameters
    ----------
    weights : (..., n) ndarray

    Returns
    -------
    (..., n) ndarray
        Ties are detected after rounding priorities to 12 decimals.
    """
    return rankdata(-np.round(weights, _TIE_DECIMALS))


def kendall_w(weights: np.ndarray) -> tuple[float | None, float | None]:
    """Kendall's W on the participants' rankings, with the tie correction, and its p-value.

    Parameters
    ----------
    weights : (m, n) ndarray
        One row per rater.

    Returns
    -------
    w : float or None
        None for fewer than two raters or when every ranking is a full tie.
    p_value : float or None
        From ``χ² = m (n − 1) W`` with ``n − 1`` degrees of freedom.
    """
    m, n = weights.shape
    if m < 2 or n < 2:
        return None, None
    r = ranks(weights)
    s_r = float(np.sum((r.sum(0) - m * (n + 1) / 2) ** 2))
    # Σ over tie groups of t³ − t = Σ over outcomes of t² − 1 (t = size of its tie group).
    t = (r[:, :, None] == r[:, None, :]).sum(-1).astype(float)
    ties = float(np.sum(t**2 - 1))
    den = m**2 * (n**3 - n) - m * ties
    if den <= 0:
        return None, None
    w = float(np.clip(12 * s_r / den, 0.0, 1.0))
    return w, chi2_sf(m * (n - 1) * w, n - 1)


def clr(weights: np.ndarray) -> np.ndarray:
    """Centred log-ratio transform ``ln w − mean(ln w)``, ``(..., n)``."""
    lw = np.log(weights)
    return lw - lw.mean(-1, keepdims=True)


def _median(values: np.ndarray) -> float:
    """``np.median`` of a 1-D array, computed as numpy does (``np.median`` itself loads
    ``numpy.ma``, slow to import, for its check of NaN)."""
    if np.isnan(values).any():
        return float("nan")
    ordered = np.sort(values)
    half = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[half])
    return float((ordered[half - 1] + ordered[half]) / 2)


def distance_summary(points: np.ndarray) -> tuple[np.ndarray, Distances]:
    """Distances of clr vectors to their centre, and summary statistics in O(K).

    Parameters
    ----------
    points : (K, n) ndarray
        clr vectors.

    Returns
    -------
    to_centre : (K,) ndarray
        Euclidean distance of each participant to the mean clr vector.
    summary : dict
        ``mean_to_centre``, ``median_to_centre``, ``max_to_centre`` and
        ``rms_pairwise`` (root mean squared distance over all pairs of participants,
        exact, via ``2 K/(K − 1) · mean squared distance to the centre``; None for K < 2).
    """
    K = points.shape[0]
    d = np.linalg.norm(points - points.mean(0), axis=-1)
    summary: Distances = {
        "mean_to_centre": float(d.mean()),
        "median_to_centre": _median(d),
        "max_to_centre": float(d.max()),
        "rms_pairwise": float(np.sqrt(2 * K / (K - 1) * np.mean(d**2))) if K > 1 else None,
    }
    return d, summary
