"""The few distribution functions and ranks the engine needs, without ``scipy.stats``.

Importing ``scipy.stats`` takes most of a second; the engine needs only six functions of
it. Each function here computes exactly what the ``scipy.stats`` call it stands for
computes — the same ``scipy.special`` routine, the same support and argument rules — so
results are identical (``tests/engine/test_distributions.py`` checks them against
``scipy.stats``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .compiled import compiled

#: ``scipy.special``'s functions (``special.stdtr`` is ``_ufuncs.stdtr``).
special = compiled("scipy.special", "_ufuncs")
try:  # the Boost-based discrete distributions (scipy.special since 1.15, before that stats)
    _binom_sf, _hypergeom_sf = special._binom_sf, special._hypergeom_sf
except AttributeError:  # pragma: no cover - older SciPy
    from scipy.stats._boost import _binom_sf, _hypergeom_sf  # type: ignore[no-redef]

__all__ = ["binom_sf", "chi2_sf", "hypergeom_sf", "rankdata", "t_ppf", "t_sf"]


def _integral(x: np.ndarray) -> np.ndarray:
    return x == np.round(x)


def t_sf(x: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Student's t survival function, as ``scipy.stats.t.sf(x, df)``."""
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    with np.errstate(invalid="ignore"):
        out = special.stdtr(df, -x)
    out = np.where(x == -np.inf, 1.0, np.where(x == np.inf, 0.0, out))
    return np.where((df > 0) & ~np.isnan(x), out, np.nan)


def t_ppf(q: float, df: np.ndarray | float) -> np.ndarray:
    """Student's t quantile, as ``scipy.stats.t.ppf(q, df)`` for ``0 < q < 1``."""
    df = np.asarray(df, float)
    return np.where(df > 0, special.stdtrit(df, q), np.nan)


def chi2_sf(x: float, df: float) -> float:
    """Chi-squared survival function, as ``scipy.stats.chi2.sf(x, df)`` for one value."""
    if not df > 0 or np.isnan(x):
        return float("nan")
    return 1.0 if x <= 0 else float(special.chdtrc(df, x))


def _discrete_sf(
    sf: Callable[..., np.ndarray],
    k: np.ndarray,
    valid: np.ndarray,
    low: np.ndarray | float,
    high: np.ndarray | float,
    *params: np.ndarray | float,
) -> np.ndarray:
    """``rv_discrete.sf``: 1 below the support, 0 at or above its top, NaN when invalid."""
    k, valid, low, high, *args = np.broadcast_arrays(k, valid, low, high, *params)
    out = np.zeros(k.shape)
    inside = valid & (k >= low) & (k < high) & np.isfinite(k)
    out[(~valid) | np.isnan(k)] = np.nan
    out[((k < low) | np.isneginf(k)) & valid] = 1.0
    if inside.any():
        out[inside] = np.clip(sf(k[inside], *(a[inside] for a in args)), 0, 1)
    return out


def binom_sf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """Binomial survival function, as ``scipy.stats.binom.sf(k, n, p)``."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    valid = (n >= 0) & _integral(n) & (p >= 0) & (p <= 1)
    return _discrete_sf(lambda k_, n_, p_: _binom_sf(np.floor(k_), n_, p_), k, valid, 0.0, n, n, p)


def hypergeom_sf(k: np.ndarray, M: np.ndarray, n: np.ndarray, N: np.ndarray) -> np.ndarray:
    """Hypergeometric survival function, as ``scipy.stats.hypergeom.sf(k, M, n, N)``."""
    k, M, n, N = (np.asarray(v, float) for v in (k, M, n, N))
    valid = (M > 0) & (n >= 0) & (N >= 0) & (n <= M) & (N <= M)
    valid &= _integral(M) & _integral(n) & _integral(N)
    low, high = np.maximum(N - (M - n), 0), np.minimum(n, N)
    return _discrete_sf(
        lambda k_, M_, n_, N_: _hypergeom_sf(k_, n_, N_, M_), k, valid, low, high, M, n, N
    )


def rankdata(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis, as ``scipy.stats.rankdata(a, axis=-1)``.

    A row holding NaN ranks as NaN throughout (SciPy's ``nan_policy='propagate'``).
    """
    a = np.asarray(a)
    order = np.argsort(a, axis=-1, kind="stable")
    ordered = np.take_along_axis(a, order, axis=-1)
    width = a.shape[-1]
    new = np.ones(a.shape, dtype=bool)
    new[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    # The first and last position (1-based) of each element's tie group, in sorted order.
    position = np.broadcast_to(np.arange(1, width + 1, dtype=float), a.shape)
    first = np.maximum.accumulate(np.where(new, position, 0.0), axis=-1)
    last_new = np.ones(a.shape, dtype=bool)
    last_new[..., :-1] = new[..., 1:]
    last = np.flip(
        np.minimum.accumulate(np.flip(np.where(last_new, position, np.inf), -1), axis=-1), -1
    )
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, first + (last - first) / 2, axis=-1)
    if np.issubdtype(a.dtype, np.floating):
        ranks[np.isnan(a).any(-1)] = np.nan
    return ranks
