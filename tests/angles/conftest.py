"""Run this area's tests single-threaded: on a loaded 2-core machine, BLAS/torch thread pools that spin
make small linear algebra 10× slower. The limit applies only while each test of this folder runs."""

import pytest
import torch
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)
