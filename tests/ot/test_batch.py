"""Batched exact transport: the numba network simplex and ``emd_batch`` against POT and an LP."""

import importlib.util
import pathlib
import warnings

import numba
import numpy as np
import ot
import pytest
from hypothesis import given, settings, strategies as st

from kexue.ot import emd_batch
from kexue.ot.network_simplex import MAX_ITER_REACHED, OPTIMAL, network_simplex

_ref = pathlib.Path(__file__).parent / "lp_reference.py"
_spec = importlib.util.spec_from_file_location("lp_reference_batch", _ref)
lp_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lp_reference)


def random_problem(rng, k):
    """Random problems cycling through the degenerate kinds: ties, repeated points, zero masses, 1×n."""
    m, n = (int(v) for v in rng.integers(1, 30, size=2))
    kind = k % 6
    if kind == 0:  # generic
        a, b, C = rng.random(m), rng.random(n), rng.random((m, n))
    elif kind == 1:  # ties everywhere: small integer masses and costs
        a = rng.integers(1, 4, m).astype(float)
        b = rng.integers(1, 4, n).astype(float)
        C = rng.integers(0, 3, (m, n)).astype(float)
    elif kind == 2:  # repeated points, Euclidean cost
        x = rng.normal(size=(m, 2))
        x[m // 2:] = x[0]
        y = np.vstack([x, rng.normal(size=(n, 2))])[:n]
        a, b, C = np.ones(m), np.ones(n), ot.dist(x, y, metric="euclidean")
    elif kind == 3:  # zero masses on both sides
        a = rng.random(m) * (rng.random(m) < 0.6)
        b = rng.random(n) * (rng.random(n) < 0.6)
        a[0] += a.sum() == 0
        b[-1] += b.sum() == 0
        C = rng.normal(size=(m, n))
    elif kind == 4:  # 1 × n and m × 1
        if k % 12 == 4:
            m = 1
        else:
            n = 1
        a, b, C = rng.random(m) + 0.1, rng.random(n) + 0.1, rng.random((m, n))
    else:  # uniform masses (assignment-like, highly degenerate)
        n = m
        a, b, C = np.ones(m), np.ones(n), rng.random((m, n))
    return a / a.sum(), b / b.sum(), C


def problems(count, seed=0):
    rng = np.random.default_rng(seed)
    return [random_problem(rng, k) for k in range(count)]


def check_plan(P, a, b, C, value):
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(1), a, atol=1e-12)
    np.testing.assert_allclose(P.sum(0), b, atol=1e-12)
    assert value == pytest.approx(float(np.sum(P * C)), abs=1e-12)
    assert np.count_nonzero(P) <= len(a) + len(b) - 1  # a vertex of the transport polytope


def test_network_simplex_matches_pot_and_lp():
    for k, (a, b, C) in enumerate(problems(300)):
        value, P, status, _ = network_simplex(a, b, C)
        assert status == OPTIMAL
        assert value == pytest.approx(ot.emd2(a, b, C), abs=1e-9)
        if k % 10 == 0:
            assert value == pytest.approx(lp_reference.lp_emd(a, b, C), abs=1e-9)
        check_plan(P, a, b, C, value)


def test_emd_batch_matches_pot_with_plans():
    A, B, Cs = zip(*problems(400, seed=1))
    values, plans = emd_batch(list(A), list(B), list(Cs), return_plans=True)
    ref = np.array([ot.emd2(a, b, C) for a, b, C in zip(A, B, Cs)])
    np.testing.assert_allclose(values, ref, rtol=0, atol=1e-9)
    for a, b, C, P, v in zip(A, B, Cs, plans, values):
        assert P.shape == C.shape
        check_plan(P, a, b, C, v)


@pytest.mark.slow
def test_emd_batch_matches_pot_on_2000_problems():
    A, B, Cs = zip(*problems(2000, seed=2))
    values = emd_batch(list(A), list(B), list(Cs))
    ref = np.array([ot.emd2(a, b, C, numItermax=10**7) for a, b, C in zip(A, B, Cs)])
    assert np.max(np.abs(values - ref)) <= 1e-9


