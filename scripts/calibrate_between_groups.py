"""How often "convergence"/"entrenchment" between groups is called by chance, and how often
a real move is found: simulated rounds of three groups (20, 22 and 18 members, 7 outcomes).

Run: .venv/bin/python scripts/calibrate_between_groups.py [simulations]
"""

from __future__ import annotations

import sys

import numpy as np

from deliberate.engine.consensus import clr
from deliberate.services.insight import distance_change

SIZES = (20, 22, 18)
OUTCOMES = 7
SPREAD = 0.8  # members' log priorities around their group's centre
PULL = 0.3  # the real move: each group 30% of the way to the overall centre


def draw(rng: np.random.Generator, centres: np.ndarray) -> dict[str, np.ndarray]:
    """One round: each member's clr priorities around their group's centre."""
    points = {}
    for g, size in enumerate(SIZES):
        log_w = centres[g] + rng.normal(0, SPREAD, size=(size, OUTCOMES))
        weights = np.exp(log_w)
        points[f"group {g}"] = clr(weights / weights.sum(axis=1, keepdims=True))
    return points


def main(simulations: int = 400) -> None:
    rng = np.random.default_rng(1)
    alarms = found = 0
    for i in range(simulations):
        centres = rng.normal(0, 0.6, size=(len(SIZES), OUTCOMES))
        first = draw(rng, centres)
        same = distance_change(first, draw(rng, centres), seed=i)
        alarms += same is not None and (same["high"] < 0 or same["low"] > 0)
        closer = centres - PULL * (centres - centres.mean(axis=0))
        moved = distance_change(first, draw(rng, closer), seed=i)
        found += moved is not None and moved["high"] < 0
    print(
        f"{simulations} simulations: false alarms {alarms / simulations:.3f} "
        f"(nominal 0.05); convergence found when groups moved {PULL:.0%} closer: "
        f"{found / simulations:.3f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
