"""Shared test settings."""

import pathlib

import pytest

#: test folders whose small linear algebra runs single-threaded: on a loaded 2-core machine, BLAS/torch thread
#: pools that spin make it 10x slower
_SINGLE_THREAD_FOLDERS = {"angles", "init"}


@pytest.fixture(autouse=True)
def _single_thread(request):
    if pathlib.Path(str(request.node.fspath)).parent.name not in _SINGLE_THREAD_FOLDERS:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)
