"""pass@k and BoN@k against brute-force enumeration of all k-subsets (prior-art.md §2.1)."""

from math import comb

import numpy as np
import pytest
from core_bruteforce import (
    bon_at_k_by_enumeration,
    pass_at_k_by_enumeration,
    pass_at_k_exact_fraction,
)

from bonaware.estimators import (
    bon_at_k,
    bon_at_k_curve,
    log_choose_ratio,
    pass_at_k,
    pass_at_k_curve,
    rank_weights,
)


@pytest.mark.parametrize("n", range(1, 8))
def test_pass_at_k_equals_enumeration_for_every_c_and_k(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(pass_at_k_by_enumeration(n, c, k), abs=1e-14)


def test_pass_at_k_edge_cases():
    assert pass_at_k(10, 0, 3) == 0.0
    assert pass_at_k(10, 10, 3) == 1.0
    assert pass_at_k(10, 8, 3) == 1.0  # n − c < k: every 3-subset holds a correct sample
    assert pass_at_k(10, 4, 10) == 1.0  # k = n
    assert pass_at_k(10, 4, 1) == pytest.approx(0.4)  # k = 1: the fraction correct


@pytest.mark.parametrize(("n", "c", "k"), [(1000, 1, 1), (1000, 1, 500), (1000, 37, 64), (1000, 900, 3),
                                           (1000, 3, 997), (640, 5, 320)])
def test_pass_at_k_large_n_matches_exact_integer_binomials(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(pass_at_k_exact_fraction(n, c, k), rel=1e-12)


def test_pass_at_k_broadcasts_and_curve_matches_pointwise():
    n = np.array([5, 8, 8, 64])
    c = np.array([0, 3, 8, 17])
    out = pass_at_k(n[:, None], c[:, None], np.array([1, 2, 5]))
    assert out.shape == (4, 3)
    for i in range(4):
        for t, k in enumerate([1, 2, 5]):
            assert out[i, t] == pytest.approx(pass_at_k_exact_fraction(n[i], c[i], k), abs=1e-14)
    curve = pass_at_k_curve(n, c)  # default ks = 1..min(n) = 1..5
    np.testing.assert_allclose(curve, pass_at_k(n[:, None], c[:, None], np.arange(1, 6)), rtol=0, atol=0)
    assert isinstance(pass_at_k(4, 1, 2), float)


def test_log_choose_ratio_table_and_gammaln_fallback_agree():
    a = np.arange(0, 301)
    ks = np.array([1, 7, 150, 300])
    exact = np.array([[np.log(comb(x, k) / comb(300, k)) if x >= k else -np.inf for k in ks] for x in a])
    np.testing.assert_allclose(log_choose_ratio(300, a, ks), exact, rtol=1e-12, atol=1e-12)
    import bonaware.estimators.passk as passk

    old = passk._MAX_TABLE
    try:
        passk._MAX_TABLE = 0  # force the gammaln path
        np.testing.assert_allclose(log_choose_ratio(300, a, ks), exact, rtol=1e-10, atol=1e-10)
    finally:
        passk._MAX_TABLE = old


def test_rank_weights_are_the_binomial_ratios_and_columns_sum_to_one():
    n = 9
    W = rank_weights(n, None)
    expected = np.array([[comb(j - 1, k - 1) / comb(n, k) for k in range(1, n + 1)] for j in range(1, n + 1)])
    np.testing.assert_allclose(W, expected, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(W.sum(axis=0), 1.0, rtol=1e-13)
    np.testing.assert_allclose(rank_weights(1000, [1, 64, 1000]).sum(axis=0), 1.0, rtol=1e-11)


@pytest.mark.parametrize("seed", range(40))
def test_bon_at_k_equals_enumeration_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    scores = rng.integers(0, int(rng.integers(1, 5)), size=n).astype(float)  # heavy ties
    correct = rng.integers(0, 2, size=n)
    curve = bon_at_k_curve(scores, correct)
    for k in range(1, n + 1):
        expected = bon_at_k_by_enumeration(scores, correct, k)
        assert curve[k - 1] == pytest.approx(expected, abs=1e-13)
        assert bon_at_k(scores, correct, k) == pytest.approx(expected, abs=1e-13)


def test_bon_at_k_extreme_cases():
    scores = np.array([0.3, 0.1, 0.9, 0.5])
    assert bon_at_k(scores, [0, 0, 0, 0], 2) == 0.0                       # c = 0
    assert bon_at_k(scores, [1, 1, 1, 1], 2) == pytest.approx(1.0)       # c = n
    assert bon_at_k(scores, [0, 0, 1, 0], 4) == pytest.approx(1.0)       # k = n picks the top score
    assert bon_at_k(scores, [1, 1, 0, 1], 4) == 0.0
    assert bon_at_k(scores, [1, 0, 0, 1], 1) == pytest.approx(0.5)       # k = 1: mean correctness
    assert bon_at_k(np.zeros(4), [1, 0, 0, 0], 3) == pytest.approx(0.25)  # all tied: mean correctness


def test_bon_at_k_with_scores_equal_correct_is_pass_at_k():
    rng = np.random.default_rng(7)
    correct = rng.integers(0, 2, size=(50, 16))
    np.testing.assert_allclose(bon_at_k_curve(correct, correct),
                               pass_at_k_curve(16, correct.sum(axis=1)), rtol=1e-12, atol=1e-14)


def test_bon_at_k_rows_are_independent_prompts():
    rng = np.random.default_rng(8)
    scores = rng.integers(0, 3, size=(6, 5)).astype(float)
    correct = rng.integers(0, 2, size=(6, 5))
    batched = bon_at_k(scores, correct, 3)
    assert batched.shape == (6,)
    for i in range(6):
        assert batched[i] == pytest.approx(bon_at_k(scores[i], correct[i], 3), abs=1e-15)


def test_first_k_estimate_averaged_over_sample_orders_is_bon_at_k():
    # "first k samples" (prior-art.md §4.1) is one random k-subset: unbiased only if the order is
    # exchangeable, and bon_at_k is exactly its average over all orders (less variance, same mean)
    import itertools

    scores = np.array([0.2, 0.9, 0.9, 0.4, 0.1])
    correct = np.array([1, 0, 1, 0, 1])
    for k in (1, 2, 3, 5):
        first_k = []
        for perm in itertools.permutations(range(5)):
            s, r = scores[list(perm[:k])], correct[list(perm[:k])]
            first_k.append(r[s == s.max()].mean())  # uniform tie-break, in expectation
        assert np.mean(first_k) == pytest.approx(bon_at_k(scores, correct, k), abs=1e-12)
        assert k == 5 or np.var(first_k) > 0


def test_bootstrap_with_replacement_is_biased_low_where_pass_at_k_is_exact():
    # verl-style best@N resamples N of the N samples *with* replacement (prior-art.md §4.1):
    # with 1 correct of 4 it reports 1 − (3/4)^4 ≈ 0.684, while the true best-of-4 of these
    # samples (and pass@4 from n = 4) is 1.
    import itertools

    correct = [1, 0, 0, 0]
    draws = list(itertools.product(range(4), repeat=4))
    with_replacement = np.mean([max(correct[i] for i in d) for d in draws])
    assert with_replacement == pytest.approx(1 - 0.75**4)
    assert pass_at_k(4, 1, 4) == 1.0
