"""Speed of the engine's whole analysis with an options appraisal.

Workload: K stakeholders in 3 groups weighing n outcomes (as benchmarks/engine.py), and a
panel of A assessors appraising m options against every outcome, pairwise (Saaty's scale,
log-normal noise around a panel truth) or by 0–10 ratings. Prints, best of 3, beside the
load average:

* ``outcomes s``: ``analyze`` without options (the baseline in the same run);
* ``with options s``: ``analyze`` with the appraisal: everything for the outcomes and the
  options (local priorities, values overall / per group / per weighting, intervals from the
  same stakeholder bootstrap replicates the outcomes use paired with resampled assessors,
  chance of being best, frontier, voice-weight sweep). The limit applies here;
* ``options s``: the difference, what the options add;
* ``CPU s``: the analysis with options in process CPU time (on a shared machine wall time
  includes waiting); ``options CPU s``: what the options add to it.

Usage: ``python benchmarks/options.py [--stakeholders 10000] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable

import numpy as np

from deliberate.engine import analyze
from deliberate.engine.consistency import SCALE
from deliberate.engine.options import Appraisal
from deliberate.engine.synthetic import synthetic_table

LIMIT_SECONDS = 3.0


def panel(
    assessors: int, outcomes: tuple[str, ...], options: int, mode: str, seed: int
) -> Appraisal:
    """A seeded appraisal: every assessor judges every option on every outcome."""
    rng = np.random.default_rng(seed)
    n, m = len(outcomes), options
    truth = rng.dirichlet(np.full(m, 2.0), n)  # (n, m)
    names = tuple(f"option {i}" for i in range(m))
    if mode == "ratings":
        scores = np.clip(np.rint(10 * truth / truth.max(1, keepdims=True)
                                 + rng.normal(0, 1.0, (assessors, n, m))), 0, 10)  # fmt: skip
        mask = np.ones_like(scores, dtype=bool)
        return Appraisal("ratings", names, outcomes, tuple(f"a{k}" for k in range(assessors)),
                         scores, mask)  # fmt: skip
    i, j = np.triu_indices(m, 1)
    logs = np.log(truth[:, i] / truth[:, j]) + rng.normal(0, 0.4, (assessors, n, i.size))
    scale = np.log(SCALE)
    logs = scale[np.argmin(np.abs(logs[..., None] - scale), axis=-1)]
    return Appraisal("pairwise", names, outcomes, tuple(f"a{k}" for k in range(assessors)),
                     logs, np.ones_like(logs, dtype=bool))  # fmt: skip


def best_of(repeats: int, func: Callable[[], object]) -> tuple[float, float]:
    """Best wall time and best process CPU time of ``repeats`` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stakeholders", type=int, default=10_000)
    parser.add_argument("--outcomes", type=int, default=9)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--assessors", type=int, default=8)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    table = synthetic_table(args.stakeholders, args.outcomes, seed=1)
    print(
        f"{args.stakeholders} stakeholders × {args.outcomes} outcomes × {args.options} options, "
        f"{args.assessors} assessors, {args.bootstrap} bootstrap replicates; best of 3."
    )
    header = (
        f"{'mode':>9} {'outcomes s':>11} {'with options s':>15} {'options s':>10} "
        f"{'CPU s':>6} {'options CPU s':>14} {'limit s':>8} {'met':>4}"
    )
    print(f"load average before: {load()}")
    print(header)
    print("-" * len(header))
    baseline, baseline_cpu = best_of(3, lambda: analyze(table, bootstrap=args.bootstrap))
    for mode in ("pairwise", "ratings"):
        appraisal = panel(args.assessors, table.outcomes, args.options, mode, seed=2)
        wall, cpu = best_of(
            3, lambda a=appraisal: analyze(table, bootstrap=args.bootstrap, appraisal=a)
        )
        verdict = "yes" if wall < LIMIT_SECONDS else "NO"
        print(
            f"{mode:>9} {baseline:>11.3f} {wall:>15.3f} {wall - baseline:>10.3f} {cpu:>6.2f} "
            f"{cpu - baseline_cpu:>14.2f} {LIMIT_SECONDS:>8.1f} {verdict:>4}",
            flush=True,
        )
    print(f"load average after: {load()}")
    print(f"limit: the whole analysis with options (wall, best of 3) under {LIMIT_SECONDS:.0f} s.")


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
