"""Tests behind every flag of the disagreement map, with multiplicity control.

Each flag is a family of hypotheses over all pairs × groups, controlled by the
Benjamini–Hochberg (1995) procedure at false discovery rate `ALPHA`:

* **a group's side on a pair**: Fisher's sign-flip randomisation test of "mean log
  judgment = 0" (exact over all 2^k sign patterns for up to 6 non-zero answers,
  Student's t above); a conflict between groups
  is a pair where one group is shown to favour a and another b;
* **contested within a group**: at least `CONTESTED_SHARE` of the group on each side
  (intersection–union of two exact binomial tests);
* **what sets a group apart**: Fisher's exact (hypergeometric) test of the group's share
  on a side against the rest's, two-sided over the sides (one claim per group and pair).

See docs/METHODS.md §6 and ``benchmarks/calibration.py`` for measured error rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import binom_sf, hypergeom_sf, t_sf

__all__ = [
    "ALPHA",
    "CONTESTED_SHARE",
    "EXACT_SIGN_FLIP",
    "Contested",
    "Distinctive",
    "Sides",
    "adjust",
    "contested",
    "distinctive_tests",
    "group_rows",
    "moments",
    "sides",
]

#: False discovery rate of every flag family.
ALPHA = 0.05
#: A group contests a pair when at least this share of it is shown to be on each side.
CONTESTED_SHARE = 0.15
#: Up to this many non-zero answers the sign-flip test enumerates every sign pattern.
EXACT_SIGN_FLIP = 6
_EPS = 1e-9
_SIGNS = 1.0 - 2.0 * ((np.arange(2**EXACT_SIGN_FLIP)[:, None] >> np.arange(EXACT_SIGN_FLIP)) & 1)


def adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values of any array (NaN entries are not tested).

    Parameters
    ----------
    p : ndarray
        Raw p-values; NaN marks a hypothesis outside the family.

    Returns
    -------
    ndarray
        Same shape; ``adjusted ≤ q`` exactly when the Benjamini–Hochberg (1995)
        step-up procedure rejects at false discovery rate q. NaN stays NaN.
    """
    flat = np.asarray(p, dtype=float).ravel()
    out = np.full(flat.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(flat))
    if tested.size:
        order = tested[np.argsort(flat[tested], kind="stable")]
        scaled = flat[order] * tested.size / np.arange(1, tested.size + 1)
        out[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return out.reshape(np.shape(p))


def group_rows(group_index: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row indices of each group's members."""
    return [np.flatnonzero(group_index == g) for g in range(n_groups)]


def moments(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answers, mean and standard deviation (ddof 1) per column over answered entries.

    Parameters
    ----------
    x, m : (k, P) ndarray
        One group's log judgments and mask.

    Returns
    -------
    count, mean, sd : (P,) ndarray
        Mean 0 without answers; sd 0 below two answers.
    """
    count = m.sum(0)
    mean = np.where(m, x, 0.0).sum(0) / np.maximum(count, 1)
    dev = np.where(m, x - mean, 0.0)
    return count, mean, np.sqrt((dev**2).sum(0) / np.maximum(count - 1, 1))


def sign_flip(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Two-sided p-values of "mean = 0" per column by sign-flipping the answers.

    Parameters
    ----------
    x : (k, P) ndarray
        Log judgments of one group.
    m : (k, P) bool ndarray
        Answered.

    Returns
    -------
    (P,) ndarray
        Exact randomisation p-value (share of the 2^k sign patterns whose |sum| reaches
        the observed one) for up to `EXACT_SIGN_FLIP` non-zero answers; above, Student's t
        on the answers (the exact ``2^(1−k)`` when all k answers are equal). 1 with fewer
        than two answers or no non-zero answer.
    """
    values = np.where(m, x, 0.0)
    nonzero = (np.abs(values) > _EPS).sum(0)
    answered = m.sum(0)
    p = np.ones(values.shape[1])
    small = (nonzero <= EXACT_SIGN_FLIP) & (nonzero > 0) & (answered >= 2)
    if small.any():
        mags = -np.sort(-np.abs(values[:, small]), axis=0)[:EXACT_SIGN_FLIP]
        mags = np.vstack([mags, np.zeros((EXACT_SIGN_FLIP - mags.shape[0], mags.shape[1]))])
        observed = np.abs(values[:, small].sum(0))
        sums = np.abs(_SIGNS @ mags)
        p[small] = (sums >= observed - 1e-9 * (1 + observed)).mean(0)
    large = (nonzero > EXACT_SIGN_FLIP) & (answered >= 2)
    if large.any():
        k, mean, sd = (v[large] for v in moments(x, m))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(sd > 0, np.abs(mean) / (sd / np.sqrt(k)), np.inf)
        p[large] = np.where(sd > 0, 2 * t_sf(t, k - 1), 2.0 ** (1 - nonzero[large]))
    return p


@dataclass(frozen=True)
class Sides:
    """Which side each group is shown to take on each pair, and the conflicts.

    Attributes
    ----------
    p_value : (G, P) ndarray
        BH-adjusted p-value of "the group's mean log judgment is 0"; NaN where the
        group has fewer than two answers.
    side : (G, P) int ndarray
        +1 the group is shown to favour a, -1 b, 0 neither.
    conflict : (P,) bool ndarray
        One group shown on each side.
    conflict_p : (P,) ndarray
        Adjusted p-value of the conflict: the larger of the smallest adjusted p-values
        of the groups leaning to a and to b (NaN when no group leans each way).
    """

    p_value: np.ndarray
    side: np.ndarray
    conflict: np.ndarray
    conflict_p: np.ndarray


def sides(x: np.ndarray, m: np.ndarray, group_index: np.ndarray, n_groups: int) -> Sides:
    """Sign-flip tests of every group on every pair, BH over pairs × groups.

    Parameters
    ----------
    x, m : (K, P) ndarray
        Pair-form log judgments and mask.
    group_index : (K,) int ndarray
    n_groups : int
    """
    P = x.shape[1]
    raw = np.full((n_groups, P), np.nan)
    mean = np.zeros((n_groups, P))
    for g, rows in enumerate(group_rows(group_index, n_groups)):
        count, mean[g], _ = moments(x[rows], m[rows])
        tested = count >= 2
        raw[g, tested] = sign_flip(x[rows], m[rows])[tested]
    adjusted = adjust(raw)
    shown = np.nan_to_num(adjusted, nan=1.0) <= ALPHA
    side = np.where(shown, np.sign(mean), 0).astype(int)
    conflict = np.asarray((side > 0).any(0) & (side < 0).any(0))
    best = [np.where(side == s, adjusted, np.inf).min(0) for s in (1, -1)]
    conflict_p = np.maximum(*best)
    return Sides(adjusted, side, conflict, np.where(np.isfinite(conflict_p), conflict_p, np.nan))


@dataclass(frozen=True)
class Contested:
    """Groups split on a pair: ``p_value`` (G, P) BH-adjusted (NaN untested), ``flag``."""

    p_value: np.ndarray
    flag: np.ndarray


def contested(for_a: np.ndarray, for_b: np.ndarray, answered: np.ndarray) -> Contested:
    """Test that at least `CONTESTED_SHARE` of a group stands on each side of a pair.

    Intersection–union test: the larger of the two one-sided exact binomial p-values of
    "share on this side ≤ CONTESTED_SHARE"; BH over groups × pairs with two or more
    answers.

    Parameters
    ----------
    for_a, for_b, answered : (G, P) ndarray
        Members favouring a, favouring b, and answering.
    """
    n = answered.astype(int)
    p_a = binom_sf(for_a - 1, n, CONTESTED_SHARE)
    p_b = binom_sf(for_b - 1, n, CONTESTED_SHARE)
    raw = np.where(n >= 2, np.maximum(p_a, p_b), np.nan)
    adjusted = adjust(raw)
    return Contested(adjusted, np.nan_to_num(adjusted, nan=1.0) <= ALPHA)


@dataclass(frozen=True)
class Distinctive:
    """What sets each group apart, one claim per group and pair.

    Attributes
    ----------
    p_value : (G, P) ndarray
        BH-adjusted; NaN where untested.
    raw : (G, P) ndarray
        Unadjusted (two-sided over the sides).
    side : (G, P) int ndarray
        0: the group favours a more than the rest; 1: b.
    flag : (G, P) bool ndarray
        Significant, and the group's own majority is on that side.
    """

    p_value: np.ndarray
    raw: np.ndarray
    side: np.ndarray
    flag: np.ndarray


def distinctive_tests(for_a: np.ndarray, for_b: np.ndarray, answered: np.ndarray) -> Distinctive:
    """Fisher's exact test of each group's share on each side against the rest's.

    For group g and pair p, the one-sided hypergeometric p-value that g has at least as
    many members on side s as it does, given the pair's totals; the smaller of the two
    sides, doubled (Bonferroni over the sides), is the group's p-value; BH over groups
    × pairs where the group has two or more answers and the rest at least one.

    Parameters
    ----------
    for_a, for_b, answered : (G, P) ndarray
        Members favouring a, favouring b, and answering, per group.
    """
    total = answered.sum(0)
    one_sided = np.stack([hypergeom_sf(c - 1, total, c.sum(0), answered) for c in (for_a, for_b)])
    side = np.argmin(one_sided, axis=0)
    raw = np.minimum(2 * one_sided.min(0), 1.0)
    raw = np.where((answered >= 2) & (total - answered >= 1), raw, np.nan)
    adjusted = adjust(raw)
    own = np.where(side == 0, for_a > for_b, for_b > for_a)
    return Distinctive(adjusted, raw, side, (np.nan_to_num(adjusted, nan=1.0) <= ALPHA) & own)
