"""The Examples sections of the public docstrings run as written."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["functional", "modules", "fits", "minimax", "names", "error_table"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"kexue.gelu.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
