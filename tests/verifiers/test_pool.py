"""TimeoutPool: per-item hard limits, worker replacement, errors reported per item."""

import time

import pytest
from slow_functions import die, fail, nap

from bonaware.errors import BonawareError
from bonaware.verifiers.pool import TimeoutPool


@pytest.fixture(scope="module")
def pool():
    with TimeoutPool(nap, workers=2, timeout=1.0) as p:
        p.map([(0.0, 0)])  # start the workers outside the timed tests
        yield p


def test_results_come_back_in_input_order(pool):
    assert pool.map([(0.05 * (3 - i), i) for i in range(4)]) == [("ok", i) for i in range(4)]


def test_a_hung_item_times_out_alone_and_its_worker_is_replaced(pool):
    start = time.monotonic()
    out = pool.map([(30.0, 0), (0.0, 1), (0.0, 2), (0.0, 3)])
    assert out == [("timeout", None), ("ok", 1), ("ok", 2), ("ok", 3)]
    assert time.monotonic() - start < 15  # killed at ~1 s, not after 30 s
    assert pool.map([(0.0, 7), (0.0, 8)]) == [("ok", 7), ("ok", 8)]  # the replacement works


def test_exceptions_and_dead_workers_are_per_item_errors():
    with TimeoutPool(fail, workers=1, timeout=5.0) as p:
        assert p.map([("boom",)]) == [("error", "ValueError: boom")]
    with TimeoutPool(die, workers=1, timeout=5.0) as p:
        assert p.map([(3,)]) == [("error", "worker process died")]


def test_bad_pool_options_raise():
    with pytest.raises(BonawareError, match="workers"):
        TimeoutPool(nap, workers=0)
    with pytest.raises(BonawareError, match="timeout"):
        TimeoutPool(nap, timeout=0)
