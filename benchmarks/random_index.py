"""Simulate the random-index table for incomplete matrices (``RI_INCOMPLETE``).

For n = 4 … 9 outcomes and m = 1 … (pairs − n) missing comparisons (at least one cycle
left), draws random matrices (every answered value uniform on Saaty's 17 values, the
missing pairs uniform among those keeping the spanning path 1–2–…–n, so the graph is
connected), computes Harker's λmax and ``CI = (λmax − n)/(n − 1)``, and prints

    RI(n, m) = RI_Saaty(n) · Q_m(RI_FIT · q) / Q_0(q),   q = max(p0(n), RI_FLOOR),

where ``Q_m`` is a quantile of CI with m missing and ``p0(n)`` the share of complete random
matrices within Saaty's threshold. When ``p0 ≥ RI_FLOOR`` (n = 4, 5), ``Q_0(p0)`` is the
threshold on CI itself, so a random matrix with m missing passes in a share
``RI_FIT · p0`` (four fifths of the complete rate): at most as often as a complete one,
with a margin for the table's sampling error — the principle of Ágoston & Csató (2022),
here for Harker's eigenvalue. For n ≥ 6, where complete random matrices almost never pass,
the ratio is taken at the floor. Complete matrices keep Saaty's RI. A cell is None
(consistency not assessable) when at least a share ``RI_FIT · q`` of its random matrices
are exactly consistent (CI < 1e-9): they pass whatever the index, so random answers would
pass more often than complete ones (n = 5 with one cycle left: 1.4 % against 0.3 %).

Usage: ``python benchmarks/random_index.py [--runs 100000] [--seed 2022]``; paste the
output into ``deliberate/engine/consistency.py``.
"""

from __future__ import annotations

import argparse

import numpy as np

from deliberate.engine.consistency import RI_FIT, RI_FLOOR, cr_threshold, random_index
from deliberate.engine.synthetic import random_lambda

EXACT = 1e-9
#: Draws per cell where the default is too few: complete random 6 × 6 matrices pass about
#: once in 12,000, so 2,000,000 draws give the fit about 170 passing matrices.
RUNS_BY_N = {6: 2_000_000}
#: Passing complete matrices needed to fit a row at their own pass rate, not at `RI_FLOOR`.
MIN_PASSES = 100
#: Matrices simulated at once (memory).
CHUNK = 250_000


def random_ci(rng: np.random.Generator, n: int, missing: int, runs: int) -> np.ndarray:
    """CI of ``runs`` random matrices with ``missing`` pairs skipped (connected)."""
    lam = np.concatenate(
        [np.zeros(0)]
        + [
            random_lambda(rng, n, missing, min(CHUNK, runs - start))
            for start in range(0, runs, CHUNK)
        ]
    )
    return np.maximum((lam - n) / (n - 1), 0.0)


def cell(streams: tuple[tuple[np.random.Generator, int], ...], n: int, missing: int) -> np.ndarray:
    """CI of random matrices drawn from each ``(generator, runs)`` of ``streams`` in turn."""
    return np.concatenate([random_ci(rng, n, missing, runs) for rng, runs in streams])


def index(ci: np.ndarray, q: float, q0: float, ri: float) -> float | None:
    """``RI · Q(RI_FIT · q)/Q0``, or None when that share of ``ci`` is exactly consistent."""
    if np.mean(ci < EXACT) >= RI_FIT * q:
        return None
    return round(ri * float(np.quantile(ci, RI_FIT * q)) / q0, 4)


def table(runs: int, seed: int) -> dict[int, tuple[float | None, ...]]:
    rng = np.random.default_rng(seed)
    out = {}
    for n in range(4, 10):
        # Extra draws (RUNS_BY_N) come from their own stream, so every other cell is drawn
        # as without them.
        extra = np.random.default_rng([seed, n])
        draws = max(runs, RUNS_BY_N.get(n, 0))
        streams = ((rng, runs), (extra, draws - runs))
        complete = cell(streams, n, 0)
        passed = int(np.sum(complete / random_index(n) <= cr_threshold(n)))
        p0 = passed / draws
        # Fitted at the complete pass rate wherever enough complete matrices pass to fit it
        # (n ≤ 6); at the floor where almost none do (n ≥ 7).
        q = p0 if passed >= MIN_PASSES else max(p0, RI_FLOOR)
        q0 = float(np.quantile(complete, q))
        out[n] = tuple(
            index(cell(streams, n, m), q, q0, random_index(n))
            for m in range(1, n * (n - 1) // 2 - n + 1)
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    print("RI_INCOMPLETE = {")
    for n, row in table(args.runs, args.seed).items():
        print(f"    {n}: {row},")
    print("}")


if __name__ == "__main__":
    main()
