"""bonaware.tabular's BoN helpers delegate to bonaware.bon, and its sample table is exact for any π."""

import numpy as np
import pytest
from scipy.special import softmax

from bonaware import bon
from bonaware import tabular as tb
from bonaware.errors import BonawareError


def test_bon_distribution_stays_finite_when_softmax_underflows_to_zero():
    logits = np.array([0.0, -800.0, 1.0, -800.0])  # two outcomes with probability exactly 0
    scores = np.array([0.3, 0.9, 0.1, 0.9])
    dist = tb.bon_distribution(logits, scores, 4)
    assert np.all(np.isfinite(dist)) and dist.sum() == pytest.approx(1.0, abs=1e-15)
    assert dist[1] == 0.0 and dist[3] == 0.0


@pytest.mark.parametrize("kind", ["sigmoid", "hard"])
def test_win_rates_scale_is_the_inverse_temperature_of_bon_win_rate(kind):
    logits, scores = np.array([0.2, -0.3, 0.5]), np.array([1.0, -0.5, 1.0])
    want = bon.win_rate(softmax(logits), scores, kind, temperature=0.5)
    np.testing.assert_allclose(tb.win_rates(logits, scores, win_rate=kind, scale=2.0), want, atol=1e-15)
    with pytest.raises(BonawareError, match="scale must be > 0"):
        tb.win_rates(logits, scores, scale=0.0)


def test_sample_table_probabilities_sum_to_one_with_and_without_zero_probability_outcomes():
    table = tb.enumerate_samples(4, 3, "multisets")
    pi = softmax(np.random.default_rng(0).normal(size=(2, 4)), axis=1)
    pi[1] = [0.5, 0.0, 0.25, 0.25]
    prob = table.probabilities(pi)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, atol=1e-14)
    assert np.all(prob[1][table.counts[:, 1] > 0] == 0.0)
    np.testing.assert_allclose(table.probabilities(pi[0]), prob[0], atol=1e-16)
