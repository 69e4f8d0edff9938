"""REINFORCE / RLOO / GRPO / Dr.GRPO / STaR: exact expected gradients relative to ∇pass@1."""

import itertools

import numpy as np
import pytest
from scipy.special import softmax
from scipy.stats import binom

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective

LOGITS = np.array([0.1, -0.6, 0.4])
REWARDS = np.array([0.0, 1.0, 1.0])
N = 4


def _grad_p():
    return tb.pass_at_k_grad(LOGITS, REWARDS, 1)


def _p():
    return float(tb.success_probability(LOGITS, REWARDS))


@pytest.mark.parametrize(
    ("name", "kwargs", "value_baseline"),
    [
        ("reinforce", {"baseline": "value"}, 0.4),
        ("reinforce", {"baseline": "none"}, None),
        ("rloo", {}, None),
        ("star", {}, None),
        ("pass_at_k", {"k": 1, "baseline": "loo"}, None),
    ],
)
def test_unbiased_pass_at_1_estimators(name, kwargs, value_baseline):
    g = tb.expected_weighted_score(name, LOGITS, REWARDS, None, N, value_baseline=value_baseline, **kwargs)
    np.testing.assert_allclose(g, _grad_p(), atol=1e-14)


def test_dr_grpo_expectation_is_n_minus_one_over_n_times_grad_pass_at_1():
    g = tb.expected_weighted_score("dr_grpo", LOGITS, REWARDS, None, N)
    np.testing.assert_allclose(g, (N - 1) / N * _grad_p(), atol=1e-14)


def test_star_normalised_by_correct_count_is_pass_at_n_times_grad_log_p():
    p = _p()
    g = tb.expected_weighted_score("star", LOGITS, REWARDS, None, N, normalize="correct")
    np.testing.assert_allclose(g, (1 - (1 - p) ** N) / p * _grad_p(), atol=1e-14)


def _multiplier(name, n, p, **kw):
    """n·E_{c′∼Bin(n−1,p)}[w⁺(c′+1) − w⁻(c′)] from the objective's own weights on canonical groups."""
    c = np.arange(n + 1)
    R = (np.arange(n)[None, :] < c[:, None]).astype(float)  # row c: c correct samples first
    w = get_objective(name)(GroupBatch(rewards=R), **kw).sample
    w_plus = w[1:, 0]  # groups with c′ + 1 correct, weight of a correct sample
    w_minus = w[:-1, -1]  # groups with c′ correct, weight of an incorrect sample
    return n * float(binom.pmf(np.arange(n), n - 1, p) @ (w_plus - w_minus))


def test_grpo_expectation_is_binomial_multiplier_times_grad_pass_at_1():
    g = tb.expected_weighted_score("grpo", LOGITS, REWARDS, None, N)
    np.testing.assert_allclose(g, _multiplier("grpo", N, _p()) * _grad_p(), atol=1e-14)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.7])
def test_grpo_multiplier_tends_to_inverse_bernoulli_std(p):
    assert _multiplier("grpo", 2000, p) == pytest.approx(1 / np.sqrt(p * (1 - p)), rel=0.01)


def test_reinforce_leave_one_out_batch_mean_is_unbiased_across_prompts():
    logits = [LOGITS, np.array([0.5, 0.0, -0.5])]
    pis = [softmax(x) for x in logits]
    n = 2
    g = np.zeros((2, 3))
    fn = get_objective("reinforce")
    for t in itertools.product(range(3), repeat=2 * n):
        Y = np.array(t).reshape(2, n)
        w = fn(GroupBatch(rewards=REWARDS[Y]), baseline="batch_mean").sample
        prob = np.prod(pis[0][Y[0]]) * np.prod(pis[1][Y[1]])
        for i in range(2):
            g[i] += prob * sum(w[i, j] * (np.eye(3)[Y[i, j]] - pis[i]) for j in range(n))
    for i in range(2):
        np.testing.assert_allclose(g[i], tb.pass_at_k_grad(logits[i], REWARDS, 1), atol=1e-14)


def test_grpo_weights_are_centred_rewards_over_std_plus_eps():
    R = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]])
    w = get_objective("grpo")(GroupBatch(rewards=R), eps=0.1, ddof=0).sample
    np.testing.assert_allclose(w, (R - 0.6) / (np.sqrt(0.24) + 0.1) / 5)


@pytest.mark.parametrize("name", ["rloo", "grpo"])
def test_group_methods_need_two_samples(name):
    with pytest.raises(BonawareError, match="n = 2"):
        get_objective(name)(GroupBatch(rewards=np.array([[1.0]])))


def test_reinforce_on_verifier_scores_is_unbiased_for_grad_expected_score():
    """RL-V: with reward='scores' the expectation is ∇E_π[r] (here with a fixed value baseline)."""
    scores = np.array([0.3, -1.2, 2.0, 0.7])[: len(REWARDS)]
    g = tb.expected_weighted_score("reinforce", LOGITS, REWARDS, scores, N, value_baseline=0.25,
                                   baseline="value", reward="scores")
    pi = softmax(LOGITS)
    expected = pi * (scores - pi @ scores)  # ∇_θ Σ_y π(y) r(y) for softmax logits θ
    np.testing.assert_allclose(g, expected, atol=1e-14)
