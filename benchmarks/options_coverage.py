"""How often the options' 95% intervals cover the value they estimate, and how often
"almost certainly best" is wrong, on seeded simulations.

Model: 3 groups of stakeholders with fixed group weights over n outcomes answer every pair
(log-normal noise σ = 0.5, snapped to Saaty's scale); a panel of A assessors compares m
options on every outcome around a shared truth (noise σ = 0.25, snapped), or rates them
0–10 (``--mode ratings``: 10 × truth / best, noise σ = 1 point, rounded). The estimand is
the value the same analysis gives on a very large sample of both (30,000 stakeholders,
2,000 assessors). Each replication draws a fresh consultation, runs ``analyze`` with the
bootstrap and records whether each option's interval holds the estimand, and, when an
option is best in ≥ 95% of resamples, whether it is the estimand's best.

Usage: ``python benchmarks/options_coverage.py [--replications 200] [--bootstrap 400]
[--mode pairwise|ratings]``
"""

from __future__ import annotations

import argparse

import numpy as np

from deliberate.engine import analyze
from deliberate.engine.aggregate import from_pairs
from deliberate.engine.consistency import SCALE
from deliberate.engine.judgments import JudgmentTable
from deliberate.engine.options import Appraisal

N_OUTCOMES, N_OPTIONS = 5, 3
GROUP_WEIGHTS = np.array(
    [[0.35, 0.25, 0.15, 0.15, 0.10], [0.10, 0.15, 0.35, 0.25, 0.15], [0.20, 0.20, 0.20, 0.20, 0.20]]
)
#: What each option achieves on each outcome (n, m); options 0 and 1 are close overall.
TRUTH = np.array(
    [[0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.2, 0.35, 0.45], [0.3, 0.4, 0.3], [0.4, 0.3, 0.3]]
)
_LOG_SCALE = np.log(SCALE)


def _snap(x: np.ndarray) -> np.ndarray:
    return _LOG_SCALE[np.argmin(np.abs(x[..., None] - _LOG_SCALE), axis=-1)]


def stakeholders(per_group: int, rng: np.random.Generator) -> JudgmentTable:
    G, n = GROUP_WEIGHTS.shape
    gi = np.repeat(np.arange(G), per_group)
    i, j = np.triu_indices(n, 1)
    lw = np.log(GROUP_WEIGHTS)[gi]
    x = _snap(lw[:, i] - lw[:, j] + rng.normal(0.0, 0.5, (gi.size, i.size)))
    logs, mask = from_pairs(x, np.ones_like(x, dtype=bool), n)
    return JudgmentTable(
        outcomes=tuple(f"o{k}" for k in range(n)),
        participants=tuple(f"p{k}" for k in range(gi.size)),
        groups=tuple(f"g{g}" for g in range(G)),
        group_index=gi.astype(np.intp),
        log_judgments=logs,
        mask=mask,
        reasons={},
    )


def panel(assessors: int, rng: np.random.Generator, mode: str = "pairwise") -> Appraisal:
    """Pairwise: log judgments around the truth's ratios (σ = 0.25, snapped); ratings:
    scores around 10 × truth / best option's (σ = 1 point, rounded, within 0–10)."""
    if mode == "ratings":
        ideal = 10 * TRUTH / TRUTH.max(1, keepdims=True)
        x = np.clip(np.rint(ideal + rng.normal(0.0, 1.0, (assessors, *TRUTH.shape))), 0, 10)
    else:
        i, j = np.triu_indices(N_OPTIONS, 1)
        lt = np.log(TRUTH)
        x = _snap(lt[:, i] - lt[:, j] + rng.normal(0.0, 0.25, (assessors, N_OUTCOMES, i.size)))
    return Appraisal(
        mode,
        tuple(f"option {k}" for k in range(N_OPTIONS)),
        tuple(f"o{k}" for k in range(N_OUTCOMES)),
        tuple(f"a{k}" for k in range(assessors)),
        x,
        np.ones_like(x, dtype=bool),
    )


def values(report: dict) -> np.ndarray:
    block = report["options"]
    return np.array([block["overall"]["value"][o] for o in block["names"]])


#: Least acceptable coverage of the nominal 95% intervals at these sizes.
TARGET = 0.92
#: Bins of the reported chance of being best, for the calibration table.
BINS = np.array([0.0, 0.25, 0.5, 0.75, 0.95, 1.0 + 1e-9])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--bootstrap", type=int, default=400)
    parser.add_argument("--mode", choices=("pairwise", "ratings"), default="pairwise")
    args = parser.parse_args()
    rng = np.random.default_rng(2027)
    truth = values(
        analyze(stakeholders(10_000, rng), appraisal=panel(2_000, rng, args.mode), bootstrap=0)
    )
    best = int(np.argmax(truth))
    print(f"estimand values: {np.round(truth, 4).tolist()} (best: option {best})")
    print(f"{'stakeholders':>12} {'assessors':>9} {'coverage':>9} {'target':>7} {'met':>4} "
          f"{'per option':>20} {'P≥.95 calls':>11} {'wrong':>6}")  # fmt: skip
    said = np.zeros(BINS.size - 1)
    right = np.zeros(BINS.size - 1)
    count = np.zeros(BINS.size - 1)
    for per_group, assessors in ((20, 4), (20, 8), (60, 8)):
        hits = np.zeros(N_OPTIONS)
        calls = wrong = 0
        for r in range(args.replications):
            report = analyze(
                stakeholders(per_group, rng),
                appraisal=panel(assessors, rng, args.mode),
                bootstrap=args.bootstrap,
                seed=r,
            )["options"]
            names = report["names"]
            bounds = np.array([report["overall"]["intervals"][o] for o in names])
            hits += (bounds[:, 0] <= truth) & (truth <= bounds[:, 1])
            probability = np.array([report["overall"]["best_probability"][o] for o in names])
            if probability.max() >= 0.95:
                calls += 1
                wrong += int(np.argmax(probability) != best)
            where = np.clip(np.searchsorted(BINS, probability, side="right") - 1, 0, BINS.size - 2)
            np.add.at(said, where, probability)
            np.add.at(right, where, np.arange(N_OPTIONS) == best)
            np.add.at(count, where, 1)
        cover = hits / args.replications
        print(
            f"{3 * per_group:>12} {assessors:>9} {cover.mean():>9.3f} {TARGET:>7.2f} "
            f"{'yes' if cover.mean() >= TARGET else 'NO':>4} "
            f"{' '.join(f'{c:.3f}' for c in cover):>20} {calls:>11} {wrong:>6}",
            flush=True,
        )
    print(
        f"{args.replications} replications, {args.bootstrap} bootstrap replicates each; "
        "coverage: share of 95% intervals holding the estimand; calls: replications where one "
        "option is best in at least 95% of resamples; wrong: of those, how many named another "
        "option than the estimand's best."
    )
    print("\ncalibration of the chance of being best (all rows pooled):")
    print(f"{'reported':>11} {'options':>8} {'mean said':>10} {'truly best':>11}")
    for k in range(BINS.size - 1):
        if count[k]:
            print(
                f"{f'{BINS[k]:.2f}–{min(BINS[k + 1], 1.0):.2f}':>11} {int(count[k]):>8} "
                f"{said[k] / count[k]:>10.3f} {right[k] / count[k]:>11.3f}"
            )


if __name__ == "__main__":
    main()
