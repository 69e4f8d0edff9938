"""pass_at_k / bon_at_k: E[Σ_j w_j ∇log π(y_j)] equals the exact ∇pass@k / ∇BoN@k (tabular enumeration)."""

import itertools
from math import comb

import numpy as np
import pytest

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import bon_at_k_weights, pass_at_k_weights

# (k, n, baseline): n = k and n > k; "loo" needs n > k, "loo-1" needs k >= 2
CASES = [
    (k, n, b)
    for k, n in [(1, 1), (1, 3), (2, 2), (2, 4), (3, 3), (3, 5), (4, 4)]
    for b in (None, "loo", "loo-1")
    if not ((b == "loo" and n <= k) or (b == "loo-1" and k < 2))
]


@pytest.mark.parametrize(("k", "n", "baseline"), CASES)
def test_bon_at_k_expected_weights_equal_exact_gradient_with_ties(policy, k, n, baseline):
    logits, rewards, scores = policy
    g = tb.expected_weighted_score("bon_at_k", logits, rewards, scores, n, k=k, baseline=baseline)
    np.testing.assert_allclose(g, tb.bon_at_k_grad(logits, rewards, scores, k), atol=1e-12)
    fd = tb.finite_difference_grad(lambda th: tb.bon_at_k_value(th, rewards, scores, k), logits)
    np.testing.assert_allclose(g, fd, atol=1e-8)


@pytest.mark.parametrize(("k", "n", "baseline"), CASES)
def test_pass_at_k_expected_weights_equal_exact_gradient(policy, k, n, baseline):
    logits, rewards, _ = policy
    g = tb.expected_weighted_score("pass_at_k", logits, rewards, None, n, k=k, baseline=baseline)
    np.testing.assert_allclose(g, tb.pass_at_k_grad(logits, rewards, k), atol=1e-12)
    fd = tb.finite_difference_grad(lambda th: tb.pass_at_k_value(th, rewards, k), logits)
    np.testing.assert_allclose(g, fd, atol=1e-8)


@pytest.mark.parametrize("rewards", [np.zeros(3), np.ones(3)], ids=["c=0", "c=n"])
@pytest.mark.parametrize("baseline", [None, "loo"])
def test_policy_that_is_always_wrong_or_always_right_has_zero_expected_gradient(rewards, baseline):
    logits = np.array([0.5, -0.1, 0.2])
    g = tb.expected_weighted_score(
        "bon_at_k", logits, rewards, np.array([0.1, 0.3, 0.3]), 4, k=2, baseline=baseline
    )
    np.testing.assert_allclose(g, 0.0, atol=1e-14)


def _brute_credit(scores, values, k):
    """w_i = C(n,k)⁻¹ Σ_{S∋i} f(S), f = mean value over S's top-score block (uniform tie-break)."""
    n = len(scores)
    w = np.zeros(n)
    for S in itertools.combinations(range(n), k):
        top = max(scores[list(S)])
        f = np.mean([values[i] for i in S if scores[i] == top])
        w[list(S)] += f
    return w / comb(n, k)


def test_tie_aware_credit_equals_subset_enumeration_on_random_groups():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 8))
        k = int(rng.integers(1, n + 1))
        scores = rng.integers(0, 3, n).astype(float)  # many ties
        values = rng.normal(size=n)  # bon_at_k_weights accepts real-valued rewards
        np.testing.assert_allclose(
            bon_at_k_weights(scores[None], values[None], k)[0], _brute_credit(scores, values, k), atol=1e-13
        )


def test_binary_closed_form_equals_ranked_credit_with_reward_as_selector():
    rng = np.random.default_rng(1)
    R = rng.integers(0, 2, (50, 9)).astype(float)
    for k in range(1, 10):
        for baseline in [None, "loo-1"] if k > 1 else [None, "loo"]:
            np.testing.assert_allclose(
                pass_at_k_weights(R, k, baseline), bon_at_k_weights(R, R, k, baseline), atol=1e-13
            )


