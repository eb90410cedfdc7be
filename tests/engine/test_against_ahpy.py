"""Independent check: EV priorities and CR agree with ahpy on random matrices."""

from __future__ import annotations

import ahpy
import numpy as np

from deliberate.engine.consistency import consistency_ratio
from deliberate.engine.priorities import priorities

SCALE = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9])
# ahpy's random_index="saaty" uses Saaty's 2005 table; METHODS.md uses Saaty 1980: compare CI.
SAATY_1980 = {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}
AHPY_SAATY_2005 = {3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40, 9: 1.45}


def test_ev_and_cr_match_ahpy() -> None:
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(3, 10))
        names = [f"o{i}" for i in range(n)]
        i, j = np.triu_indices(n, 1)
        values = rng.choice(SCALE, size=i.size)
        logs = np.zeros((1, n, n))
        logs[0, i, j], logs[0, j, i] = np.log(values), -np.log(values)
        mask = ~np.eye(n, dtype=bool)[None]
        w, lam = priorities(logs, mask, "ev")
        cmp = ahpy.Compare(
            f"m{trial}",
            {(names[a], names[b]): float(v) for a, b, v in zip(i, j, values, strict=True)},
            precision=12,
            random_index="saaty",
            iterations=200,
        )
        theirs = np.array([cmp.local_weights[o] for o in names])
        np.testing.assert_allclose(w[0], theirs, atol=1e-9)
        ci = (lam[0] - n) / (n - 1)
        assert abs(cmp.consistency_ratio * AHPY_SAATY_2005[n] - ci) < 1e-9
        ours = consistency_ratio(lam, n)[0]
        assert abs(ours - ci / SAATY_1980[n]) < 1e-12
