"""Hypothesis properties of every registered objective: permutation equivariance, zero-information
groups, and weight bounds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonaware.objectives import GroupBatch, get_objective, list_objectives

# parameters that make each objective well defined for any n >= 2 (k = 2 ≤ n)
PARAMS = {
    "pass_at_k": [{"k": 2}, {"k": 2, "baseline": "loo-1"}, {"k": 1, "baseline": "loo"}],
    "bon_at_k": [{"k": 2}, {"k": 2, "baseline": "loo-1"}, {"k": 1, "baseline": "loo"}],
    "bon_rlb": [{}, {"apply_to": "all", "N": 8, "max_weight": 3.0}],
    "bon_rlb_p": [{}, {"apply_to": "all", "N": 8}],
    "bon_rl": [{"grad_form": "f"}],
    "bon_rl_v": [{}],
    "bon_rl_s": [{}],
    "bon_sft": [{}, {"win_rate": "hard"}],
    "grpo": [{}, {"ddof": 0}],
    "star": [{}, {"normalize": "correct"}],
    "reinforce": [{}, {"baseline": "none"}],
}
CASES = [(name, kw) for name in list_objectives() for kw in PARAMS.get(name, [{}])]


@st.composite
def batches(draw, min_n=2):
    P = draw(st.integers(1, 3))
    n = draw(st.integers(min_n, 6))
    rewards = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=P * n, max_size=P * n))).reshape(
        P, n
    )
    scores = np.array(draw(st.lists(st.integers(0, 3), min_size=P * n, max_size=P * n)), float).reshape(P, n)
    answers = np.array(
        draw(st.lists(st.sampled_from(["1", "2", "3", None]), min_size=P * n, max_size=P * n)), dtype=object
    ).reshape(P, n)
    expert = np.array(draw(st.lists(st.integers(0, 4), min_size=P, max_size=P)), float)
    baseline = np.array(draw(st.lists(st.floats(0, 1), min_size=P, max_size=P)))
    return GroupBatch(
        rewards=rewards, scores=scores / 3, expert_scores=expert / 3, answers=answers, baseline=baseline
    )


def _permuted(batch, perm):
    return GroupBatch(
        rewards=batch.rewards[:, perm],
        scores=batch.scores[:, perm],
        answers=batch.answers[:, perm],
        expert_scores=batch.expert_scores,
        baseline=batch.baseline,
    )


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@settings(max_examples=25, deadline=None)
@given(batch=batches(), data=st.data())
def test_weights_are_permutation_equivariant(name, kwargs, batch, data):
    perm = np.array(data.draw(st.permutations(range(batch.group_size))))
    fn = get_objective(name)
    w, w_perm = fn(batch, **kwargs), fn(_permuted(batch, perm), **kwargs)
    np.testing.assert_allclose(w_perm.sample, w.sample[:, perm], atol=1e-12)
    if w.expert is not None:
        np.testing.assert_allclose(w_perm.expert, w.expert, atol=1e-12)


ZERO_ON_ALL_WRONG = [
    ("pass_at_k", {"k": 2}),
    ("pass_at_k", {"k": 2, "baseline": "loo-1"}),
    ("bon_at_k", {"k": 2}),
    ("rloo", {}),
    ("grpo", {}),
    ("dr_grpo", {}),
    ("star", {}),
    ("bon_rlb_p", {}),
    ("bon_rlb_p", {"apply_to": "all"}),
    ("bon_rl_s", {"baseline": "none"}),
]
ZERO_ON_ALL_CORRECT = [
    ("pass_at_k", {"k": 2, "baseline": "loo-1"}),
    ("pass_at_k", {"k": 1, "baseline": "loo"}),
    ("bon_at_k", {"k": 2, "baseline": "loo-1"}),
    ("rloo", {}),
    ("grpo", {}),
    ("dr_grpo", {}),
    ("bon_rlb_p", {"clip": None}),
]


@pytest.mark.parametrize(("name", "kwargs"), ZERO_ON_ALL_WRONG + ZERO_ON_ALL_CORRECT)
@settings(max_examples=20, deadline=None)
@given(batch=batches())
def test_zero_information_groups_get_zero_weight_where_documented(name, kwargs, batch):
    value = 0.0 if (name, kwargs) in ZERO_ON_ALL_WRONG else 1.0
    flat = np.full_like(batch.rewards, value)
    w = get_objective(name)(GroupBatch(rewards=flat, scores=batch.scores), **kwargs)
    assert np.all(w.sample == 0.0)  # exactly: the trainer skips these samples (needs_logprob_mask)
    assert w.stats["frac_zero_info_groups"] == 1.0


@settings(max_examples=60, deadline=None)
@given(batch=batches(min_n=1), data=st.data())
def test_exact_credit_lies_in_zero_to_k_over_n(batch, data):
    n = batch.group_size
    k = data.draw(st.integers(1, n))
    for name in ("pass_at_k", "bon_at_k"):
        w = get_objective(name)(batch, k=k).sample
        assert np.all(w >= -1e-15) and np.all(w <= k / n + 1e-12)


@settings(max_examples=60, deadline=None)
@given(batch=batches())
def test_loo_baselined_credit_is_centred(batch):
    w = get_objective("bon_at_k")(batch, k=1, baseline="loo").sample
    np.testing.assert_allclose(w.sum(axis=1), 0.0, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(batch=batches())
def test_distillation_weights_are_a_sub_probability_per_prompt(batch):
    for name in ("base_bon_sft", "base_all_sft", "base_weighted_sft", "base_maj_sft"):
        w = get_objective(name)(batch).sample
        assert np.all(w >= 0)
        total = w.sum(axis=1)
        assert np.all(np.isclose(total, 1.0) | np.isclose(total, 0.0))


@settings(max_examples=60, deadline=None)
@given(batch=batches())
def test_bon_rlb_p_weights_lie_in_unit_interval_and_bon_sft_terms_are_bounded(batch):
    w = get_objective("bon_rlb_p")(batch).sample
    assert np.all((w >= 0) & (w <= 1))
    sft = get_objective("bon_sft")(batch)
    lam = sft.stats["lam"]
    assert np.all(sft.expert == 1.0)
    # Σ_j (λ/n)(σ(r_e − r_j) − σ(r* − r_j)) ∈ (−λ, λ), and the BoN sample contributes −1 in total
    assert np.all(np.abs(sft.sample.sum(axis=1) + 1.0) < lam)
