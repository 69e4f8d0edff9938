"""Seed-aware bootstrap: exact small cases, seeding, reduction to the prompt-only bootstrap, coverage.

The coverage tests simulate datasets values[s, p] = μ + a_s + b_p + e_sp with known variances and
count how often a nominal 95% interval contains μ (or μ_A − μ_B). With D = 200 datasets a coverage
estimate near 0.95 has binomial s.e. √(0.95·0.05/200) = 0.0154; the tests allow 3 s.e. below 0.95.
The measured values are printed (pytest -s) and quoted in docs/statistics.md.
"""

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.estimators import (
    ConfidenceInterval,
    bootstrap_ci,
    paired_difference,
    paired_seed_difference,
    probability_of_improvement,
    seed_bootstrap_ci,
)

D, N_BOOT, P = 200, 500, 100
TOL = 3 * np.sqrt(0.95 * 0.05 / D)  # 0.046


def test_one_seed_is_exactly_the_prompt_only_bootstrap():
    v = np.random.default_rng(0).random((1, 80, 4))
    for got, want in [(seed_bootstrap_ci(v, seed=3), bootstrap_ci(v[0], seed=3)),
                      (seed_bootstrap_ci(v[:, :, 0], seed=3), bootstrap_ci(v[0, :, 0], seed=3))]:
        np.testing.assert_allclose(got, want, rtol=1e-12)
    b = np.random.default_rng(1).random((1, 80, 4))
    np.testing.assert_allclose(paired_seed_difference(v, b, seed=5), paired_difference(v[0], b[0], seed=5),
                               rtol=1e-12, atol=1e-15)


def test_identical_seeds_give_the_prompt_only_interval():
    row = np.random.default_rng(2).random(60)
    same = np.tile(row, (4, 1))  # four seeds that scored exactly alike: seed resampling changes nothing
    np.testing.assert_allclose(seed_bootstrap_ci(same, seed=1), bootstrap_ci(row, seed=1), rtol=1e-12)


def test_seed_only_variation_is_the_bootstrap_of_the_seed_means():
    # every prompt scores the same within a seed: replicates are means of 3 seed draws from {0, 0.3, 0.9};
    # the extreme replicates (all three draws the same seed) have probability 1/27 > 2.5% each
    v = np.repeat(np.array([[0.0], [0.3], [0.9]]), 20, axis=1)
    assert seed_bootstrap_ci(v, rescale=False) == pytest.approx((0.4, 0.0, 0.9))
    # the √(3/2) inflation would push the ends to 0.4 ∓ 0.49 / + 0.61: kept inside the data's range
    assert seed_bootstrap_ci(v) == pytest.approx((0.4, 0.0, 0.9))


def test_rescale_widens_by_sqrt_s_over_s_minus_1_and_keeps_the_mean():
    rng = np.random.default_rng(3)
    v = 0.5 + rng.normal(0, 0.05, (5, 1)) + rng.normal(0, 0.01, (5, 200))
    plain, scaled = seed_bootstrap_ci(v, rescale=False), seed_bootstrap_ci(v)
    assert scaled.mean == plain.mean == pytest.approx(v.mean())
    ratio = (scaled.hi - scaled.lo) / (plain.hi - plain.lo)
    assert ratio == pytest.approx(np.sqrt(5 / 4), rel=0.03)  # same draws, deviations × √(5/4)


def test_shared_prompt_draw_keeps_the_full_prompt_variance():
    # no seed effect, strong prompt difficulty: the interval must be as wide as the prompt-only one of the
    # seed means (drawing prompts independently per seed would shrink it by about √S)
    rng = np.random.default_rng(4)
    v = rng.normal(0, 0.2, (1, 300)) + rng.normal(0, 0.01, (6, 300))
    s, p = seed_bootstrap_ci(v), bootstrap_ci(v.mean(axis=0))
    assert s.hi - s.lo == pytest.approx(p.hi - p.lo, rel=0.1)


def test_paired_difference_of_shifted_single_runs_is_exact():
    b = np.random.default_rng(5).random((1, 40, 3))
    d = paired_seed_difference(b + 0.1, b)
    np.testing.assert_allclose(np.array(d), 0.1, rtol=1e-12)  # shared prompt draws: the shift every time


