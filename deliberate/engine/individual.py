"""Each participant's own priorities and consistency (§2–3 of docs/METHODS.md).

:func:`deliberate.engine.analyze` computes them for a whole table at once, beside the
groups' aggregates; :func:`own_priorities` computes them for one person's answers alone,
which is all that person's live feedback needs, without the group analysis around it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .consistency import alonso_lamata, consistency_ratio, gci, most_inconsistent
from .consistency import cr_threshold as default_cr_threshold
from .judgments import components, exact_value
from .priorities import eigenvector, harker_matrix, llsm
from .types import OwnFigures

__all__ = ["Individuals", "cut_off", "finite_floats", "individuals", "own_priorities"]


class Individuals(NamedTuple):
    """Priorities and consistency of a stack of ``K`` participants' matrices."""

    weights: np.ndarray  # (K, n): by the chosen method
    log_weights: np.ndarray  # (K, n): LLSM (row geometric mean when complete)
    lambda_max: np.ndarray  # (K,): of the (Harker) matrix
    cr: np.ndarray  # (K,): Saaty's, with an RI by number of missing pairs
    cr_alonso_lamata: np.ndarray  # (K,)
    threshold: float  # the acceptable CR used
    cr_assessable: np.ndarray  # (K,) bool: enough comparisons left to judge consistency
    consistent: np.ndarray  # (K,) bool: not assessable counts as consistent
    answered: np.ndarray  # (K,) int: pairs answered
    complete: np.ndarray  # (K,) bool
    gci: np.ndarray  # (K,)
    worst: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # most_inconsistent's

    def entries(self, names: Sequence[str], log_judgments: np.ndarray) -> list[OwnFigures]:
        """Each participant's figures as a report lists them (``log_judgments``: the
        stack's), read from plain lists: indexing arrays once per participant is slow."""
        K = self.weights.shape[0]
        weights = self.weights.tolist()
        lam, cr, al, gci_ = (
            finite_floats(a) for a in (self.lambda_max, self.cr, self.cr_alonso_lamata, self.gci)
        )
        assessable, consistent, answered, complete = (
            a.tolist() for a in (self.cr_assessable, self.consistent, self.answered, self.complete)
        )
        wi, wj, deviation, suggested = (part.tolist() for part in self.worst)
        at = np.arange(K)
        value = np.exp(
            log_judgments[at, np.maximum(self.worst[0], 0), np.maximum(self.worst[1], 0)]
        ).tolist()
        exact = {v: exact_value(v) for v in set(value)}  # a few distinct values
        return [
            {
                "weights": dict(zip(names, weights[k], strict=True)),
                "lambda_max": lam[k],
                "cr": cr[k],
                "cr_assessable": assessable[k],
                "cr_alonso_lamata": al[k],
                "gci": gci_[k],
                "consistent": consistent[k],
                "answered": answered[k],
                "complete": complete[k],
                "most_inconsistent": None
                if wi[k] < 0
                else {
                    "a": names[wi[k]],
                    "b": names[wj[k]],
                    "value": exact[value[k]],
                    "suggested": suggested[k],
                    "deviation": deviation[k],
                },
            }
            for k in range(K)
        ]


def finite_floats(values: np.ndarray) -> list[float | None]:
    """``(K,)`` array as a list of plain floats, None for NaN/inf."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def individuals(
    log_judgments: np.ndarray,
    mask: np.ndarray,
    priority: str = "ev",
    cr_threshold: float | None = None,
) -> Individuals:
    """Each participant's priorities and consistency, in one vectorised pass.

    Parameters
    ----------
    log_judgments, mask : (K, n, n) ndarray
        As in :class:`deliberate.engine.JudgmentTable`; every comparison graph connected.
    priority : {"ev", "rgm"}
        Eigenvector (Harker's where incomplete) or LLSM.
    cr_threshold : float, optional
        Acceptable CR; default by n (Saaty 1994).
    """
    K, n = log_judgments.shape[0], log_judgments.shape[-1]
    w_log = llsm(log_judgments, mask) if K else np.zeros((0, n))
    w_ev, lam = (
        eigenvector(harker_matrix(log_judgments, mask), start=w_log) if K else (w_log, np.zeros(0))
    )
    w = w_ev if priority == "ev" else w_log
    answered = mask.sum((-2, -1)) // 2
    cr = consistency_ratio(lam, n, missing=n * (n - 1) // 2 - answered)
    threshold = default_cr_threshold(n) if cr_threshold is None else float(cr_threshold)
    assessable = np.isfinite(cr)
    return Individuals(
        weights=w,
        log_weights=w_log,
        lambda_max=lam,
        cr=cr,
        cr_alonso_lamata=alonso_lamata(lam, n),
        threshold=threshold,
        cr_assessable=assessable,
        # Not assessable is not shown inconsistent: never flagged, never excluded.
        consistent=~assessable | (cr <= threshold + 1e-12),
        answered=answered,
        complete=answered == n * (n - 1) // 2,
        gci=gci(log_judgments, mask, w_log),
        worst=most_inconsistent(log_judgments, mask, w),
    )


def cut_off(reach: np.ndarray, names: Sequence[str]) -> list[str] | None:
    """The outcomes outside the largest connected part of one comparison graph, or None
    when it connects every outcome (``reach``: its ``(n, n)`` slice of `components`)."""
    if reach[0].all():
        return None
    largest = int(np.argmax(reach.sum(-1)))
    return [names[i] for i in np.flatnonzero(~reach[largest]).tolist()]


def own_priorities(
    names: Sequence[str],
    judgments: Iterable[tuple[int, int, float]],
    cr_threshold: float | None = None,
) -> dict[str, Any] | None:
    """One person's priorities and consistency from their answers alone, as live feedback.

    Parameters
    ----------
    names : sequence of str
        The outcomes, in display order.
    judgments : iterable of (i, j, value)
        Outcome ``names[i]`` matters ``value`` times more than ``names[j]`` (i ≠ j; each
        pair at most once).
    cr_threshold : float, optional
        Acceptable CR; default by n.

    Returns
    -------
    dict or None
        None without any answer; ``{"connected": False, "cut_off": [...]}`` while the
        answers do not connect every outcome; otherwise ``connected: True`` and the
        figures a report lists for a participant (weights, lambda_max, cr,
        cr_alonso_lamata, gci, consistent, answered, complete, most_inconsistent), equal
        to those :func:`deliberate.engine.analyze` gives with the same options.
    """
    n = len(names)
    logs = np.zeros((1, n, n))
    mask = np.zeros((1, n, n), dtype=bool)
    for i, j, value in judgments:
        x = math.log(exact_value(float(value)))
        logs[0, i, j], logs[0, j, i] = x, -x
        mask[0, i, j] = mask[0, j, i] = True
    if not mask.any():
        return None
    missing = cut_off(components(mask)[0], names)
    if missing is not None:
        return {"connected": False, "cut_off": missing}
    return {
        "connected": True,
        **individuals(logs, mask, "ev", cr_threshold).entries(names, logs)[0],
    }
