"""maj@k: exact DP against enumeration of all k-subsets, Monte Carlo against exact."""

from math import comb

import numpy as np
import pytest
from core_bruteforce import maj_at_k_by_enumeration

from bonaware.estimators import MajorityEstimate, maj_at_k, maj_at_k_curve


def _random_prompt(rng, n):
    pool = ["a", "b", "c", "d", None]
    answers = [pool[i] for i in rng.integers(0, int(rng.integers(1, 6)), size=n)]
    truth = pool[int(rng.integers(0, 4))]
    correct = [int(a is not None and a == truth) for a in answers]
    return answers, correct


@pytest.mark.parametrize("seed", range(40))
def test_exact_maj_at_k_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    answers, correct = _random_prompt(rng, n)
    res = maj_at_k_curve(answers, correct)
    assert res.exact is True
    assert np.all(res.stderr == 0)
    expected = [maj_at_k_by_enumeration(answers, correct, k) for k in range(1, n + 1)]
    np.testing.assert_allclose(res.value, expected, atol=1e-12)


def test_maj_at_k_depends_on_cluster_sizes_and_correctness_only_so_equal_shapes_share_one_result():
    # the DP is memoised on the sorted (size, r̄) clusters: relabelled or reordered answers are the same
    # prompt for maj@k, and a different shape is not served from the cache
    answers = ["a", "b", "a", None, "c", "a", "b", "b", "b"]
    correct = [1, 0, 1, 0, 0, 1, 0, 0, 0]
    rows = [answers, [{"a": "z", "b": "y", "c": "x"}.get(a) for a in answers], answers[::-1],
            answers[:-1] + ["c"]]
    corr = np.array([correct, correct, correct[::-1], correct])
    res = maj_at_k_curve(rows, corr).value
    np.testing.assert_array_equal(res[0], res[1])
    np.testing.assert_array_equal(res[0], res[2])
    expected = [maj_at_k_by_enumeration(rows[3], corr[3], k) for k in range(1, 10)]
    np.testing.assert_allclose(res[3], expected, atol=1e-12)
    assert not np.allclose(res[3], res[0])


def test_exact_maj_at_k_with_answer_dependent_but_inconsistent_correctness():
    # same answer string judged differently (e.g. a flaky verifier): the winner counts r̄_a
    answers = ["x", "x", "y", "x", "y", None, "z"]
    correct = [1, 0, 1, 1, 0, 1, 0]
    for k in range(1, 8):
        assert maj_at_k(answers, correct, k).value == pytest.approx(
            maj_at_k_by_enumeration(answers, correct, k), abs=1e-12)


def test_maj_at_k_conventions():
    assert maj_at_k([None, None, None], [0, 0, 0], 2).value == 0.0          # nothing to vote for
    assert maj_at_k(["a", None, None], [1, 0, 0], 3).value == 1.0           # None never wins
    assert maj_at_k(["a", "b"], [1, 0], 2).value == pytest.approx(0.5)      # uniform tie-break
    assert maj_at_k(["a", "a", "b"], [1, 1, 0], 1).value == pytest.approx(2 / 3)  # k = 1: mean
    assert maj_at_k([1.0, float("nan"), 1.0], [1, 0, 1], 2).value == 1.0   # NaN is "no answer"


def test_maj_at_k_batched_matches_single_prompts_and_types():
    rng = np.random.default_rng(1)
    prompts = [_random_prompt(rng, 6) for _ in range(5)]
    answers = [a for a, _ in prompts]
    correct = np.array([c for _, c in prompts])
    res = maj_at_k(answers, correct, 3)
    assert isinstance(res, MajorityEstimate)
    assert res.value.shape == res.stderr.shape == res.exact.shape == (5,)
    for i in range(5):
        single = maj_at_k(answers[i], correct[i], 3)
        assert isinstance(single.value, float)
        assert res.value[i] == pytest.approx(single.value, abs=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_monte_carlo_agrees_with_exact_within_a_few_stderr(seed):
    rng = np.random.default_rng(100 + seed)
    n = 24
    answers, correct = _random_prompt(rng, n)
    ks = [1, 3, 8, 15, 24]
    exact = maj_at_k_curve(answers, correct, ks)
    mc = maj_at_k_curve(answers, correct, ks, max_exact_cost=0, n_mc=4000, seed=seed)
    assert exact.exact and not mc.exact
    assert np.all(mc.stderr[:-1] > 0) or np.ptp(exact.value) == 0
    # k = n: every draw is the full set, so MC is exact and its stderr is 0
    assert mc.value[-1] == pytest.approx(exact.value[-1], abs=1e-12)
    assert np.all(np.abs(mc.value - exact.value) <= 4 * mc.stderr + 1e-12)


def test_monte_carlo_is_seeded_and_independent_of_batch_composition():
    rng = np.random.default_rng(5)
    prompts = [_random_prompt(rng, 12) for _ in range(3)]
    answers = [a for a, _ in prompts]
    correct = np.array([c for _, c in prompts])
    kw = dict(max_exact_cost=0, n_mc=200)
    first = maj_at_k(answers, correct, 4, seed=3, **kw)
    again = maj_at_k(answers, correct, 4, seed=3, **kw)
    other = maj_at_k(answers, correct, 4, seed=4, **kw)
    np.testing.assert_array_equal(first.value, again.value)
    assert not np.array_equal(first.value, other.value)
    # the (seed, prompt, k) stream means prompt 0 alone gets the same draws as inside the batch
    assert maj_at_k(answers[:1], correct[:1], 4, seed=3, **kw).value[0] == first.value[0]


def test_exact_dp_handles_many_samples_without_overflow():
    # n = 400 with 3 clusters: counts like C(400, 200) would overflow a naive float count
    answers = ["a"] * 180 + ["b"] * 150 + ["c"] * 50 + [None] * 20
    correct = [1] * 180 + [0] * 220
    res = maj_at_k_curve(answers, correct, [1, 2, 101, 400], max_exact_cost=1e9)
    assert res.exact
    assert res.value[0] == pytest.approx(180 / 400)
    # k = 2 by hand: a+a and a+None win, a+b / a+c tie (½), everything else loses
    assert res.value[1] == pytest.approx((comb(180, 2) + 180 * 20 + 0.5 * 180 * 200) / comb(400, 2))
    assert res.value[3] == 1.0                        # k = n: "a" has the plurality
    mc = maj_at_k(answers, correct, 101, max_exact_cost=0, n_mc=4000)
    assert abs(res.value[2] - mc.value) <= 4 * mc.stderr
