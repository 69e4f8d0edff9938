"""SFT and the distillation baselines: selection rules and their expected gradients."""

import numpy as np
import pytest
from scipy.special import softmax

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective


@pytest.mark.parametrize("tie_break", ["split", "first"])
def test_base_bon_sft_expectation_is_expected_score_under_bon_policy(policy, tie_break):
    logits, rewards, scores = policy
    n = 3
    g = tb.expected_weighted_score(
        "base_bon_sft", logits, rewards, scores, n, method="tuples", tie_break=tie_break
    )
    target = tb.bon_distribution(logits, scores, n) @ (np.eye(4) - softmax(logits))
    np.testing.assert_allclose(g, target, atol=1e-14)


def test_base_all_sft_on_policy_expectation_is_zero(policy):
    logits, rewards, scores = policy
    np.testing.assert_allclose(
        tb.expected_weighted_score("base_all_sft", logits, rewards, scores, 3), 0, atol=1e-15
    )


def test_sft_puts_unit_weight_on_the_expert_only():
    w = get_objective("sft")(GroupBatch(rewards=np.ones((2, 3))))
    assert np.all(w.sample == 0) and np.all(w.expert == 1)


def test_base_weighted_sft_is_expected_resampling_by_score():
    S = np.array([[0.2, 0.6, 0.2], [0.0, 0.0, 0.0]])
    w = get_objective("base_weighted_sft")(GroupBatch(rewards=np.zeros((2, 3)), scores=S))
    np.testing.assert_allclose(w.sample, [[0.2, 0.6, 0.2], [0, 0, 0]])
    assert w.stats["frac_zero_score_groups"] == 0.5
    # Monte-Carlo check of "expected count when resampling one sample ∝ score"
    picks = np.random.default_rng(0).choice(3, size=200_000, p=S[0] / S[0].sum())
    np.testing.assert_allclose(np.bincount(picks) / picks.size, w.sample[0], atol=5e-3)


def test_base_weighted_sft_rejects_negative_scores():
    with pytest.raises(BonawareError, match="non-negative"):
        get_objective("base_weighted_sft")(
            GroupBatch(rewards=np.zeros((1, 2)), scores=np.array([[-1.0, 1.0]]))
        )


def test_base_maj_sft_weights_majority_answer_and_splits_ties():
    answers = np.array([["7", "7", "3", None], ["1", "2", "2", "1"], [None, None, None, None]], dtype=object)
    w = get_objective("base_maj_sft")(GroupBatch(rewards=np.zeros((3, 4)), answers=answers))
    np.testing.assert_allclose(w.sample, [[0.5, 0.5, 0, 0], [0.25] * 4, [0] * 4])
    assert w.stats["frac_no_answer_groups"] == pytest.approx(1 / 3)
