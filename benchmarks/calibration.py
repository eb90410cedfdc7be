"""Calibration of the disagreement map: false alarms, power and coverage by simulation.

Seeded simulations of judgments on Saaty's 17-point scale run through the engine's own
functions (the ones `analyze` calls) and print, beside each target:

* false alarms when every group is drawn from one population (3–6 groups, n = 4–9
  outcomes, groups of 3, 5, 10, 30 people and of mixed sizes 3–30): share of analyses
  with any conflict between groups, any distinctive pair, any contested pair where no
  group is split (a fifth of each side's target share), and more than one opinion cluster;
* power: two groups of 12 on opposite sides of one pair (group means ±1.1 on the log
  scale, noise sd 0.7) — the conflict is found; two real coalitions — two clusters found;
* coverage of the 95 % intervals of a group's priorities (target: the population AIJ)
  for groups of 5, 10, 20 and 60;
* random answers judged consistent (CR assessable and within the threshold) by number of
  missing pairs, up to half of them, for n = 4, 5, 6: at most as often as complete random
  matrices (simulated twice to four times as often; n = 6, where about one complete random
  matrix in 12,000 passes, with 2,000,000 draws per number missing); for n ≥ 7, where
  complete random matrices almost never pass, the index holds them to ``FLOOR``.

Judgments: a person's log weights are the population's plus N(0, 0.35²) per outcome;
each judgment adds N(0, 0.5²) (sd of a log judgment ≈ 0.7), is rounded to the nearest
scale value in log terms, and each pair is skipped with probability 0.1 (a spanning path
is always answered).

Usage: ``python benchmarks/calibration.py [--quick] [--seed 0]``. The quick version runs
in the test suite (tests/engine/test_calibration.py) with fewer simulations; it judges a
target met when the estimate is within three standard errors of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deliberate.engine.aggregate import Parts, combine, from_pairs, parts
from deliberate.engine.consensus import clr
from deliberate.engine.consistency import (
    RI_FIT,
    RI_FLOOR,
    SCALE,
    consistency_ratio,
    cr_threshold,
)
from deliberate.engine.disagreement import clusters, pair_stats
from deliberate.engine.inference import contested, distinctive_tests, sides
from deliberate.engine.priorities import priorities
from deliberate.engine.synthetic import random_lambda
from deliberate.engine.uncertainty import bootstrap, intervals

SCALE_LOGS = np.log(SCALE)
PERSON_SD = 0.35
JUDGMENT_SD = 0.5
SKIP = 0.1
#: Where complete random matrices almost never pass (n ≥ 7), the share the incomplete
#: random index holds random answers to (docs/METHODS.md §3).
FLOOR = RI_FIT * RI_FLOOR
#: Passing complete matrices needed for their rate to be the target (as the index's fit).
MIN_PASSES = 100


@dataclass(frozen=True)
class Row:
    """One printed line: what was measured, the estimate, its target and direction."""

    what: str
    rate: float
    runs: int
    target: float
    at_most: bool

    def met(self, slack: float) -> bool:
        se = np.sqrt(max(self.target * (1 - self.target), 1e-4) / self.runs)
        if self.at_most:
            return self.rate <= self.target + slack * se
        return self.rate >= self.target - slack * se


def to_scale(x: np.ndarray) -> np.ndarray:
    """Nearest value of Saaty's scale in log terms."""
    return SCALE_LOGS[np.argmin(np.abs(x[..., None] - SCALE_LOGS), axis=-1)]


