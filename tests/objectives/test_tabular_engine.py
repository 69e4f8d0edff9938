"""The exact enumeration engine itself: enumeration modes, BoN distribution, analytic vs FD gradients."""

import itertools

import numpy as np
import pytest

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, Weights, get_objective


def test_tuples_and_multisets_agree_for_equivariant_objective(policy):
    logits, rewards, scores = policy
    a = tb.expected_weighted_score("bon_at_k", logits, rewards, scores, 4, k=2, method="tuples")
    b = tb.expected_weighted_score("bon_at_k", logits, rewards, scores, 4, k=2, method="multisets")
    np.testing.assert_allclose(a, b, atol=1e-14)


def test_multiset_mode_rejects_index_tie_breaking(policy):
    logits, rewards, scores = policy
    with pytest.raises(BonawareError, match="permutation-equivariant"):
        tb.expected_weighted_score(
            "base_bon_sft", logits, rewards, scores, 3, method="multisets", tie_break="first"
        )


def test_expectation_matches_direct_sum_over_tuples(policy):
    """Independent check: loop over every ordered tuple and sum prob · Σ_j w_j (e_y − π)."""
    logits, rewards, scores = policy
    pi = np.exp(logits) / np.exp(logits).sum()
    fn = get_objective("bon_at_k")
    total = np.zeros(4)
    for t in itertools.product(range(4), repeat=3):
        t = list(t)
        w = fn(GroupBatch(rewards=rewards[t][None], scores=scores[t][None]), k=2).sample[0]
        total += np.prod(pi[t]) * sum(w[j] * (np.eye(4)[t[j]] - pi) for j in range(3))
    np.testing.assert_allclose(
        tb.expected_weighted_score("bon_at_k", logits, rewards, scores, 3, k=2), total, atol=1e-15
    )


def test_bon_distribution_matches_enumerated_selection(policy):
    logits, rewards, scores = policy
    pi = np.exp(logits) / np.exp(logits).sum()
    k = 3
    dist = np.zeros(4)
    for t in itertools.product(range(4), repeat=k):
        top = [y for y in t if scores[y] == max(scores[list(t)])]
        for y in top:  # uniform tie-break among the tied samples
            dist[y] += np.prod(pi[list(t)]) / len(top)
    np.testing.assert_allclose(tb.bon_distribution(logits, scores, k), dist, atol=1e-15)
    assert tb.bon_distribution(logits, scores, k).sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_bon_at_k_analytic_gradient_matches_finite_differences(policy, k):
    logits, rewards, scores = policy
    fd = tb.finite_difference_grad(lambda th: tb.bon_at_k_value(th, rewards, scores, k), logits)
    np.testing.assert_allclose(tb.bon_at_k_grad(logits, rewards, scores, k), fd, atol=1e-9)


@pytest.mark.parametrize("k", [1, 3])
def test_pass_at_k_is_bon_at_k_with_reward_as_selector(policy, k):
    logits, rewards, _ = policy
    assert tb.pass_at_k_value(logits, rewards, k) == pytest.approx(
        tb.bon_at_k_value(logits, rewards, rewards, k)
    )
    np.testing.assert_allclose(
        tb.pass_at_k_grad(logits, rewards, k), tb.bon_at_k_grad(logits, rewards, rewards, k), atol=1e-15
    )


def test_several_prompts_each_with_its_own_policy(policy):
    logits, rewards, scores = policy
    L = np.stack([logits, -logits])
    out = tb.expected_weighted_score("pass_at_k", L, rewards, scores, 3, k=2)
    assert out.shape == (2, 4)
    np.testing.assert_allclose(
        out[1], tb.expected_weighted_score("pass_at_k", -logits, rewards, scores, 3, k=2)
    )
    np.testing.assert_allclose(tb.pass_at_k_grad(L, rewards, 2)[1], tb.pass_at_k_grad(-logits, rewards, 2))


def test_expert_term_is_added_for_expert_weights(policy):
    logits, rewards, scores = policy
    pi = np.exp(logits) / np.exp(logits).sum()
    g = tb.expected_weighted_score("sft", logits, rewards, scores, 2, expert_outcome=3)
    np.testing.assert_allclose(g, np.eye(4)[3] - pi, atol=1e-15)


def test_engine_rejects_expert_weights_without_expert_outcome(policy):
    logits, rewards, scores = policy
    with pytest.raises(BonawareError, match="expert_outcome"):
        tb.expected_weighted_score(
            lambda b: Weights(b.rewards * 0, np.ones(b.num_prompts)), logits, rewards, scores, 2
        )


def test_engine_rejects_oversized_enumeration(policy):
    logits, rewards, scores = policy
    with pytest.raises(BonawareError, match="max_tuples"):
        tb.expected_weighted_score("pass_at_k", logits, rewards, scores, 8, method="tuples", max_tuples=1000)


def test_answers_are_passed_per_outcome_for_majority_voting(policy):
    logits, rewards, scores = policy
    answers = np.array(["a", "a", "b", None], dtype=object)
    pi = np.exp(logits) / np.exp(logits).sum()
    fn = get_objective("base_maj_sft")
    total = np.zeros(4)
    for t in itertools.product(range(4), repeat=3):
        t = list(t)
        w = fn(GroupBatch(rewards=rewards[t][None], answers=answers[t][None])).sample[0]
        total += np.prod(pi[t]) * sum(w[j] * (np.eye(4)[t[j]] - pi) for j in range(3))
    g = tb.expected_weighted_score("base_maj_sft", logits, rewards, scores, 3, answers=answers)
    np.testing.assert_allclose(g, total, atol=1e-15)
    assert np.abs(g).max() > 1e-3  # majority voting moves mass toward the shared answer "a"