def test_pass_at_k_credit_matches_prior_art_formula():
    """prior-art.md §2.2: correct → k/n; incorrect → (k/n)(1 − C(n−1−c, k−1)/C(n−1, k−1))."""
    n, k = 8, 3
    R = np.array([[1, 0, 0, 1, 0, 0, 0, 0]], dtype=float)
    w = pass_at_k_weights(R, k)[0]
    c = 2
    assert w[0] == pytest.approx(k / n)
    assert w[1] == pytest.approx(k / n * (1 - comb(n - 1 - c, k - 1) / comb(n - 1, k - 1)))


def test_loo_minus_one_gives_incorrect_samples_exactly_zero_and_lone_correct_samples_credit():
    """k = n: only groups with exactly one correct sample carry signal (Tang et al.'s estimator)."""
    R = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=float)
    w = pass_at_k_weights(R, 4, baseline="loo-1")
    assert w.tolist() == [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_loo_minus_one_gives_exact_zero_to_samples_that_never_top_a_subset():
    s = np.array([[0.1, 0.5, 0.5, 0.9]])
    r = np.array([[1.0, 0.0, 1.0, 1.0]])
    w = bon_at_k_weights(s, r, 3, baseline="loo-1")[0]
    assert w[0] == 0.0  # the lowest-scored sample is never the top of a 3-subset


def _brute_loo_minus_one(scores, values, k):
    """w_i = C(n,k)⁻¹ Σ_{S∋i} [f(S) − f(S∖{i})] (PKPO's s^(loo−1)), by subset enumeration."""

    def f(S):
        top = max(scores[list(S)])
        return np.mean([values[j] for j in S if scores[j] == top])

    n = len(scores)
    w = np.zeros(n)
    for S in itertools.combinations(range(n), k):
        for i in S:
            w[i] += f(S) - f([j for j in S if j != i])
    return w / comb(n, k)


def test_loo_minus_one_equals_subset_enumeration_on_random_groups():
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(2, 8))
        k = int(rng.integers(2, n + 1))
        scores = rng.integers(0, 3, n).astype(float)
        values = rng.integers(0, 2, n).astype(float)
        np.testing.assert_allclose(
            bon_at_k_weights(scores[None], values[None], k, "loo-1")[0],
            _brute_loo_minus_one(scores, values, k),
            atol=1e-13,
        )


def test_weights_sum_to_k_times_the_unbiased_bon_estimate():
    """Σ_i w_i = k·U, U the unbiased BoN@k estimate (prior-art.md §2.1's rank formula, no ties)."""
    rng = np.random.default_rng(2)
    n, k = 10, 4
    s = rng.permutation(n).astype(float)
    r = rng.integers(0, 2, n).astype(float)
    ranked = r[np.argsort(s)]
    U = sum(comb(j - 1, k - 1) / comb(n, k) * ranked[j - 1] for j in range(k, n + 1))
    assert bon_at_k_weights(s[None], r[None], k).sum() == pytest.approx(k * U, abs=1e-13)


def test_large_groups_stay_finite_and_exact():
    """n = 4096, k = 2048: binomials overflow float64 but the log-gamma ratios do not."""
    n, k = 4096, 2048
    R = np.zeros((1, n))
    R[0, :5] = 1.0
    w = pass_at_k_weights(R, k)[0]
    assert np.all(np.isfinite(w))
    assert w[0] == pytest.approx(k / n)
    # incorrect: (k/n)(1 − Π_{j=n−5}^{n−1} (1 − (k−1)/j)) — the Codex product form
    prod = np.prod([1 - (k - 1) / j for j in range(n - 5, n)])
    assert w[5] == pytest.approx(k / n * (1 - prod), rel=1e-10)


@pytest.mark.parametrize(
    ("k", "baseline", "msg"),
    [
        (0, None, "k must be"),
        (5, None, "exceeds"),
        (4, "loo", "n > k"),
        (1, "loo-1", "k >= 2"),
        (2, "mean", "baseline must be"),
    ],
)
def test_invalid_k_or_baseline_raises(k, baseline, msg):
    with pytest.raises(BonawareError, match=msg):
        pass_at_k_weights(np.ones((1, 4)), k, baseline)


def test_pass_at_k_rejects_non_binary_rewards():
    with pytest.raises(BonawareError, match="binary"):
        pass_at_k_weights(np.array([[0.5, 1.0]]), 1)
