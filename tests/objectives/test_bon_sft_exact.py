"""BoN-SFT (Lemma 1 / Eq. 5, Algorithm 1): exact parts of the estimator on a tabular policy."""

import numpy as np
import pytest
from scipy.special import expit, softmax

from bonaware import tabular as tb
from bonaware.bon import lambda_n
from bonaware.objectives import (
    GroupBatch,
    Weights,
    bon_sft_negative_weights,
    bon_sft_positive_weights,
    get_objective,
)

LOGITS = np.array([0.3, -0.5, 0.1, 0.4])
REWARDS = np.array([0.0, 1.0, 1.0, 0.0])
SCORES = np.array([0.1, 2.0, 1.2, -0.7])  # a logit-scale verifier, so σ(Δr) spans a wide range
LAM = 2.7


def _positive(win_rate):
    def fn(batch, **_):
        return Weights(*bon_sft_positive_weights(batch.scores, batch.expert_scores, LAM, win_rate=win_rate))

    return fn


def _grad_f(y, win_rate):
    """Analytic ∇f(y) = ∇log π(y) + λ E_{y′∼π}[w(r(y) − r(y′)) ∇log π(y′)] (Eq. 5)."""
    pi = softmax(LOGITS)
    D = np.eye(4) - pi  # rows: ∇log π(y′)
    kern = expit(SCORES[y] - SCORES) if win_rate == "sigmoid" else (SCORES[y] >= SCORES).astype(float)
    return D[y] + LAM * (pi * kern) @ D


@pytest.mark.parametrize("win_rate", ["sigmoid", "hard"])
@pytest.mark.parametrize("n", [1, 3])
def test_monte_carlo_q_term_makes_positive_phase_unbiased_for_grad_f(n, win_rate):
    for y in range(4):
        g = tb.expected_weighted_score(_positive(win_rate), LOGITS, REWARDS, SCORES, n, expert_outcome=y)
        np.testing.assert_allclose(g, _grad_f(y, win_rate), atol=1e-13)


@pytest.mark.parametrize("win_rate", ["sigmoid", "hard"])
def test_expected_weights_with_tilted_negative_phase_equal_gradient_of_eq4(win_rate):
    """∇Eq.4 = E[pos | y_e] − Σ_y π_λ(y) E[pos | y_e = y], each term from the estimator's expectation."""
    n, e = 3, 1
    pos = [
        tb.expected_weighted_score(_positive(win_rate), LOGITS, REWARDS, SCORES, n, expert_outcome=y)
        for y in range(4)
    ]
    tilted = tb.tilted_distribution(LOGITS, SCORES, LAM, win_rate=win_rate)
    g = pos[e] - sum(tilted[y] * pos[y] for y in range(4))
    fd = tb.finite_difference_grad(lambda th: tb.bon_sft_value(th, SCORES, e, LAM, win_rate=win_rate), LOGITS)
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_negative_phase_likelihood_term_is_expected_score_under_true_bon():
    """With λ = 0 only −1{j = *} is left: its expectation is E_π_bon[∇log π] (uniform ties)."""
    scores = np.array([0.1, 2.0, 2.0, -0.7])

    def neg(batch, **_):
        return Weights(bon_sft_negative_weights(batch.scores, 0.0))

    n = 3
    g = tb.expected_weighted_score(neg, LOGITS, REWARDS, scores, n)
    target = tb.bon_distribution(LOGITS, scores, n) @ (np.eye(4) - softmax(LOGITS))
    np.testing.assert_allclose(g, target, atol=1e-13)


def test_weights_are_positive_minus_negative_phase_with_expert_weight_one():
    rng = np.random.default_rng(0)
    S = rng.normal(size=(5, 4))
    S[0, 1] = S[0, 3] = S[0].max() + 1  # a tie at the top
    e = rng.normal(size=5)
    w = get_objective("bon_sft")(GroupBatch(rewards=np.zeros((5, 4)), scores=S, expert_scores=e))
    lam = lambda_n(4)
    star = S.max(axis=1, keepdims=True)
    is_top = np.isclose(S, star)
    top = is_top / is_top.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        w.sample, lam / 4 * (expit(e[:, None] - S) - expit(star - S)) - top, atol=1e-14
    )
    np.testing.assert_allclose(w.expert, 1.0)
    assert w.stats["lam"] == pytest.approx(lam)


def test_explicit_lambda_and_target_n_override_the_group_size():
    batch = GroupBatch(
        rewards=np.zeros((1, 3)), scores=np.array([[0.0, 1.0, 2.0]]), expert_scores=np.array([1.5])
    )
    fn = get_objective("bon_sft")
    assert fn(batch, N=16).stats["lam"] == pytest.approx(lambda_n(16))
    assert fn(batch, lam=0.0).sample[0].tolist() == [0.0, 0.0, -1.0]
