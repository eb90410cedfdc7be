"""Consistency of pairwise comparison matrices, vectorised over a stack.

Saaty's CR with Saaty's (1980) random index (for incomplete matrices an index that
depends on the number of missing comparisons, simulated by ``benchmarks/random_index.py``
after Ágoston & Csató 2022), Alonso & Lamata's (2006) CR, the geometric consistency index
(Aguarón & Moreno-Jiménez 2003) and the most inconsistent judgment.
"""

from __future__ import annotations

import numpy as np

from .judgments import SCALE_POINTS

__all__ = [
    "RI_FIT",
    "RI_FLOOR",
    "RI_INCOMPLETE",
    "RI_INCOMPLETE_NAME",
    "RI_NAME",
    "RI_SAATY",
    "SCALE",
    "alonso_lamata",
    "assessable",
    "consistency_ratio",
    "cr_threshold",
    "gci",
    "gci_threshold",
    "incomplete_ri",
    "most_inconsistent",
    "random_index",
    "residuals",
]

RI_NAME = "Saaty 1980"
#: Saaty's random index for n = 1 … 15 (Saaty 1980); n > 15 uses RI(15).
RI_SAATY = (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
#: Saaty's fundamental scale, 1/9 … 9.
SCALE = np.array(SCALE_POINTS, dtype=float)
_CONSISTENT = 1e-9


RI_INCOMPLETE_NAME = (
    "Harker's λmax with a random index by number of missing comparisons, simulated so a "
    "random incomplete matrix passes as often as a complete one (benchmarks/random_index.py); "
    "not assessable where too few comparisons are left to tell care from chance"
)
#: The share of random matrices the incomplete index is fitted to where complete random
#: matrices almost never pass (n ≥ 7: none of 400,000), so their own rate cannot be
#: simulated to fit it.
RI_FLOOR = 0.001
#: Random incomplete answers are held to this fraction of the complete pass rate (not all
#: of it), so the table's own sampling error cannot let them pass more often.
RI_FIT = 0.8
#: RI(n, m) for m = 1 … (pairs − n) missing comparisons, from ``benchmarks/random_index.py``
#: (100,000 random matrices per cell, 2,000,000 for n = 6; seed 2022), fitted to let pass
#: ``RI_FIT · p0(n)`` of random matrices (p0: the complete pass rate; n ≥ 7: ``RI_FLOOR``
#: instead). None: not assessable — at least that share of random matrices is exactly
#: consistent, so no index can hold random answers to the complete rate.
RI_INCOMPLETE: dict[int, tuple[float | None, ...]] = {
    4: (0.1747, 0.0011),
    5: (0.6275, 0.302, 0.0834, 0.0091, None),
    6: (0.8434, 0.6181, 0.3771, 0.2107, 0.0983, 0.0269, 0.0037, None, None),
    7: (
        1.1043,
        0.9233,
        0.7773,
        0.646,
        0.5347,
        0.3916,
        0.2857,
        0.198,
        0.1282,
        0.067,
        0.0254,
        0.0066,
        0.0004,
        None,
    ),
    8: (
        1.2519,
        1.1479,
        1.0302,
        0.9352,
        0.8073,
        0.6921,
        0.6232,
        0.5214,
        0.4104,
        0.3637,
        0.29,
        0.2192,
        0.1577,
        0.104,
        0.0677,
        0.0349,
        0.0138,
        0.0034,
        0.0002,
        None,
    ),
    9: (
        1.3428,
        1.2669,
        1.1789,
        1.0994,
        0.9984,
        0.9373,
        0.8318,
        0.7889,
        0.6845,
        0.6209,
        0.5596,
        0.4813,
        0.4293,
        0.3593,
        0.311,
        0.2435,
        0.2136,
        0.1672,
        0.1242,
        0.095,
        0.0649,
        0.0422,
        0.023,
        0.0091,
        0.0023,
        0.0001,
        None,
    ),
}
#: Above this n the row of `_RI_LAST` is used at the same share of missing pairs.
_RI_LAST = 9


def incomplete_ri(n: int, missing: np.ndarray) -> np.ndarray:
    """Random index for matrices with ``missing`` unanswered pairs, ``(K,)``.

    Saaty's RI(n) when complete; `RI_INCOMPLETE` otherwise (n > 9: the n = 9 row at the
    same share of missing pairs, scaled by RI(n)/RI(9)). NaN where consistency is not
    assessable: the answered pairs form a tree (no cycle to contradict itself) or a cell
    of the table marked None. n ≤ 2 is always complete-consistent (Saaty's RI, 0).
    """
    missing = np.asarray(missing, dtype=int)
    out = np.full(missing.shape, random_index(n))
    if n <= 2:
        return out
    pairs = n * (n - 1) // 2
    row_n = min(n, _RI_LAST)
    row = np.array(
        [np.nan if v is None else v for v in RI_INCOMPLETE.get(row_n, ())] or [np.nan], float
    )
    scale = random_index(n) / random_index(row_n)
    if n > _RI_LAST:
        share = np.rint(missing * (row_n * (row_n - 1) // 2) / pairs).astype(int)
        index = np.clip(share, 1, row.size) - 1
    else:
        index = np.clip(missing, 1, row.size) - 1
    out = np.where(missing > 0, scale * row[index], out)
    return np.where(missing > pairs - n, np.nan, out)


def assessable(n: int, missing: np.ndarray) -> np.ndarray:
    """Whether Saaty's CR can judge matrices with ``missing`` unanswered pairs, ``(K,)``.

    False for a tree of answers and for the cells of `RI_INCOMPLETE` marked None, where
    random answers would pass more often than complete random matrices whatever the index.
    """
    return np.isfinite(incomplete_ri(n, missing))


def random_index(n: int) -> float:
    """Saaty's random index ``RI(n)`` (n > 15 uses RI(15))."""
    return float(RI_SAATY[min(n, len(RI_SAATY)) - 1])


def cr_threshold(n: int) -> float:
    """Saaty's (1994) acceptable CR: 0.05 for n = 3, 0.08 for n = 4, 0.10 for n ≥ 5."""
    return 0.05 if n <= 3 else 0.08 if n == 4 else 0.10


def gci_threshold(n: int) -> float:
    """GCI thresholds: 0.31 (n = 3), 0.35 (n = 4), 0.37 (n > 4)."""
    return 0.31 if n <= 3 else 0.35 if n == 4 else 0.37


def consistency_ratio(
    lambda_max: np.ndarray, n: int, missing: np.ndarray | None = None
) -> np.ndarray:
    """Saaty's ``CR = (λmax − n) / ((n − 1) RI)``; 0 for n ≤ 2; NaN where not `assessable`.

    Parameters
    ----------
    lambda_max : (K,) ndarray
        Perron eigenvalues (Harker's where incomplete).
    n : int
    missing : (K,) int ndarray, optional
        Unanswered pairs per matrix; RI then comes from `incomplete_ri`. Default: complete.

    Returns
    -------
    (K,) ndarray
        Non-negative (rounding below λmax = n is clipped); NaN where not assessable.
    """
    lam = np.asarray(lambda_max, dtype=float)
    if n <= 2:
        return np.zeros_like(lam)
    ri = random_index(n) if missing is None else incomplete_ri(n, missing)
    return np.maximum((lam - n) / (n - 1) / np.maximum(ri, _CONSISTENT), 0.0)


def alonso_lamata(lambda_max: np.ndarray, n: int) -> np.ndarray:
    """Alonso & Lamata's ``CR = (λmax − n) / (1.7699 n − 4.3513)``; 0 for n ≤ 2.

    Parameters
    ----------
    lambda_max : (K,) ndarray
    n : int

    Returns
    -------
    (K,) ndarray
    """
    lam = np.asarray(lambda_max, dtype=float)
    if n <= 2:
        return np.zeros_like(lam)
    return np.maximum((lam - n) / (1.7699 * n - 4.3513), 0.0)


def residuals(log_judgments: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``e_ij = ln a_ij − ln w_i + ln w_j`` on answered pairs, 0 elsewhere.

    Parameters
    ----------
    log_judgments, mask : (K, n, n) ndarray
    weights : (K, n) ndarray

    Returns
    -------
    (K, n, n) ndarray
        Antisymmetric.
    """
    lw = np.log(weights)
    return np.where(mask, log_judgments - lw[:, :, None] + lw[:, None, :], 0.0)


def gci(log_judgments: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Geometric consistency index ``Σ_{i<j answered} e_ij² / (m − n + 1)``.

    With ``m`` answered pairs; for a complete matrix ``m − n + 1 = (n − 1)(n − 2)/2``,
    Aguarón & Moreno-Jiménez's ``2/((n−1)(n−2))``. 0 when ``m − n + 1 ≤ 0`` (a tree).

    Parameters
    ----------
    log_judgments, mask : (K, n, n) ndarray
    weights : (K, n) ndarray
        LLSM (RGM) priorities.

    Returns
    -------
    (K,) ndarray
    """
    n = mask.shape[-1]
    e = residuals(log_judgments, mask, weights)
    dof = mask.sum((-2, -1)) / 2 - n + 1
    sse = (e**2).sum((-2, -1)) / 2
    return np.where(dof > 0, sse / np.maximum(dof, 1), 0.0)


def most_inconsistent(
    log_judgments: np.ndarray, mask: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The answered pair with the largest ``|ln a_ij − ln w_i + ln w_j|``, per matrix.

    Parameters
    ----------
    log_judgments, mask : (K, n, n) ndarray
    weights : (K, n) ndarray

    Returns
    -------
    i, j : (K,) int ndarray
        The pair, ``i < j``; -1 where the matrix is consistent (deviation < 1e-9).
    deviation : (K,) ndarray
        ``|e_ij|``.
    suggested : (K,) ndarray
        Value on Saaty's scale nearest to ``w_i / w_j`` in log terms (AHP-OS rounds
        linearly instead).
    """
    K, n = weights.shape
    e = np.abs(residuals(log_judgments, mask, weights))
    e = np.triu(e, 1).reshape(K, n * n)
    flat = np.argmax(e, axis=-1)
    dev = e[np.arange(K), flat]
    i, j = np.divmod(flat, n)
    ratio = np.log(weights[np.arange(K), i]) - np.log(weights[np.arange(K), j])
    suggested = SCALE[np.argmin(np.abs(ratio[:, None] - np.log(SCALE)[None, :]), axis=-1)]
    none = dev < _CONSISTENT
    return np.where(none, -1, i), np.where(none, -1, j), dev, suggested