def people(rng: np.random.Generator, log_w: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    """Pair-form judgments ``(x, m)`` of ``count`` people around population log weights."""
    n = log_w.size
    i, j = np.triu_indices(n, 1)
    own = log_w + rng.normal(0.0, PERSON_SD, (count, n))
    x = to_scale(own[:, i] - own[:, j] + rng.normal(0.0, JUDGMENT_SD, (count, i.size)))
    m = (rng.random((count, i.size)) >= SKIP) | (j == i + 1)
    return np.where(m, x, 0.0), m


def individual_clr(x: np.ndarray, m: np.ndarray, n: int) -> np.ndarray:
    logs, mask = from_pairs(x, m, n)
    return clr(priorities(logs, mask, "ev")[0])


def null_setting(rng: np.random.Generator, size: int | None) -> tuple[np.ndarray, ...]:
    """One population, 3–6 groups of ``size`` people (3–30 each when None), n = 4–9."""
    G = int(rng.integers(3, 7))
    n = int(rng.integers(4, 10))
    sizes = rng.integers(3, 31, G) if size is None else np.full(G, size)
    log_w = np.log(rng.dirichlet(np.full(n, 2.0)))
    x, m = people(rng, log_w, int(sizes.sum()))
    gi = np.repeat(np.arange(G), sizes)
    return x, m, gi, np.array(G), np.array(n)


def null_rates(rng: np.random.Generator, size: int | None, runs: int, cluster_runs: int):
    conflict = distinct = split = 0
    for r in range(runs):
        x, m, gi, G, n = null_setting(rng, size)
        stats = pair_stats(x, m, np.full(gi.size, 1 / gi.size), gi, int(G))
        conflict += sides(x, m, gi, int(G)).conflict.any()
        distinct += distinctive_tests(
            stats.group_for_a, stats.group_for_b, stats.group_n
        ).flag.any()
        if r < cluster_runs:
            split += clusters(individual_clr(x, m, int(n)), int(rng.integers(1 << 30))).k > 1
    return conflict / runs, distinct / runs, split / cluster_runs


def contested_null(rng: np.random.Generator, size: int, runs: int, share: float) -> float:
    """Any group flagged as split when the minority side holds exactly ``share``."""

    hits = 0
    for _ in range(runs):
        G, P = int(rng.integers(3, 7)), int(rng.integers(6, 37))
        answered = np.full((G, P), size)
        minority = rng.binomial(size, share, (G, P))
        hits += contested(answered - minority, minority, answered).flag.any()
    return hits / runs


def conflict_power(rng: np.random.Generator, runs: int) -> float:
    """Two groups of 12, n = 5; pair (0, 1) at group means ±1.1, noise sd 0.7."""
    found = 0
    n, size = 5, 12
    i, j = np.triu_indices(n, 1)
    for _ in range(runs):
        log_w = np.log(rng.dirichlet(np.full(n, 2.0)))
        mu = np.tile(log_w[i] - log_w[j], (2 * size, 1))
        mu[:size, 0], mu[size:, 0] = 1.1, -1.1
        x = to_scale(mu + rng.normal(0.0, 0.7, mu.shape))
        m = (rng.random(x.shape) >= SKIP) | (j == i + 1)
        x = np.where(m, x, 0.0)
        gi = np.repeat([0, 1], size)
        found += sides(x, m, gi, 2).conflict[0]
    return found / runs


def coalition_power(rng: np.random.Generator, runs: int) -> float:
    """Two coalitions of 15 (n = 6) weighing the halves of the outcomes 2:1 the other way."""
    found = 0
    n, size = 6, 15
    shift = np.log(2.0) * np.where(np.arange(n) < n // 2, 1.0, -1.0)
    for _ in range(runs):
        base = np.log(rng.dirichlet(np.full(n, 4.0)))
        xa, ma = people(rng, base + shift, size)
        xb, mb = people(rng, base - shift, size)
        points = individual_clr(np.vstack([xa, xb]), np.vstack([ma, mb]), n)
        found += clusters(points, int(rng.integers(1 << 30))).k >= 2
    return found / runs


def population_aij(rng: np.random.Generator, log_w: np.ndarray) -> np.ndarray:
    """AIJ priorities (EV) of the population: its mean rounded log judgment per pair."""
    x, m = people(rng, log_w, 200_000)
    n = log_w.size
    mean = (x.sum(0) / m.sum(0))[None, :]
    return combine(Parts(mean, np.ones_like(mean), np.zeros((1, n))), n, "ev", "aij")[0]


def coverage(rng: np.random.Generator, size: int, runs: int, resamples: int) -> float:
    """Share of 95 % intervals of a group's priorities covering the population AIJ."""
    n = 5
    hits = total = 0
    for _ in range(runs // 20 + 1):
        log_w = np.log(rng.dirichlet(np.full(n, 2.0)))
        truth = population_aij(rng, log_w)
        for _ in range(min(20, runs)):
            x, m = people(rng, log_w, size)
            logs, mask = from_pairs(x, m, n)
            log_p = np.log(priorities(logs, mask, "ev")[0])
            members = [np.arange(size)]
            estimate = combine(parts(np.full((1, size), 1 / size), x, m, log_p), n, "ev", "aij")[0]
            boot = bootstrap(
                x,
                m,
                log_p,
                members,
                np.ones(1),
                method="ev",
                aggregate="aij",
                resamples=resamples,
                seed=int(rng.integers(1 << 30)),
            )
            bounds = intervals(boot.groups[0], estimate, size)
            hits += int(np.sum((bounds[:, 0] <= truth) & (truth <= bounds[:, 1])))
            total += n
    return hits / total


def random_consistent(
    rng: np.random.Generator, n: int, missing: int, runs: int
) -> tuple[float, float]:
    """Random answers judged consistent with ``missing`` pairs skipped, and not assessable.

    Values uniform on the scale (`random_lambda`). A matrix counts as judged consistent
    only when its CR is assessable and within the threshold.
    """
    judged = unassessable = 0
    for start in range(0, runs, 250_000):  # in chunks, for memory
        size = min(250_000, runs - start)
        lam = random_lambda(rng, n, missing, size)
        cr = consistency_ratio(lam, n, missing=np.full(size, missing))
        judged += int(np.sum(np.isfinite(cr) & (cr <= cr_threshold(n) + 1e-12)))
        unassessable += int(np.sum(~np.isfinite(cr)))
    return judged / runs, unassessable / runs


@dataclass(frozen=True)
class Plan:
    """How many simulations of each kind (full or quick)."""

    null_sizes: tuple[int | None, ...]
    null_runs: int
    cluster_runs: int
    power_runs: int
    coalition_runs: int
    coverage_sizes: tuple[tuple[int, float], ...]
    coverage_runs: int
    resamples: int
    cr_runs: int
    cr_sizes: tuple[int, ...]
    #: Draws per number missing where ``cr_runs`` are too few to see the complete rate;
    #: complete matrices get twice as many.
    cr_runs_by_n: tuple[tuple[int, int], ...] = ()


FULL = Plan(
    (3, 5, 10, 30, None),
    400,
    80,
    400,
    100,
    ((5, 0.90), (10, 0.92), (20, 0.92), (60, 0.92)),
    100,
    400,
    100_000,
    (4, 5, 6),
    ((6, 2_000_000),),
)
QUICK = Plan((5, None), 40, 6, 40, 6, ((5, 0.90), (10, 0.92)), 20, 60, 2_000, (5,))


def run(quick: bool, seed: int, out: Callable[[str], None] = print) -> list[Row]:
    """Run every simulation; print a table and return its rows."""
    rng = np.random.default_rng(seed)
    plan = QUICK if quick else FULL
    rows: list[Row] = []
    for size in plan.null_sizes:
        label = "3-30" if size is None else str(size)
        c, d, k = null_rates(rng, size, plan.null_runs, plan.cluster_runs)
        rows += [
            Row(
                f"null, groups of {label}: any conflict between groups",
                c,
                plan.null_runs,
                0.05,
                True,
            ),
            Row(f"null, groups of {label}: any distinctive pair", d, plan.null_runs, 0.10, True),
            Row(
                f"null, groups of {label}: more than one cluster", k, plan.cluster_runs, 0.10, True
            ),
        ]
    for size in (10, 30):
        rate = contested_null(rng, size, plan.null_runs, 0.15)
        rows.append(
            Row(
                f"boundary (15% minority), groups of {size}: any contested",
                rate,
                plan.null_runs,
                0.05,
                True,
            )
        )
    rows.append(
        Row(
            "power: two groups of 12 at ±1.1, sd 0.7: conflict found",
            conflict_power(rng, plan.power_runs),
            plan.power_runs,
            0.90,
            False,
        )
    )
    rows.append(
        Row(
            "power: two coalitions of 15: two or more clusters",
            coalition_power(rng, plan.coalition_runs),
            plan.coalition_runs,
            0.90,
            False,
        )
    )
    for size, target in plan.coverage_sizes:
        rate = coverage(rng, size, plan.coverage_runs, plan.resamples)
        rows.append(
            Row(
                f"coverage of 95% intervals, groups of {size}",
                rate,
                plan.coverage_runs,
                target,
                False,
            )
        )
    for n in plan.cr_sizes:
        # the target: complete random matrices, simulated more often than each cell
        runs = dict(plan.cr_runs_by_n).get(n, plan.cr_runs)
        complete_runs = 2 * runs if n in dict(plan.cr_runs_by_n) else 4 * runs
        complete = random_consistent(rng, n, 0, complete_runs)[0]
        measured = complete * complete_runs >= MIN_PASSES
        target = complete if measured else max(complete, FLOOR)
        pairs = n * (n - 1) // 2
        for missing in range(1, pairs // 2 + 1):
            rate, unassessable = random_consistent(rng, n, missing, runs)
            floor = "" if measured else f", floor {FLOOR:.2%}"
            rows.append(
                Row(
                    f"random answers consistent, n = {n}, {missing} of {pairs} missing "
                    f"(complete {complete:.4%}{floor}; not assessable {unassessable:.0%})",
                    rate,
                    runs,
                    target,
                    True,
                )
            )
    slack = 3.0 if quick else 0.0
    width = max(len(r.what) for r in rows)
    out(f"{'measure'.ljust(width)}  {'rate':>8}  {'target':>11}  {'runs':>9}  status")
    for r in rows:
        sign = "<=" if r.at_most else ">="
        status = "met" if r.met(slack) else "NOT MET"
        out(f"{r.what.ljust(width)}  {r.rate:8.4%}  {sign} {r.target:8.4%}  {r.runs:9d}  {status}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer simulations (a test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = run(args.quick, args.seed)
    return 0 if all(r.met(3.0 if args.quick else 0.0) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
