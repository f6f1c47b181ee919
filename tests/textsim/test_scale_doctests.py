import doctest

import pytest

import kexue.ot.sinkhorn
import kexue.textsim.entropic
import kexue.textsim.pairs


@pytest.mark.parametrize("module", [kexue.ot.sinkhorn, kexue.textsim.entropic, kexue.textsim.pairs])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