def test_columns_share_the_draws_of_single_columns():
    rng = np.random.default_rng(6)
    a, b = rng.random((3, 50, 3)), rng.random((4, 50, 3))
    for fn, args in [(seed_bootstrap_ci, (a,)), (paired_seed_difference, (a, b)),
                     (probability_of_improvement, (a, b))]:
        whole = fn(*args, n_boot=300)
        assert isinstance(whole, ConfidenceInterval) and np.shape(whole.mean) == (3,)
        for j in range(3):
            single = fn(*(x[:, :, j] for x in args), n_boot=300)
            assert isinstance(single.mean, float)
            np.testing.assert_allclose([whole.mean[j], whole.lo[j], whole.hi[j]], single, rtol=1e-12)


def test_probability_of_improvement_is_the_mann_whitney_statistic_over_runs():
    # run scores (constant over prompts): A = {0.1, 0.5, 0.9}, B = {0.5, 0.7}; A wins 2 pairs, ties 1, of 6
    a = np.repeat(np.array([[0.1], [0.5], [0.9]]), 10, axis=1)
    b = np.repeat(np.array([[0.5], [0.7]]), 10, axis=1)
    pi = probability_of_improvement(a, b)
    assert pi.mean == pytest.approx(2.5 / 6)
    assert 0.0 <= pi.lo <= pi.mean <= pi.hi <= 1.0
    assert probability_of_improvement(b, a).mean == pytest.approx(1 - 2.5 / 6)
    assert probability_of_improvement(a, a).mean == pytest.approx(0.5)  # 3 ties + 3 wins + 3 losses


def test_probability_of_improvement_with_one_seed_each_is_0_half_or_1():
    rng = np.random.default_rng(7)
    a, b = rng.random((1, 30)), rng.random((1, 30))
    pi = probability_of_improvement(a, b)
    assert pi.mean == (1.0 if a.mean() > b.mean() else 0.0)
    assert {pi.lo, pi.hi} <= {0.0, 0.5, 1.0}
    assert probability_of_improvement(a, a) == (0.5, 0.5, 0.5)


def test_seeded_and_reproducible():
    rng = np.random.default_rng(8)
    # 8 runs per group with overlapping scores, so that P(A>B)'s bootstrap is not stuck at [0, 1]
    a, b = rng.random((8, 40)) + 0.05 * rng.random((8, 1)), rng.random((8, 40))
    for fn, args in [(seed_bootstrap_ci, (a,)), (paired_seed_difference, (a, b)),
                     (probability_of_improvement, (a, b))]:
        assert fn(*args, seed=3) == fn(*args, seed=3)
        assert fn(*args, seed=3) != fn(*args, seed=4)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: seed_bootstrap_ci([0.1, 0.2]), r"values must be \[seeds, prompts\]"),
        (lambda: seed_bootstrap_ci(np.zeros((0, 3))), "at least one seed"),
        (lambda: seed_bootstrap_ci([[0.1, np.nan]]), "values contains NaN"),
        (lambda: seed_bootstrap_ci([[0.1, 0.2]], level=0), "level must be in"),
        (lambda: seed_bootstrap_ci([[0.1, 0.2]], n_boot=2.5), "n_boot must be a positive integer"),
        (lambda: paired_seed_difference(np.zeros((2, 3)), np.zeros((2, 4))), "a has 3 prompts but b has 4"),
        (lambda: paired_seed_difference(np.zeros((2, 3)), np.zeros((2, 3, 1))), "both must be"),
        (lambda: probability_of_improvement(np.zeros((2, 3, 2)), np.zeros((2, 3, 3))), "the same K"),
        (lambda: probability_of_improvement([["a"]], [[1.0]]), "a must be numeric"),
        (lambda: probability_of_improvement([[1.0]], [[np.inf]]), "b contains NaN or inf"),
    ],
)
def test_bad_input_raises_bonaware_error_naming_the_argument(call, message):
    with pytest.raises(BonawareError, match=message):
        call()


