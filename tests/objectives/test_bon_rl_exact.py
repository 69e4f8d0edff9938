"""BoN-RL (Lemma 2): E[Σ_j w_j ∇log π(y_j)] = Σ_y π_bon(y)(R(y) − b)∇log π(y), and how it differs from ∇J."""

import itertools

import numpy as np
import pytest
from scipy.special import expit, softmax

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective

LOGITS = np.array([0.2, -0.3, 0.5, -0.1])
REWARDS = np.array([0.0, 1.0, 0.0, 1.0])
SCORES = np.array([0.3, 0.8, 0.8, 0.1])  # the verifier ties a correct and an incorrect outcome at the top


def _lemma2_target(selector, n, b):
    pi = softmax(LOGITS)
    return (tb.bon_distribution(LOGITS, selector, n) * (REWARDS - b)) @ (np.eye(4) - pi)


@pytest.mark.parametrize("tie_break", ["split", "first"])
@pytest.mark.parametrize("b", [0.0, 0.35])
@pytest.mark.parametrize("n", [1, 2, 4])
def test_bon_rl_v_expectation_is_reinforce_under_the_bon_policy(n, b, tie_break):
    g = tb.expected_weighted_score(
        "bon_rl_v", LOGITS, REWARDS, SCORES, n, value_baseline=b, method="tuples", tie_break=tie_break
    )
    np.testing.assert_allclose(g, _lemma2_target(SCORES, n, b), atol=1e-13)


@pytest.mark.parametrize("b", [0.0, 0.35])
@pytest.mark.parametrize("n", [2, 4])
def test_bon_rl_s_expectation_matches_binary_closed_form_not_the_true_gradient(n, b):
    p = 1 - float(tb.success_probability(LOGITS, REWARDS))
    A = tb.pass_at_k_grad(LOGITS, REWARDS, 1)
    g = tb.expected_weighted_score("bon_rl_s", LOGITS, REWARDS, SCORES, n, value_baseline=b)
    np.testing.assert_allclose(g, _lemma2_target(REWARDS, n, b), atol=1e-13)
    np.testing.assert_allclose(g, ((1 - b) * (1 - p**n) / (1 - p) + b * p ** (n - 1)) * A, atol=1e-13)
    # the true ∇pass@n is N p^{N−1} A: Lemma 2 has a different per-prompt multiplier
    ratio = ((1 - b) * (1 - p**n) / (1 - p) + b * p ** (n - 1)) / (n * p ** (n - 1))
    np.testing.assert_allclose(g, ratio * tb.pass_at_k_grad(LOGITS, REWARDS, n), atol=1e-13)


def test_f_form_with_zero_lambda_is_lemma2():
    g0 = tb.expected_weighted_score(
        "bon_rl_v", LOGITS, REWARDS, SCORES, 3, value_baseline=0.2, grad_form="f", lam=0.0
    )
    np.testing.assert_allclose(g0, _lemma2_target(SCORES, 3, 0.2), atol=1e-13)


def test_f_form_adds_advantage_times_monte_carlo_win_rate_terms():
    S = np.array([[0.1, 0.9, 0.4]])
    R = np.array([[0.0, 1.0, 0.0]])
    w = get_objective("bon_rl_v")(
        GroupBatch(rewards=R, scores=S, baseline=np.array([0.25])), grad_form="f", lam=2.0
    )
    adv = 1.0 - 0.25
    expected = adv * 2.0 / 3 * expit(0.9 - S[0])
    expected[1] += adv
    np.testing.assert_allclose(w.sample[0], expected, atol=1e-15)


def test_batch_loo_baseline_is_unbiased_across_prompts():
    """Joint enumeration over two prompts (each its own policy): b for prompt 1 depends only on prompt 2."""
    logits = [np.array([0.3, -0.2, 0.1]), np.array([-0.4, 0.6, 0.0])]
    R, S, n = np.array([1.0, 0.0, 1.0]), np.array([0.2, 0.7, 0.5]), 2
    fn = get_objective("bon_rl_v")
    pis = [softmax(x) for x in logits]
    g = np.zeros((2, 3))
    for t in itertools.product(range(3), repeat=2 * n):
        Y = np.array(t).reshape(2, n)
        w = fn(GroupBatch(rewards=R[Y], scores=S[Y]), baseline="batch_loo").sample
        prob = np.prod(pis[0][Y[0]]) * np.prod(pis[1][Y[1]])
        for i in range(2):
            g[i] += prob * sum(w[i, j] * (np.eye(3)[Y[i, j]] - pis[i]) for j in range(n))
    for i in range(2):
        b = float(tb.bon_at_k_value(logits[1 - i], R, S, n))  # E[selected reward of the other prompt]
        target = (tb.bon_distribution(logits[i], S, n) * (R - b)) @ (np.eye(3) - pis[i])
        np.testing.assert_allclose(g[i], target, atol=1e-14)


def test_selector_rewards_and_n_mismatch_and_missing_value_baseline():
    batch = GroupBatch(rewards=np.array([[0.0, 1.0]]), scores=np.array([[0.9, 0.1]]))
    assert get_objective("bon_rl")(batch, selector="rewards").sample.tolist() == [[0.0, 1.0]]
    assert get_objective("bon_rl")(batch).sample.tolist() == [[0.0, 0.0]]
    with pytest.raises(BonawareError, match="N must equal n"):
        get_objective("bon_rl")(batch, N=4)
    with pytest.raises(BonawareError, match="GroupBatch.baseline"):
        get_objective("bon_rl")(batch, baseline="value")
    with pytest.raises(BonawareError, match="needs GroupBatch field"):
        get_objective("bon_rl_v")(GroupBatch(rewards=np.array([[0.0, 1.0]])))
