"""The engine's distribution functions give exactly what ``scipy.stats`` gives."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal
from scipy import stats

from deliberate.engine.distributions import (
    binom_sf,
    chi2_sf,
    hypergeom_sf,
    rankdata,
    t_ppf,
    t_sf,
)

RNG = np.random.default_rng(7)


def test_t_sf_and_ppf_match_scipy() -> None:
    x = np.concatenate([RNG.normal(0, 3, 200), [0.0, np.inf, -np.inf, np.nan, 40.0]])
    df = np.concatenate([RNG.integers(-1, 60, 200), [1, 5, 5, 5, 0]]).astype(float)
    assert_array_equal(t_sf(x, df), stats.t.sf(x, df))
    dfs = np.array([-1.0, 0.0, 1.0, 2.0, 7.0, 30.0, 1e6])
    assert_array_equal(t_ppf(0.975, dfs), stats.t.ppf(0.975, dfs))
    assert_array_equal(t_ppf(0.975, 12), stats.t.ppf(0.975, 12))


def test_chi2_sf_matches_scipy() -> None:
    for x, df in [(0.0, 3), (-1.0, 2), (7.3, 8), (120.5, 8), (1e-9, 1), (3.0, 0), (np.nan, 2)]:
        ours, theirs = chi2_sf(x, df), float(stats.chi2.sf(x, df))
        assert ours == theirs or (np.isnan(ours) and np.isnan(theirs))


def test_binom_sf_matches_scipy() -> None:
    n = RNG.integers(0, 40, (3, 50))
    k = RNG.integers(-2, 45, (3, 50))
    assert_array_equal(binom_sf(k, n, 0.25), stats.binom.sf(k, n, 0.25))
    assert_array_equal(binom_sf(k - 0.5, n, 0.25), stats.binom.sf(k - 0.5, n, 0.25))


def test_hypergeom_sf_matches_scipy() -> None:
    answered = RNG.integers(0, 30, (4, 60))
    side = RNG.integers(0, 31, (4, 60)) % (answered + 1)
    total = answered.sum(0)
    total[:3] = 0  # nobody answered: invalid, NaN in both
    answered[:, :3] = 0
    side[:, :3] = 0
    k = side - 1
    assert_array_equal(
        hypergeom_sf(k, total, side.sum(0), answered),
        stats.hypergeom.sf(k, total, side.sum(0), answered),
    )


def test_rankdata_matches_scipy_with_ties_and_nan() -> None:
    values = np.round(RNG.random((300, 7)), 1)
    values[5, 2] = np.nan
    assert_array_equal(rankdata(values), stats.rankdata(values, axis=-1))
    assert_array_equal(rankdata(values[0]), stats.rankdata(values[0]))
    assert_array_equal(rankdata(np.ones((2, 4))), stats.rankdata(np.ones((2, 4)), axis=-1))
