"""Percentile bootstrap over prompts and paired differences."""

import numpy as np
import pytest

from bonaware.estimators import ConfidenceInterval, bootstrap_ci, paired_difference


def test_ci_contains_the_mean_and_has_the_normal_width():
    rng = np.random.default_rng(0)
    values = rng.normal(0.4, 0.2, size=2000)
    ci = bootstrap_ci(values, level=0.95, n_boot=4000)
    assert isinstance(ci, ConfidenceInterval)
    assert ci.lo < ci.mean < ci.hi
    assert ci.mean == pytest.approx(values.mean())
    normal_width = 2 * 1.959964 * values.std(ddof=1) / np.sqrt(values.size)
    assert ci.hi - ci.lo == pytest.approx(normal_width, rel=0.1)


def test_ci_is_seeded():
    values = np.random.default_rng(1).random(300)
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)


def test_curve_columns_share_the_bootstrap_draws_of_single_columns():
    values = np.random.default_rng(2).random((200, 3))
    ci = bootstrap_ci(values, n_boot=500)
    for j in range(3):
        single = bootstrap_ci(values[:, j], n_boot=500)
        np.testing.assert_allclose([ci.mean[j], ci.lo[j], ci.hi[j]], single, rtol=1e-12)


def test_higher_level_gives_wider_interval_and_one_prompt_is_degenerate():
    values = np.random.default_rng(3).random(100)
    narrow, wide = bootstrap_ci(values, level=0.5), bootstrap_ci(values, level=0.99)
    assert wide.lo < narrow.lo < narrow.hi < wide.hi
    assert bootstrap_ci([0.7]) == (0.7, 0.7, 0.7)


def test_paired_difference_detects_a_small_shift_that_unpaired_cis_miss():
    rng = np.random.default_rng(4)
    difficulty = rng.random(300)  # shared per-prompt difficulty dominates the variance
    a = np.clip(difficulty + 0.02 + rng.normal(0, 0.01, 300), 0, 1)
    b = np.clip(difficulty + rng.normal(0, 0.01, 300), 0, 1)
    diff = paired_difference(a, b)
    assert diff.lo > 0  # significant when paired
    ca, cb = bootstrap_ci(a), bootstrap_ci(b)
    assert ca.lo < cb.hi  # the separate intervals overlap
    assert diff == bootstrap_ci(a - b)
