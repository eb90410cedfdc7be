"""Priority vectors from stacks of (possibly incomplete) pairwise comparison matrices.

* EV: principal right eigenvector (Saaty 1977); for incomplete matrices Harker's (1987)
  matrix: missing entries 0, diagonal ``1 + missing in row``.
* RGM / LLSM: row geometric mean (Crawford & Williams 1985); for incomplete matrices the
  logarithmic least-squares solution on the comparison graph (Bozóki, Fülöp & Rónyai
  2010), which equals RGM on complete matrices.

Every function takes a whole stack ``(K, n, n)`` and loops over no participant.
"""

from __future__ import annotations

import numpy as np

__all__ = ["METHODS", "eigenvector", "harker_matrix", "llsm", "normalise_log", "priorities"]

METHODS = ("ev", "rgm")

_TOL = 1e-14
_MAX_ITER = 500


def llsm(log_judgments: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Logarithmic least-squares priorities (RGM when complete).

    Solves the graph-Laplacian system ``(L + 11ᵀ) x = r`` with ``r_i = Σ_j ln a_ij`` over
    answered j; as ``Σ r = 0`` the solution has ``Σ x = 0`` and solves ``L x = r``.

    Parameters
    ----------
    log_judgments : (..., n, n) ndarray
        ``ln a_ij`` where answered, 0 elsewhere.
    mask : (..., n, n) bool ndarray
        Answered pairs; every comparison graph must be connected.

    Returns
    -------
    (..., n) ndarray
        Priorities, positive, summing to 1.
    """
    n = log_judgments.shape[-1]
    m = mask.astype(float)
    r = (log_judgments * m).sum(-1)
    # A complete graph's system is n·I: its solution is the row mean, the RGM.
    x = r / n
    partial = m.sum((-2, -1)) < n * (n - 1)
    if partial.any():
        some = m[partial]
        lap = -some + np.eye(n) * some.sum(-1)[..., None] + 1.0
        x[partial] = np.linalg.solve(lap, r[partial][..., None])[..., 0]
    return normalise_log(x)


def harker_matrix(log_judgments: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Harker's matrix: ``a_ij`` where answered, 0 where missing, ``1 + missing`` on the diagonal.

    Parameters
    ----------
    log_judgments, mask : (..., n, n) ndarray
        As for `llsm`.

    Returns
    -------
    (..., n, n) ndarray
        Equals the judgment matrix when it is complete.
    """
    n = log_judgments.shape[-1]
    missing = (n - 1) - mask.sum(-1)
    return np.where(mask, np.exp(log_judgments), 0.0) + np.eye(n) * (1.0 + missing)[..., None]


def eigenvector(
    matrices: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Principal right eigenvector and eigenvalue of a stack of non-negative matrices.

    Power iteration on ``A⁴`` with a per-matrix convergence check (max change < 1e-14);
    ``λmax = Σ_i (A w)_i`` for ``Σ w = 1``. Matrices that have not converged after 500
    steps fall back to ``numpy.linalg.eig``.

    Parameters
    ----------
    matrices : (K, n, n) ndarray
        Positive reciprocal matrices or Harker matrices of connected graphs (primitive).
    start : (K, n) ndarray, optional
        Starting vectors (e.g. `llsm` priorities, which are close). Default: uniform.

    Returns
    -------
    weights : (K, n) ndarray
        Eigenvectors normalised to sum 1.
    lambda_max : (K,) ndarray
        Perron eigenvalues.
    """
    K, n = matrices.shape[0], matrices.shape[-1]
    w = np.full((K, n), 1.0 / n) if start is None else np.array(start, dtype=float)
    # Iterate with A⁴: same eigenvector, the error shrinks by (|λ2|/λ1)⁴ per step.
    power = np.matmul(matrices, matrices)
    power = np.matmul(power, power)
    power /= power.sum((-2, -1), keepdims=True)
    active = np.arange(K)
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        sub = power if active.size == K else power[active]
        y = np.matmul(sub, w[active, :, None])[..., 0]
        y /= y.sum(-1, keepdims=True)
        done = np.abs(y - w[active]).max(-1) < _TOL
        w[active] = y
        active = active[~done]
    lam = np.einsum("kij,kj->k", matrices, w)
    if active.size:
        values, vectors = np.linalg.eig(matrices[active])
        top = np.argmax(values.real, axis=-1)
        vec = np.abs(np.take_along_axis(vectors.real, top[:, None, None], axis=-1)[..., 0])
        w[active] = vec / vec.sum(-1, keepdims=True)
        lam[active] = np.take_along_axis(values.real, top[:, None], axis=-1)[:, 0]
    return w, lam


def normalise_log(x: np.ndarray) -> np.ndarray:
    """``exp(x)`` normalised to sum 1 along the last axis, computed stably."""
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def priorities(
    log_judgments: np.ndarray, mask: np.ndarray, method: str = "ev"
) -> tuple[np.ndarray, np.ndarray]:
    """Priorities by ``method`` and the Perron eigenvalue, for a stack of matrices.

    Parameters
    ----------
    log_judgments, mask : (K, n, n) ndarray
        As for `llsm`; every comparison graph connected.
    method : {"ev", "rgm"}
        ``"ev"``: eigenvector (Harker's where incomplete); ``"rgm"``: LLSM (= RGM when
        complete).

    Returns
    -------
    weights : (K, n) ndarray
    lambda_max : (K,) ndarray
        Principal eigenvalue of the (Harker) matrix, whatever the method: the CR is an
        eigenvalue concept.
    """
    if method not in METHODS:
        raise ValueError(f"unknown priority method {method!r}; expected one of {METHODS}")
    w_log = llsm(log_judgments, mask)
    w_ev, lam = eigenvector(harker_matrix(log_judgments, mask), start=w_log)
    return (w_ev if method == "ev" else w_log), lam
