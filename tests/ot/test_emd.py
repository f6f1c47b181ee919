import importlib.util
import pathlib

import numpy as np
import ot
import pytest

from kexue.ot import emd

_spec = importlib.util.spec_from_file_location("lp_reference", pathlib.Path(__file__).with_name("lp_reference.py"))
lp_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lp_reference)


def random_problem(rng, kind):
    m, n = rng.integers(1, 12, size=2)
    if kind == "row":
        m = 1
    a, b = rng.random(m), rng.random(n)
    if kind == "zeros" and m > 1:
        a[rng.integers(m)] = 0.0
        b[rng.integers(n)] = 0.0 if n > 1 else b[0]
    a /= a.sum()
    b /= b.sum()
    C = rng.random((m, n))
    if kind == "ties":
        C = np.round(C * 3) / 3
    if kind == "repeated":
        C[:] = C[:, :1] if n > 1 else C
    return a, b, C


@pytest.mark.parametrize("kind", ["plain", "row", "zeros", "ties", "repeated"])
def test_emd_matches_lp_and_pot(kind):
    rng = np.random.default_rng(hash(kind) % 2**32)
    for _ in range(220):  # 5 kinds x 220 = 1,100 problems
        a, b, C = random_problem(rng, kind)
        value, plan = emd(a, b, C, return_plan=True)
        assert value == pytest.approx(lp_reference.lp_emd(a, b, C), abs=1e-9)
        assert value == pytest.approx(ot.emd2(a, b, C), abs=1e-9)
        np.testing.assert_allclose(plan.sum(1), a, atol=1e-12)
        np.testing.assert_allclose(plan.sum(0), b, atol=1e-12)
        assert plan.min() >= 0


def test_mass_validation():
    with pytest.raises(ValueError, match="negative"):
        emd([1.5, -0.5], [1.0], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="NaN"):
        emd([np.nan, 1.0], [1.0], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="differ"):
        emd([0.5, 0.5], [1.1], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="shape"):
        emd([0.5, 0.5], [1.0], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="positive"):
        emd([0.0, 0.0], [0.0], [[0.0], [1.0]])


def test_totals_that_agree_are_renormalised():
    a = np.array([0.3, 0.7])
    b = np.array([1.0 + 1e-12])
    assert emd(a, b, [[1.0], [2.0]]) == pytest.approx(1.7, abs=1e-12)
    assert emd([3, 6], [9], [[1.0], [2.0]]) == pytest.approx(15.0)


def test_dense_lp_reference_agrees():
    from kexue.ot.linprog_reference import emd_dense_lp

    rng = np.random.default_rng(11)
    for _ in range(20):
        a, b, C = random_problem(rng, "plain")
        assert emd_dense_lp(a, b, C) == pytest.approx(emd(a, b, C), abs=1e-9)
