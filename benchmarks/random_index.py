"""Simulate the random-index table for incomplete matrices (``RI_INCOMPLETE``).

For n = 4 … 9 outcomes and m = 1 … (pairs − n) missing comparisons (at least one cycle
left), draws random matrices (every answered value uniform on Saaty's 17 values, the
missing pairs uniform among those keeping the spanning path 1–2–…–n, so the graph is
connected), computes Harker's λmax and ``CI = (λmax − n)/(n − 1)``, and prints

    RI(n, m) = RI_Saaty(n) · Q_m(q) / Q_0(q),   q = max(p0(n), 0.001),

where ``Q_m`` is the q-quantile of CI with m missing and ``p0(n)`` the share of complete
random matrices within Saaty's threshold. With this index a random incomplete matrix is
judged consistent as often as a complete one (at q), the principle of Ágoston & Csató
(2022), here for Harker's eigenvalue. Complete matrices keep Saaty's RI.

Usage: ``python benchmarks/random_index.py [--runs 40000] [--seed 2022]``; paste the
output into ``deliberate/engine/consistency.py``.
"""

from __future__ import annotations

import argparse

import numpy as np

from deliberate.engine.aggregate import from_pairs
from deliberate.engine.consistency import SCALE, cr_threshold, random_index
from deliberate.engine.priorities import priorities

FLOOR = 0.001


def random_ci(rng: np.random.Generator, n: int, missing: int, runs: int) -> np.ndarray:
    """CI of ``runs`` random matrices with ``missing`` pairs skipped (connected)."""
    P = n * (n - 1) // 2
    i, j = np.triu_indices(n, 1)
    x = np.log(SCALE)[rng.integers(0, SCALE.size, (runs, P))]
    keys = rng.random((runs, P)) + (j == i + 1)
    m = np.ones((runs, P), bool)
    np.put_along_axis(m, np.argsort(keys, axis=1)[:, :missing], False, axis=1)
    logs, mask = from_pairs(np.where(m, x, 0.0), m, n)
    lam = priorities(logs, mask, "ev")[1]
    return np.maximum((lam - n) / (n - 1), 0.0)


def table(runs: int, seed: int) -> dict[int, tuple[float, ...]]:
    rng = np.random.default_rng(seed)
    out = {}
    for n in range(4, 10):
        complete = random_ci(rng, n, 0, runs)
        p0 = float(np.mean(complete / random_index(n) <= cr_threshold(n)))
        q = max(p0, FLOOR)
        q0 = float(np.quantile(complete, q))
        row = [
            random_index(n) * float(np.quantile(random_ci(rng, n, m, runs), q)) / q0
            for m in range(1, n * (n - 1) // 2 - n + 1)
        ]
        out[n] = tuple(round(v, 4) for v in row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    print("RI_INCOMPLETE = {")
    for n, row in table(args.runs, args.seed).items():
        print(f"    {n}: {row},")
    print("}")


if __name__ == "__main__":
    main()
