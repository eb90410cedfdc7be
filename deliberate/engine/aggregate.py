"""Voice weights and group aggregation (AIJ, AIP), batched over weight vectors.

A weight matrix ``(B, K)`` gives B aggregations at once: one row is one voice
distribution (the chosen weighting, a group's equal voice, a bootstrap resample, a point
of the sensitivity sweep). AIJ is then a matrix product with the ``(K, P)`` log
judgments of the ``P = n(n−1)/2`` pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .judgments import components
from .priorities import normalise_log, priorities

__all__ = [
    "AGGREGATES",
    "WEIGHTINGS",
    "Parts",
    "aij",
    "answered_pairs",
    "combine",
    "from_pairs",
    "group_totals",
    "judgment_sums",
    "mix",
    "pair_priorities",
    "parts",
    "to_pairs",
    "voice_weights",
    "weighted_parts",
]

WEIGHTINGS = ("person", "groups", "custom")
AGGREGATES = ("aij", "aip")


def to_pairs(log_judgments: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper-triangle form of a stack.

    Parameters
    ----------
    log_judgments, mask : (..., n, n) ndarray

    Returns
    -------
    x : (..., P) ndarray
        ``ln a_ij`` for ``i < j`` in ``numpy.triu_indices(n, 1)`` order (0 where missing).
    m : (..., P) bool ndarray
    """
    i, j = np.triu_indices(log_judgments.shape[-1], 1)
    return log_judgments[..., i, j], mask[..., i, j]


