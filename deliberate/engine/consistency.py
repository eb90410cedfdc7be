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
    "RI_INCOMPLETE",
    "RI_INCOMPLETE_NAME",
    "RI_NAME",
    "RI_SAATY",
    "SCALE",
    "alonso_lamata",
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
    "random incomplete matrix passes as often as a complete one (benchmarks/random_index.py)"
)
#: RI(n, m) for m = 1 … (pairs − n) missing comparisons, from ``benchmarks/random_index.py``
#: (40,000 random matrices per cell, seed 2022).
RI_INCOMPLETE: dict[int, tuple[float, ...]] = {
    4: (0.199, 0.0036),
    5: (0.6878, 0.2999, 0.079, 0.0086, 0.0),
    6: (0.9252, 0.6886, 0.4911, 0.3229, 0.1628, 0.0785, 0.0202, 0.0014, 0.0),
    7: (
        1.1691,
        0.9753,
        0.8537,
        0.6743,
        0.5519,
        0.4229,
        0.328,
        0.2217,
        0.1427,
        0.0829,
        0.0356,
        0.0081,
        0.0005,
        0.0,
    ),
    8: (
        1.3071,
        1.1586,
        1.0581,
        0.9512,
        0.8358,
        0.7156,
        0.6163,
        0.53,
        0.4422,
        0.3577,
        0.2995,
        0.222,
        0.1759,
        0.1163,
        0.0728,
        0.0439,
        0.0143,
        0.0035,
        0.0003,
        0.0,
    ),
    9: (
        1.3668,
        1.2982,
        1.2336,
        1.1269,
        1.0361,
        0.9356,
        0.8795,
        0.7952,
        0.718,
        0.6561,
        0.5492,
        0.5181,
        0.448,
        0.3795,
        0.3243,
        0.2749,
        0.2042,
        0.1865,
        0.136,
        0.1062,
        0.0712,
        0.0421,
        0.0208,
        0.0103,
        0.0026,
        0.0002,
        0.0,
    ),
}
#: Above this n the row of `_RI_LAST` is used at the same share of missing pairs.
_RI_LAST = 9


def incomplete_ri(n: int, missing: np.ndarray) -> np.ndarray:
    """Random index for matrices with ``missing`` unanswered pairs, ``(K,)``.

    Saaty's RI(n) when complete; `RI_INCOMPLETE` otherwise (n > 9: the n = 9 row at the
    same share of missing pairs, scaled by RI(n)/RI(9)). Where the graph is a tree
    (no cycle left) every matrix is consistent and Saaty's RI is returned.
    """
    missing = np.asarray(missing, dtype=int)
    out = np.full(missing.shape, random_index(n))
    pairs = n * (n - 1) // 2
    row_n = min(n, _RI_LAST)
    row = RI_INCOMPLETE.get(row_n)
    if not row:
        return out
    scale = random_index(n) / random_index(row_n)
    cycles = (missing > 0) & (missing <= pairs - n)
    if n > _RI_LAST:
        share = np.rint(missing * (row_n * (row_n - 1) // 2) / pairs).astype(int)
        index = np.clip(share, 1, len(row)) - 1
    else:
        index = np.clip(missing, 1, len(row)) - 1
    return np.where(cycles, scale * np.asarray(row)[index], out)


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
    """Saaty's ``CR = (λmax − n) / ((n − 1) RI)``; 0 for n ≤ 2.

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
        Non-negative (rounding below λmax = n is clipped).
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
