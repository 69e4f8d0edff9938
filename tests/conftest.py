"""Shared test configuration: deterministic seeds and small thread counts for shared CPU machines."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread per test: CI has 2 shared cores, and exact-resume comparisons want one thread.

    torch is only touched if a test already imported it, so math-core tests stay torch-free.
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
