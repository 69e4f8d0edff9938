"""Co-scaling law exp(a·N^b): parameter recovery, sign convention, extrapolation, optima (paper App. D.1)."""

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.evaluation.coscaling import (
    coscaling_extrapolation,
    coscaling_law,
    fit_coscaling,
    optimal_temperature,
    per_prompt_optimum,
)


@pytest.mark.parametrize("a, b", [(-1.2, -0.6), (-0.4, -0.25), (-2.5, -1.1), (-0.3, 0.2)])
def test_fit_recovers_known_parameters_from_exact_curves(a, b):
    N = np.arange(1, 65)
    fit = fit_coscaling(N, coscaling_law(N, a, b))
    assert fit.a == pytest.approx(a, abs=1e-6) and fit.b == pytest.approx(b, abs=1e-6)
    assert fit.r2 == pytest.approx(1.0, abs=1e-10)


def test_fit_recovers_parameters_from_noisy_curves_within_tolerance():
    rng = np.random.default_rng(0)
    N = np.arange(1, 129)
    errs = []
    for _ in range(20):
        y = np.clip(coscaling_law(N, -1.0, -0.5) + rng.normal(0, 0.005, N.size), 0, 1)
        fit = fit_coscaling(N, y)
        errs.append((fit.a + 1.0, fit.b + 0.5))
        assert fit.r2 > 0.97
    assert np.abs(np.mean(errs, axis=0)).max() < 0.01


def test_sign_convention_a_negative_and_b_negative_means_increasing_to_one():
    N = np.arange(1, 200)
    up = coscaling_law(N, -1.0, -0.5)
    assert np.all(np.diff(up) > 0) and up[0] == pytest.approx(np.exp(-1.0)) and up[-1] > 0.93
    assert coscaling_law(1e12, -1.0, -0.5) == pytest.approx(1.0, abs=1e-5)
    down = coscaling_law(N, -1.0, 0.3)
    assert np.all(np.diff(down) < 0)
    fit_up, fit_down = fit_coscaling(N, up), fit_coscaling(N, down)
    assert fit_up.increasing and not fit_down.increasing and fit_down.b > 0


def test_extrapolation_of_an_exact_law_is_exact_and_a_bent_curve_is_not():
    N = np.arange(1, 65)
    ex = coscaling_extrapolation(N, coscaling_law(N, -0.8, -0.4), fit_max_n=16)
    assert ex["mae"] < 1e-6 and ex["max_n"] == 64 and ex["fit"]["n_points"] == 16
    # pass@N of a mixture of prompts, one of them unsolvable, plateaus at 0.75: the law, which tends
    # to 1, overshoots once the plateau is reached
    N = np.arange(1, 257)
    p = np.array([0.5, 0.1, 0.02, 0.0])
    acc = (1 - (1 - p[:, None]) ** N).mean(axis=0)
    bent = coscaling_extrapolation(N, acc, fit_max_n=32)
    assert bent["error_at_max_n"] > 0.03


def test_bad_inputs_are_errors():
    with pytest.raises(BonawareError, match="at least 3 values of N"):
        fit_coscaling([1, 2], [0.1, 0.2])
    with pytest.raises(BonawareError, match=r"accuracies must lie in \[0, 1\]"):
        fit_coscaling([1, 2, 3], [0.1, 0.2, 1.5])
    with pytest.raises(BonawareError, match="fit_max_n=2 must leave"):
        coscaling_extrapolation([1, 2, 3, 4], [0.1, 0.2, 0.3, 0.4], fit_max_n=2)


def test_optimal_temperature_per_n_by_hand():
    ks = [1, 2, 3]
    curves = [np.array([0.5, 0.6, 0.65]), np.array([0.4, 0.6, 0.7])]
    out = optimal_temperature([0.5, 1.0], curves, ks)
    assert out["empirical_T"] == [0.5, 0.5, 1.0]  # N=2 is a tie: the lower T wins
    assert out["empirical_acc"] == [0.5, 0.6, 0.7]


def test_per_prompt_optimum_picks_the_cheapest_best_point():
    ks = [1, 2, 4]
    low_T = np.array([[0.9, 0.99, 1.0],   # easy prompt: best 1.0 reached at N=4 (T=0.3) or N=2 (T=1)
                      [0.0, 0.0, 0.0]])   # hopeless at low T
    high_T = np.array([[0.8, 1.0, 1.0],
                       [0.1, 0.2, 0.3]])
    out = per_prompt_optimum([0.3, 1.0], [low_T, high_T], ks)
    assert out["N_star"] == [2, 4] and out["T_star"] == [1.0, 1.0]
    assert out["best"] == [1.0, 0.3] and out["oracle_mean"] == pytest.approx(0.65)
    assert out["best_fixed"] == {"N": 4, "T": 1.0, "acc": 0.65}
    flat = per_prompt_optimum([0.3, 1.0], [np.ones((1, 3)), np.ones((1, 3))], ks)
    assert flat["N_star"] == [1] and flat["T_star"] == [0.3]  # all tied: smallest N, then lowest T
