"""Property tests of the priority, aggregation and consensus methods (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deliberate.engine.aggregate import aij, from_pairs, judgment_sums, to_pairs
from deliberate.engine.consensus import goepel, kendall_w
from deliberate.engine.consistency import consistency_ratio
from deliberate.engine.priorities import eigenvector, harker_matrix, llsm, priorities

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def weight_vectors(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(2, 9))
    w = draw(arrays(float, n, elements=st.floats(0.05, 20.0)))
    return w / w.sum()


@st.composite
def judgment_stacks(draw: st.DrawFn, complete: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A stack (K, n, n) of log matrices on the 1/9…9 range, with a mask."""
    n = draw(st.integers(3, 8))
    K = draw(st.integers(1, 5))
    P = n * (n - 1) // 2
    x = draw(arrays(float, (K, P), elements=st.floats(-np.log(9), np.log(9))))
    m = np.ones((K, P), dtype=bool)
    if not complete:
        # keep a spanning path 0-1-…-(n−1) so every graph is connected, drop others at random
        drop = draw(arrays(bool, (K, P)))
        i, j = np.triu_indices(n, 1)
        m = ~drop | (j == i + 1)
    logs, mask = from_pairs(np.where(m, x, 0.0), m, n)
    return logs, mask


def consistent(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = w.size
    logs = (np.log(w)[:, None] - np.log(w)[None, :])[None]
    return logs, ~np.eye(n, dtype=bool)[None]


@SETTINGS
@given(weight_vectors())
def test_consistent_matrix_gives_back_w(w: np.ndarray) -> None:
    logs, mask = consistent(w)
    for method in ("ev", "rgm"):
        got, lam = priorities(logs, mask, method)
        np.testing.assert_allclose(got[0], w, rtol=1e-9, atol=1e-12)
        assert abs(consistency_ratio(lam, w.size)[0]) < 1e-9


@SETTINGS
@given(judgment_stacks(complete=False), st.randoms(use_true_random=False))
def test_permuting_outcomes_permutes_results(stack: tuple, rnd) -> None:
    logs, mask = stack
    n = logs.shape[-1]
    perm = np.array(rnd.sample(range(n), n))
    for method in ("ev", "rgm"):
        w, lam = priorities(logs, mask, method)
        wp, lamp = priorities(logs[:, perm][:, :, perm], mask[:, perm][:, :, perm], method)
        np.testing.assert_allclose(wp, w[:, perm], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(lamp, lam, rtol=1e-9)


@SETTINGS
@given(judgment_stacks(complete=False))
def test_transposing_inverts_priorities(stack: tuple) -> None:
    logs, mask = stack
    w = llsm(logs, mask)
    wt = llsm(-logs, mask)
    inv = 1 / w
    np.testing.assert_allclose(wt, inv / inv.sum(-1, keepdims=True), rtol=1e-9)
    # EV is not exactly inverse under transposition, but the order reverses for n = 3
    # and the eigenvalue is the same (Aᵀ has the spectrum of A).
    _, lam = eigenvector(harker_matrix(logs, mask))
    _, lam_t = eigenvector(harker_matrix(-logs, mask))
    np.testing.assert_allclose(lam_t, lam, rtol=1e-9)


@SETTINGS
@given(judgment_stacks(), st.integers(1, 6))
def test_aij_of_identical_matrices_is_that_matrix(stack: tuple, K: int) -> None:
    logs, mask = stack
    x, m = to_pairs(np.repeat(logs[:1], K, 0), np.repeat(mask[:1], K, 0))
    weights = np.random.default_rng(K).dirichlet(np.ones(K))[None]
    xg, mg = aij(*judgment_sums(weights, x, m))
    np.testing.assert_allclose(xg[0], x[0], atol=1e-12)
    assert mg.all()


@SETTINGS
@given(weight_vectors(), st.integers(2, 6))
def test_identical_participants_have_full_consensus(w: np.ndarray, K: int) -> None:
    s_star, s = goepel(np.repeat(w[None], K, 0))
    assert abs(s_star - 1) < 1e-9 and abs(s - 1) < 1e-9


@SETTINGS
@given(judgment_stacks())
def test_llsm_on_complete_matrix_is_rgm(stack: tuple) -> None:
    logs, mask = stack
    rgm = np.exp(logs.mean(-1))
    np.testing.assert_allclose(llsm(logs, mask), rgm / rgm.sum(-1, keepdims=True), rtol=1e-10)


@SETTINGS
@given(judgment_stacks())
def test_harker_on_complete_matrix_is_ev(stack: tuple) -> None:
    logs, mask = stack
    a = np.exp(logs)
    np.testing.assert_array_equal(harker_matrix(logs, mask), a)
    values, vectors = np.linalg.eig(a)
    top = np.argmax(values.real, -1)
    vec = np.abs(np.take_along_axis(vectors.real, top[:, None, None], -1)[..., 0])
    w, lam = eigenvector(harker_matrix(logs, mask))
    np.testing.assert_allclose(w, vec / vec.sum(-1, keepdims=True), rtol=1e-8)
    np.testing.assert_allclose(lam, np.take_along_axis(values.real, top[:, None], -1)[:, 0])


def test_goepel_zero_consensus_for_any_n() -> None:
    for n in range(3, 10):
        w = np.full((n, n), 1.0 / (n + 8))
        np.fill_diagonal(w, 9.0 / (n + 8))
        s_star, s = goepel(w)
        assert abs(s_star) < 1e-12
        assert 0.4 < s < 0.55


def test_kendall_w_zero_for_reversed_pair() -> None:
    w = np.array([[0.50, 0.25, 0.15, 0.10], [0.10, 0.15, 0.25, 0.50]])
    kw, p = kendall_w(w)
    assert kw == 0.0 and p is not None and p > 0.99
    s_star, _ = goepel(w)
    assert abs(s_star - 0.654) < 0.001  # "moderate" while they agree on nothing