def test_emd_batch_thread_count_does_not_change_results():
    A, B, Cs = (list(t) for t in zip(*problems(60, seed=3)))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = emd_batch(A, B, Cs)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, emd_batch(A, B, Cs))


def test_masses_need_not_sum_to_one():
    a, b, C = np.array([2.0, 6.0]), np.array([4.0, 4.0]), np.array([[0.0, 1.0], [3.0, 0.5]])
    assert emd_batch([a], [b], [C])[0] == pytest.approx(ot.emd2(a, b, C), abs=1e-12)


def test_identical_points_cost_zero_and_doc_example():
    x = np.random.default_rng(4).normal(size=(7, 3))
    C = ot.dist(x, x)
    assert emd_batch([np.ones(7) / 7], [np.ones(7) / 7], [C])[0] == 0.0
    np.testing.assert_allclose(emd_batch([[0.5, 0.5], [1.0]], [[1.0], [0.5, 0.5]], [[[0.0], [2.0]], [[1.0, 3.0]]]),
                               [1.0, 2.0])


def test_iteration_cap_gives_status_and_warning():
    rng = np.random.default_rng(5)
    a, b, C = np.ones(30) / 30, np.ones(30) / 30, rng.random((30, 30))
    value, P, status, pivots = network_simplex(a, b, C, max_iter=1)
    assert status == MAX_ITER_REACHED and pivots == 1
    check_plan(P, a, b, C, value)  # still a feasible vertex
    assert value >= ot.emd2(a, b, C) - 1e-12
    with pytest.warns(RuntimeWarning, match="iteration cap"):
        emd_batch([a], [b], [C], max_iter=1)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**32 - 1), st.booleans())
def test_property_optimal_feasible_and_permutation_invariant(m, n, seed, integer):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, m).astype(float) if integer else rng.random(m)
    b = rng.integers(0, 3, n).astype(float) if integer else rng.random(n)
    a[0] += a.sum() == 0
    b[0] += b.sum() == 0
    a, b = a / a.sum(), b / b.sum()
    C = rng.integers(0, 3, (m, n)).astype(float) if integer else rng.random((m, n))
    value, P, status, _ = network_simplex(a, b, C)
    assert status == OPTIMAL
    assert value == pytest.approx(ot.emd2(a, b, C), abs=1e-9)
    check_plan(P, a, b, C, value)
    pr, pc = rng.permutation(m), rng.permutation(n)
    assert network_simplex(a[pr], b[pc], C[np.ix_(pr, pc)])[0] == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("args, match", [
    (([[1.0]], [[1.0], [1.0]], [[[0.0]]]), "must align"),
    (([[1.0]], [[1.0]], [[[0.0, 1.0]]]), r"costs\[0\] has shape"),
    (([[1.0]], [[1.0]], []), "one per problem"),
    (([[-1.0, 2.0]], [[1.0]], [[[0.0], [0.0]]]), r"a_list\[0\] has negative"),
    (([[1.0]], [[2.0]], [[[0.0]]]), "differ by more than"),
    (([[0.0]], [[0.0]], [[[0.0]]]), "total mass"),
    (([[1.0]], [[1.0]], [[[np.nan]]]), r"costs\[0\] contains NaN"),
    (([[np.inf]], [[1.0]], [[[0.0]]]), r"a_list\[0\] contains NaN"),
    (([[]], [[1.0]], [[[0.0]]]), "is empty"),
    (([], [], []), "is empty"),
])
def test_emd_batch_input_errors(args, match):
    with pytest.raises(ValueError, match=match):
        emd_batch(*args)


def test_emd_batch_type_errors():
    with pytest.raises(TypeError, match="list of arrays"):
        emd_batch(np.ones((2, 2)), [[1.0]], [[[0.0]]])
    with pytest.raises(TypeError, match="max_iter"):
        emd_batch([[1.0]], [[1.0]], [[[0.0]]], max_iter=1.5)


def test_network_simplex_input_errors():
    with pytest.raises(ValueError, match="expected"):
        network_simplex([1.0], [1.0], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="negative"):
        network_simplex([-1.0, 2.0], [1.0], [[0.0], [1.0]])
