"""Exact BoN distribution, Eq. 8, tilting (Eq. 3) and win rate Q (paper.md §2.1–2.2)."""

import numpy as np
import pytest
from core_bruteforce import bon_by_enumeration

from bonaware.bon import bon_binary, bon_distribution, tilted_policy, win_rate
from bonaware.errors import BonawareError


def _random_case(rng, K, n_levels):
    probs = rng.dirichlet(np.ones(K))
    scores = rng.integers(0, n_levels, size=K).astype(float)  # few levels → many ties
    return probs, scores


@pytest.mark.parametrize("seed", range(12))
def test_bon_distribution_equals_enumeration_of_all_n_tuples(seed):
    rng = np.random.default_rng(seed)
    K, N = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    probs, scores = _random_case(rng, K, n_levels=int(rng.integers(1, 4)))
    np.testing.assert_allclose(bon_distribution(probs, scores, N),
                               bon_by_enumeration(probs, scores, N), rtol=1e-12, atol=1e-15)


def test_bon_distribution_with_zero_probability_outcomes_and_all_tied():
    probs = np.array([0.0, 0.5, 0.0, 0.5])
    for scores in ([3.0, 1.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0]):
        np.testing.assert_allclose(bon_distribution(probs, scores, 3),
                                   bon_by_enumeration(probs, scores, 3), atol=1e-15)
    # all outcomes tied: BoN is the base policy
    np.testing.assert_allclose(bon_distribution(probs, np.zeros(4), 7), probs)


def test_bon_distribution_n1_is_base_policy_and_sums_to_one():
    rng = np.random.default_rng(0)
    probs, scores = _random_case(rng, 50, 10)
    np.testing.assert_allclose(bon_distribution(probs, scores, 1), probs, rtol=1e-12)
    for N in (2, 64, 10_000):
        assert bon_distribution(probs, scores, N).sum() == pytest.approx(1.0, abs=1e-12)


def test_bon_distribution_keeps_relative_precision_for_tiny_top_mass():
    # top outcome has mass ε; P(it wins) = 1 − (1 − ε)^N ≈ Nε must not cancel to 0
    eps = 1e-12
    probs = np.array([1 - eps, eps])
    out = bon_distribution(probs, [0.0, 1.0], 4)
    assert out[1] == pytest.approx(-np.expm1(4 * np.log1p(-eps)), rel=1e-9)


def test_bon_distribution_batched_rows_match_single_rows():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(4), size=(2, 3))
    scores = rng.integers(0, 3, size=(2, 3, 4)).astype(float)
    out = bon_distribution(probs, scores, 3)
    for i, j in np.ndindex(2, 3):
        np.testing.assert_allclose(out[i, j], bon_distribution(probs[i, j], scores[i, j], 3))


@pytest.mark.parametrize("seed", range(8))
def test_bon_binary_eq8_equals_exact_distribution(seed):
    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 8))
    probs = rng.dirichlet(np.ones(K))
    correct = rng.integers(0, 2, size=K)
    for N in (1, 2, 5, 33):
        np.testing.assert_allclose(bon_binary(probs, correct, N),
                                   bon_distribution(probs, correct, N), rtol=1e-12, atol=1e-15)


def test_bon_binary_success_mass_is_pass_at_n():
    probs = np.array([0.5, 0.3, 0.2])
    correct = np.array([0, 1, 0])
    p_fail = 0.7
    out = bon_binary(probs, correct, 6)
    assert out[correct == 1].sum() == pytest.approx(1 - p_fail**6)
    assert out[correct == 0].sum() == pytest.approx(p_fail**6)


def test_bon_binary_with_no_or_only_correct_outcomes():
    probs = np.array([0.4, 0.6])
    np.testing.assert_allclose(bon_binary(probs, [0, 0], 5), probs)
    np.testing.assert_allclose(bon_binary(probs, [1, 1], 5), probs)
    np.testing.assert_allclose(bon_binary([1.0, 0.0], [0, 1], 5), [1.0, 0.0])


def test_tilted_policy_is_normalised_exponential_tilt_and_stable():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    q = np.array([0.1, 0.5, 0.7, 1.0])
    expected = probs * np.exp(2.0 * q) / np.sum(probs * np.exp(2.0 * q))
    np.testing.assert_allclose(tilted_policy(probs, q, 2.0), expected, rtol=1e-12)
    huge = tilted_policy(probs, q, 1e6)  # would overflow without subtracting the max
    np.testing.assert_allclose(huge, [0, 0, 0, 1], atol=1e-300)
    np.testing.assert_allclose(tilted_policy(probs, q, 0.0), probs)
    assert tilted_policy([0.0, 1.0], [1.0, 0.0], 50.0)[0] == 0.0  # zero-mass outcomes stay zero


def test_hard_win_rate_is_cdf_with_ties_counted_as_wins():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    scores = np.array([2.0, 0.0, 2.0, 1.0])
    expected = [sum(p for p, t in zip(probs, scores) if s >= t) for s in scores]
    np.testing.assert_allclose(win_rate(probs, scores), expected)
    np.testing.assert_allclose(win_rate(probs, scores, "hard"), [1.0, 0.2, 1.0, 0.6])


def test_sigmoid_win_rate_matches_definition_and_temperature():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(5))
    scores = rng.normal(size=5)
    for tau in (1.0, 0.1):
        expected = [sum(p / (1 + np.exp(-(s - t) / tau)) for p, t in zip(probs, scores)) for s in scores]
        np.testing.assert_allclose(win_rate(probs, scores, "sigmoid", temperature=tau), expected)
    # small temperature → hard win rate with ties counted half
    soft = win_rate(probs, scores, "sigmoid", temperature=1e-6)
    np.testing.assert_allclose(soft, win_rate(probs, scores) - probs / 2, atol=1e-9)


def test_win_rate_batched_over_leading_axes():
    rng = np.random.default_rng(4)
    probs = rng.dirichlet(np.ones(6), size=3)
    scores = rng.integers(0, 3, size=(3, 6)).astype(float)
    for kind in ("hard", "sigmoid"):
        out = win_rate(probs, scores, kind)
        for i in range(3):
            np.testing.assert_allclose(out[i], win_rate(probs[i], scores[i], kind))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bon_distribution([0.5, 0.6], [0, 1], 2), "probs must sum to 1"),
        (lambda: bon_distribution([-0.5, 1.5], [0, 1], 2), "negative"),
        (lambda: bon_distribution([0.5, 0.5], [0, np.nan], 2), "scores contains NaN"),
        (lambda: bon_distribution([0.5, 0.5], [0, 1, 2], 2), "scores has shape"),
        (lambda: bon_distribution([0.5, 0.5], [0, 1], 0), "N must be a positive integer"),
        (lambda: bon_binary([0.5, 0.5], [0, 0.5], 2), "correct must be binary"),
        (lambda: tilted_policy([0.5, 0.5], [0, 1], np.inf), "lam must be finite"),
        (lambda: win_rate([0.5, 0.5], [0, 1], "soft"), "kind must be"),
        (lambda: win_rate([0.5, 0.5], [0, 1], "sigmoid", temperature=0), "temperature"),
        (lambda: win_rate([], [], "hard"), "at least one outcome"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, message):
    with pytest.raises(BonawareError, match=message):
        call()
