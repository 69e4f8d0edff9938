"""Hypothesis properties of the estimators (invariances, limits, ranges)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bonaware.estimators import bon_at_k_curve, maj_at_k_curve, pass_at_k, pass_at_k_curve

FAST = settings(max_examples=60, deadline=None)


@st.composite
def scored_prompt(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    scores = draw(arrays(np.float64, n, elements=st.sampled_from([-1.0, 0.0, 0.25, 2.0, 7.5])))
    correct = draw(arrays(np.int64, n, elements=st.integers(0, 1)))
    perm = draw(st.permutations(range(n)))
    return scores, correct, np.array(perm)


@FAST
@given(scored_prompt())
def test_bon_at_k_is_invariant_to_jointly_permuting_samples(case):
    scores, correct, perm = case
    np.testing.assert_allclose(bon_at_k_curve(scores[perm], correct[perm]),
                               bon_at_k_curve(scores, correct), atol=1e-13)


@FAST
@given(scored_prompt())
def test_bon_at_k_is_invariant_to_monotone_score_transforms(case):
    scores, correct, _ = case
    np.testing.assert_allclose(bon_at_k_curve(np.exp(3 * scores) - 5, correct),
                               bon_at_k_curve(scores, correct), atol=1e-13)


@FAST
@given(scored_prompt())
def test_k1_gives_mean_correctness_and_values_lie_in_unit_interval(case):
    scores, correct, _ = case
    curve = bon_at_k_curve(scores, correct)
    assert abs(curve[0] - correct.mean()) < 1e-13
    assert np.all((curve >= 0) & (curve <= 1))
    assert abs(pass_at_k(len(correct), int(correct.sum()), 1) - correct.mean()) < 1e-13


@FAST
@given(scored_prompt())
def test_bon_at_k_with_perfect_verifier_is_pass_at_k(case):
    _, correct, _ = case
    np.testing.assert_allclose(bon_at_k_curve(correct, correct),
                               pass_at_k_curve(len(correct), int(correct.sum())), atol=1e-13)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_pass_at_k_is_monotone_non_decreasing_in_k_and_in_unit_interval(nc):
    n, c = nc
    curve = pass_at_k_curve(n, c)
    assert np.all(np.diff(curve) >= -1e-15)
    assert np.all((curve >= 0) & (curve <= 1))
    assert curve[-1] == (1.0 if c > 0 else 0.0)


@FAST
@given(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=10), st.data())
def test_maj_at_k_is_permutation_invariant_in_range_and_k1_is_mean(answers, data):
    truth = data.draw(st.sampled_from(["a", "b", "c"]))
    correct = np.array([int(a == truth) for a in answers])
    perm = data.draw(st.permutations(range(len(answers))))
    res = maj_at_k_curve(answers, correct)
    permuted = maj_at_k_curve([answers[i] for i in perm], correct[list(perm)])
    np.testing.assert_allclose(res.value, permuted.value, atol=1e-12)
    assert np.all((res.value >= 0) & (res.value <= 1))
    assert abs(res.value[0] - correct.mean()) < 1e-12
