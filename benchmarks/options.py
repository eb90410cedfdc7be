"""Speed of the options appraisal in the engine, against the outcome analysis alone.

Workload: K stakeholders in 3 groups weighing n outcomes (as benchmarks/engine.py), and a
panel of A assessors appraising m options against every outcome, pairwise (Saaty's scale,
log-normal noise around a panel truth) or by 0–10 ratings. Prints, best of 3:

* ``outcomes s``: ``analyze`` without options (the baseline in the same run);
* ``+ options s``: ``analyze`` with the appraisal (everything: local priorities, values
  overall / per group / per weighting, the paired stakeholder × assessor bootstrap,
  chance of being best, frontier, voice-weight sweep);
* ``pipeline s``: what the options need from the engine, alone: the stratified bootstrap
  of the stakeholders' outcome weights followed by ``appraise`` (the limit applies here);
* ``CPU s``: the pipeline's process CPU time (on a shared machine wall time includes
  waiting).

Usage: ``python benchmarks/options.py [--stakeholders 10000] [--bootstrap 1000]``
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

import numpy as np

from deliberate.engine import analyze
from deliberate.engine.aggregate import to_pairs
from deliberate.engine.consistency import SCALE
from deliberate.engine.options import Appraisal, OutcomeWeights, appraise
from deliberate.engine.synthetic import synthetic_table
from deliberate.engine.uncertainty import bootstrap

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


def pipeline(table, appraisal: Appraisal, resamples: int) -> Callable[[], object]:
    """The stakeholder bootstrap then ``appraise``, on prepared point weights."""
    report = analyze(table, bootstrap=0)
    names = table.outcomes
    w = np.log(np.array([[p["weights"][o] for o in names] for p in report["participants"]]))
    x, m = to_pairs(table.log_judgments, table.mask)
    members = [np.flatnonzero(table.group_index == g) for g in range(len(table.groups))]
    sizes = np.array([idx.size for idx in members])
    totals = np.array([report["method"]["group_weights"][g] for g in table.groups])
    overall = np.array([report["overall"]["weights"][o] for o in names])
    groups = np.array([[report["groups"][g]["weights"][o] for o in names] for g in table.groups])

    def run() -> object:
        boot = bootstrap(x, m, w, members, totals, method="ev", aggregate="aij",
                         resamples=resamples, seed=0)  # fmt: skip
        weights = OutcomeWeights(
            overall, groups, table.groups, {}, boot.overall, boot.groups, sizes, None
        )
        return appraise(appraisal, weights)

    return run


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
        f"{'mode':>9} {'outcomes s':>11} {'+ options s':>12} {'pipeline s':>11} {'CPU s':>6} "
        f"{'limit':>6}"
    )
    print(header)
    print("-" * len(header))
    baseline = best_of(3, lambda: analyze(table, bootstrap=args.bootstrap))[0]
    for mode in ("pairwise", "ratings"):
        appraisal = panel(args.assessors, table.outcomes, args.options, mode, seed=2)
        full = best_of(
            3, lambda a=appraisal: analyze(table, bootstrap=args.bootstrap, appraisal=a)
        )[0]
        wall, cpu = best_of(3, pipeline(table, appraisal, args.bootstrap))
        verdict = "ok" if wall < LIMIT_SECONDS else "OVER"
        print(
            f"{mode:>9} {baseline:>11.3f} {full:>12.3f} {wall:>11.3f} {cpu:>6.2f} {verdict:>6}",
            flush=True,
        )
    print(f"limit: the options pipeline (wall time) under {LIMIT_SECONDS:.0f} s.")


if __name__ == "__main__":
    main()
