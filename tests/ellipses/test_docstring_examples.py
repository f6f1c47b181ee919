import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["arcs", "gluing", "grid_method", "mesh"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"kexue.ellipses.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
