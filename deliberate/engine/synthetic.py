"""Seeded synthetic judgment tables (for benchmarks, tests and demonstrations)."""

from __future__ import annotations

import numpy as np

from .aggregate import from_pairs
from .consistency import SCALE
from .judgments import JudgmentTable
from .priorities import priorities

__all__ = ["random_lambda", "synthetic_csv", "synthetic_table"]

_SCALE_LOGS = np.log(SCALE)


def synthetic_table(
    participants: int,
    outcomes: int,
    *,
    groups: int = 3,
    noise: float = 0.5,
    skip: float = 0.1,
    seed: int = 0,
) -> JudgmentTable:
    """Judgments drawn around group-specific weights with log-normal noise.

    Each group g has weights ``w_g`` (Dirichlet); participant k answers
    ``a_ij = (w_i / w_j) · exp(ε)``, ``ε ~ N(0, noise²)``, rounded to the nearest value on
    Saaty's scale in log terms, and skips each pair with probability ``skip`` (the path
    0–1–…–(n−1) is always answered, so every comparison graph is connected).

    Parameters
    ----------
    participants : int
        K, split evenly over the groups (round robin).
    outcomes : int
        n.
    groups : int
    noise : float
        Standard deviation of the log-normal noise.
    skip : float
        Probability of skipping a pair.
    seed : int

    Returns
    -------
    JudgmentTable
        Participants ``p0 … p{K−1}``, groups ``g0 …``, outcomes ``o0 …``.
    """
    rng = np.random.default_rng(seed)
    n, K = outcomes, participants
    group_w = rng.dirichlet(np.full(n, 2.0), groups)
    gi = np.arange(K) % groups
    i, j = np.triu_indices(n, 1)
    lw = np.log(group_w)[gi]
    x = lw[:, i] - lw[:, j] + rng.normal(0.0, noise, (K, i.size))
    x = _SCALE_LOGS[np.argmin(np.abs(x[..., None] - _SCALE_LOGS), axis=-1)]
    m = (rng.random((K, i.size)) >= skip) | (j == i + 1)
    logs, mask = from_pairs(np.where(m, x, 0.0), m, n)
    return JudgmentTable(
        outcomes=tuple(f"o{o}" for o in range(n)),
        participants=tuple(f"p{k}" for k in range(K)),
        groups=tuple(f"g{g}" for g in range(groups)),
        group_index=gi.astype(np.intp),
        log_judgments=logs,
        mask=mask,
        reasons={},
    )


_SCALE_TEXT = np.array([str(point) for point in SCALE])  # "1/9" … "9"


def synthetic_csv(table: JudgmentTable) -> str:
    """A table drawn by :func:`synthetic_table` in the judgments CSV format (values as ``1/3``).

    One row per answered pair, participant by participant, as ``deliberate analyze`` reads.
    """
    i, j = np.triu_indices(table.n, 1)
    k, p = np.nonzero(table.mask[:, i, j])
    logs = table.log_judgments[k, i[p], j[p]]
    text = _SCALE_TEXT[np.argmin(np.abs(logs[:, None] - _SCALE_LOGS), axis=1)]
    people = np.array(table.participants, dtype=object)[k]
    groups = np.array(table.groups, dtype=object)[table.group_index[k]]
    names = np.array(table.outcomes, dtype=object)
    lines = map(",".join, zip(people, groups, names[i[p]], names[j[p]], text, strict=True))
    return "participant,group,outcome_a,outcome_b,value\n" + "\n".join(lines) + "\n"


def random_lambda(rng: np.random.Generator, n: int, missing: int, runs: int) -> np.ndarray:
    """Harker's λmax of ``runs`` random n × n matrices with ``missing`` pairs skipped.

    Every answered value is uniform on Saaty's 17 values; the skipped pairs are uniform
    among those that keep the path 0–1–…–(n−1), so the graph stays connected. The
    simulation behind the random indices (``benchmarks/random_index.py``) and their checks.
    """
    P = n * (n - 1) // 2
    i, j = np.triu_indices(n, 1)
    x = _SCALE_LOGS[rng.integers(0, _SCALE_LOGS.size, (runs, P))]
    keys = rng.random((runs, P)) + (j == i + 1)
    m = np.ones((runs, P), bool)
    np.put_along_axis(m, np.argsort(keys, axis=1)[:, :missing], False, axis=1)
    logs, mask = from_pairs(np.where(m, x, 0.0), m, n)
    return priorities(logs, mask, "ev")[1]
