import numpy as np
import pytest

from kexue.ellipses import glue
from kexue.ellipses.grid_method import compare_grid, grid_glue


def test_reproduces_article_numbers_at_step_1e6():
    g = grid_glue(2, 1, 1e-6)
    assert g.quarter_length == pytest.approx(2.41934, abs=5e-6)
    assert g.length == pytest.approx(1.56695, abs=5e-6)
    assert g.min_dx2 == pytest.approx(-2.4e-6, abs=5e-8)
    assert g.assertion_passes


def test_step_1e4_and_sqrt_h_error():
    exact = glue(2, 1).quarter_length
    coarse, fine = grid_glue(2, 1, 1e-4), grid_glue(2, 1, 1e-6)
    assert coarse.quarter_length == pytest.approx(2.39439, abs=5e-6)
    # O(√h): 100x smaller step, 10x smaller error
    ratio = (exact - coarse.quarter_length) / (exact - fine.quarter_length)
    assert ratio == pytest.approx(10.0, rel=0.02)


def test_compare_rows():
    rows = compare_grid(2, 1, 1e-5)
    byname = {r["quantity"]: r for r in rows}
    assert byname["quarter_length"]["exact"] == pytest.approx(2.4221120551, abs=1e-10)
    for name in ("quarter_length", "length", "volume"):
        assert byname[name]["error"] < 0 and abs(byname[name]["error"]) < 0.05
        assert byname[name]["error"] == pytest.approx(byname[name]["grid"] - byname[name]["exact"])


def test_bad_step():
    with pytest.raises(ValueError, match="step"):
        grid_glue(2, 1, 0.5)
    with pytest.raises(ValueError, match="positive"):
        grid_glue(2, 1, -1e-3)
    assert np.isfinite(grid_glue(2, 1, 0.01).length)