# -- coverage on synthetic data -------------------------------------------------------------------
def _coverage(S: int, sig: tuple[float, float, float], paired: bool, seed: int) -> tuple[float, float]:
    """(seed-aware, prompt-only) coverage of a nominal 95% interval over D simulated datasets."""
    rng = np.random.default_rng(seed)
    sa, sp, se = sig
    hits = np.zeros(2)
    for d in range(D):
        prompt = rng.normal(0, sp, (1, P))  # prompt difficulty, shared by every seed (and both methods)
        a = 0.5 + rng.normal(0, sa, (S, 1)) + prompt + rng.normal(0, se, (S, P))
        if paired:
            b = 0.45 + rng.normal(0, sa, (S, 1)) + prompt + rng.normal(0, se, (S, P))
            cis, truth = [paired_seed_difference(a, b, n_boot=N_BOOT, seed=d),
                          paired_difference(a.mean(axis=0), b.mean(axis=0), n_boot=N_BOOT, seed=d)], 0.05
        else:
            cis, truth = [seed_bootstrap_ci(a, n_boot=N_BOOT, seed=d),
                          bootstrap_ci(a.mean(axis=0), n_boot=N_BOOT, seed=d)], 0.5
        hits += [ci.lo <= truth <= ci.hi for ci in cis]
    return tuple(hits / D)


SEED_DOMINATED = (0.05, 0.10, 0.10)  # σ_seed/√S ≫ σ_prompt/√P: the seed-to-seed spread is most of the error


@pytest.mark.parametrize("paired", [False, True], ids=["mean", "paired"])
def test_seed_aware_ci_covers_where_seed_variance_dominates_and_prompt_only_does_not(paired):
    seed_aware, prompt_only = _coverage(10, SEED_DOMINATED, paired, seed=10)
    print(f"\nS=10, seed-dominated, {'paired' if paired else 'mean'}: seed-aware {seed_aware:.3f}, "
          f"prompt-only {prompt_only:.3f}")
    assert seed_aware >= 0.95 - TOL, f"seed-aware coverage {seed_aware:.3f}"
    assert prompt_only <= 0.85, f"prompt-only coverage {prompt_only:.3f} (expected visibly below 0.95)"


@pytest.mark.parametrize("paired", [False, True], ids=["mean", "paired"])
def test_three_seeds_under_cover_somewhat_but_far_less_than_prompt_only(paired):
    # the percentile bootstrap of a 3-point sample is too narrow (normal vs t with 2 d.f.); measured with
    # 1000 datasets × 1000 draws in docs/statistics.md; here the band of what 200 datasets can show
    seed_aware, prompt_only = _coverage(3, SEED_DOMINATED, paired, seed=3)
    print(f"\nS=3, seed-dominated, {'paired' if paired else 'mean'}: seed-aware {seed_aware:.3f}, "
          f"prompt-only {prompt_only:.3f}")
    assert 0.78 <= seed_aware <= 0.95, f"seed-aware coverage {seed_aware:.3f}"
    assert prompt_only <= 0.65 and seed_aware - prompt_only >= 0.2, (seed_aware, prompt_only)


def test_without_a_seed_effect_the_seed_aware_ci_covers_at_least_nominally():
    # no seed effect, prompt difficulty dominates the mean: both intervals cover about 95%
    seed_aware, prompt_only = _coverage(3, (0.0, 0.2, 0.1), False, seed=30)
    print(f"\nS=3, no seed effect, mean: seed-aware {seed_aware:.3f}, prompt-only {prompt_only:.3f}")
    assert seed_aware >= 0.95 - TOL and prompt_only >= 0.95 - TOL, (seed_aware, prompt_only)
    assert seed_aware <= 0.995, f"seed-aware coverage {seed_aware:.3f}: far wider than needed"
    # paired, the shared prompt difficulty cancels and only seed × prompt noise is left, which the crossed
    # bootstrap counts up to three times (Owen 2007): conservative (≈ 1.0 in docs/statistics.md), never short
    seed_aware, prompt_only = _coverage(3, (0.0, 0.2, 0.1), True, seed=31)
    print(f"S=3, no seed effect, paired: seed-aware {seed_aware:.3f}, prompt-only {prompt_only:.3f}")
    assert seed_aware >= 0.95 and prompt_only >= 0.95 - TOL, (seed_aware, prompt_only)