def from_pairs(x: np.ndarray, m: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `to_pairs`: ``(..., P)`` to antisymmetric ``(..., n, n)`` and its mask."""
    i, j = np.triu_indices(n, 1)
    logs = np.zeros((*x.shape[:-1], n, n))
    mask = np.zeros((*x.shape[:-1], n, n), dtype=bool)
    logs[..., i, j], logs[..., j, i] = x, -x
    mask[..., i, j] = mask[..., j, i] = m
    return logs, mask


def group_totals(
    group_index: np.ndarray,
    groups: Sequence[str],
    weighting: str,
    custom: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Each group's share of the voice, ``(G,)``, summing to 1 over groups with members.

    Parameters
    ----------
    group_index : (K,) int ndarray
    groups : sequence of str, length G
    weighting : {"person", "groups", "custom"}
        One person one voice (``K_g / K``), each group an equal voice (``1 / G``), or
        ``custom`` weights (normalised over groups with members).
    custom : mapping of group name to weight
        Required for ``custom``; must name only known groups, weights ≥ 0.

    Raises
    ------
    ValueError
        On an unknown weighting, missing or invalid custom weights.
    """
    counts = np.bincount(group_index, minlength=len(groups)).astype(float)
    present = counts > 0
    if weighting == "person":
        return counts / counts.sum()
    if weighting == "groups":
        return present / present.sum()
    if weighting != "custom":
        raise ValueError(f"unknown weighting {weighting!r}; expected one of {WEIGHTINGS}")
    if not custom:
        raise ValueError("custom weighting needs group weights (NAME=W for each group)")
    unknown = sorted(set(custom) - set(groups))
    if unknown:
        raise ValueError(f"group weight(s) for unknown group(s): {', '.join(unknown)}")
    values = np.array([float(custom.get(g, 0.0)) for g in groups])
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("group weights must be finite and non-negative")
    missing = [g for g, p, v in zip(groups, present, values, strict=True) if p and g not in custom]
    if missing:
        raise ValueError(f"no group weight for group(s): {', '.join(missing)}")
    values = values * present
    if values.sum() <= 0:
        raise ValueError("group weights of the groups with participants sum to 0")
    return values / values.sum()


def voice_weights(group_index: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Participant voice weights ``α_k = W_g / K_g``, ``(K,)`` summing to 1.

    Parameters
    ----------
    group_index : (K,) int ndarray
    totals : (G,) ndarray
        Group shares from `group_totals`.
    """
    counts = np.bincount(group_index, minlength=totals.size)
    return totals[group_index] / counts[group_index]


def judgment_sums(
    weights: np.ndarray, x: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums of answered log judgments and of answering weights, per pair.

    Sums over disjoint sets of participants add up, so group sums combine into any
    mixture of groups.

    Parameters
    ----------
    weights : (B, K) ndarray
        Voice weights, one aggregation per row.
    x : (K, P) ndarray
        Log judgments in pair form (`to_pairs`).
    m : (K, P) bool ndarray

    Returns
    -------
    num, den : (B, P) ndarray
        ``Σ_k w_k m_k x_k`` and ``Σ_k w_k m_k``.
    """
    answered_x, answered = answered_pairs(x, m)
    return weights @ answered_x, weights @ answered


def answered_pairs(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What `judgment_sums` weighs: log judgments with 0 where unanswered, and the mask as
    floats (computed once for participants weighted many times, as in the bootstrap)."""
    return np.where(m, x, 0.0), m.astype(float)


def aij(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate individual judgments from `judgment_sums`: weighted geometric mean per pair.

    For each pair the weights of those who answered it are renormalised.

    Parameters
    ----------
    num, den : (B, P) ndarray

    Returns
    -------
    x_group : (B, P) ndarray
        Aggregated log judgments (0 where nobody with weight answered).
    m_group : (B, P) bool ndarray
    """
    answered = den > 0
    return np.where(answered, num / np.where(answered, den, 1.0), 0.0), answered


def pair_priorities(
    x: np.ndarray, m: np.ndarray, n: int, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Priorities of a stack of pair-form matrices, NaN where the graph is disconnected.

    Parameters
    ----------
    x : (B, P) ndarray
    m : (B, P) bool ndarray
    n : int
    method : {"ev", "rgm"}

    Returns
    -------
    weights : (B, n) ndarray
    lambda_max : (B,) ndarray
    """
    logs, mask = from_pairs(x, m, n)
    ok = components(mask)[:, 0, :].all(-1)
    weights = np.full((x.shape[0], n), np.nan)
    lam = np.full(x.shape[0], np.nan)
    if ok.any():
        weights[ok], lam[ok] = priorities(logs[ok], mask[ok], method)
    return weights, lam


class Parts(NamedTuple):
    """Additive pieces of an aggregation, one row per voice distribution.

    Attributes
    ----------
    num, den : (B, P) ndarray
        `judgment_sums` (for AIJ).
    log_w : (B, n) ndarray
        Weighted sum of log individual priorities (for AIP).
    """

    num: np.ndarray
    den: np.ndarray
    log_w: np.ndarray


def parts(weights: np.ndarray, x: np.ndarray, m: np.ndarray, log_w: np.ndarray) -> Parts:
    """`Parts` of participants under voice weights ``(B, K)`` (rows summing to 1 per group).

    Parameters
    ----------
    weights : (B, K) ndarray
    x, m : (K, P) ndarray
        Pair-form log judgments and mask.
    log_w : (K, n) ndarray
        Log individual priorities.
    """
    return weighted_parts(weights, *answered_pairs(x, m), log_w)


def weighted_parts(
    weights: np.ndarray, answered_x: np.ndarray, answered: np.ndarray, log_w: np.ndarray
) -> Parts:
    """`parts` from `answered_pairs` already computed."""
    return Parts(weights @ answered_x, weights @ answered, weights @ log_w)


def _group_mean(p: Parts) -> Parts:
    """A group's parts with its answering members' mean as the numerator, 1 as weight."""
    mean, answered = aij(p.num, p.den)
    return Parts(mean, answered.astype(float), p.log_w)


def mix(totals: np.ndarray, group_parts: Sequence[Parts], *, by_group: bool = False) -> Parts:
    """Mixture of groups: ``Σ_g totals[:, g] · parts_g``.

    Parameters
    ----------
    totals : (Q, G) ndarray
        Group shares of the voice per row.
    group_parts : sequence of G `Parts`
        Each with B rows; B and Q must broadcast (B = 1, Q = 1 or B = Q).
    by_group : bool
        Aggregate within each group first: on every pair each group's voice is its share
        ``totals[:, g]`` applied to the mean over its members who answered the pair,
        renormalised over the groups with an answer, however many members skipped it
        (for group and custom weightings). False pools the answers of all participants
        (one person, one voice).
    """
    if by_group:
        group_parts = [_group_mean(p) for p in group_parts]
    return Parts(
        *(
            sum(totals[:, g, None] * getattr(p, field) for g, p in enumerate(group_parts))
            for field in Parts._fields
        )
    )


def combine(p: Parts, n: int, method: str, aggregate: str) -> np.ndarray:
    """Group priorities ``(B, n)`` from `Parts` by AIJ or AIP (NaN rows if disconnected).

    Parameters
    ----------
    p : Parts
    n : int
    method : {"ev", "rgm"}
        Priority method for AIJ.
    aggregate : {"aij", "aip"}
        AIJ: priorities of the weighted geometric mean of judgments (Aczél & Saaty 1983).
        AIP: normalised weighted geometric mean of priorities (Forman & Peniwati 1998).
    """
    if aggregate == "aip":
        return normalise_log(p.log_w)
    if aggregate != "aij":
        raise ValueError(f"unknown aggregate {aggregate!r}; expected one of {AGGREGATES}")
    return pair_priorities(*aij(p.num, p.den), n, method)[0]
