"""BoN-RLB (Lemma 3) and BoN-RLB(P) (Corollary 4): exact expectations with an oracle P_fail."""

import numpy as np
import pytest

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, bon_rlb_p_weights, bon_rlb_weights, get_objective

LOGITS = np.array([0.4, -0.3, 0.2, -0.6])
REWARDS = np.array([0.0, 1.0, 0.0, 0.0])  # p = P_fail ≈ 0.78: inside the [0.01, 0.99] clip


def _p():
    return 1.0 - float(tb.success_probability(LOGITS, REWARDS))


def _grad_success():
    return tb.pass_at_k_grad(LOGITS, REWARDS, 1)  # A = ∇P(R = 1)


@pytest.mark.parametrize("tie_break", ["split", "first"])
@pytest.mark.parametrize("n", [2, 4])
def test_lemma3_bon_sample_expectation_is_exact_gradient_times_one_plus_p_over_one_minus_p(n, tie_break):
    p = _p()
    g = tb.expected_weighted_score(
        "bon_rlb", LOGITS, REWARDS, None, n, p_fail="oracle", method="tuples", tie_break=tie_break
    )
    exact = tb.pass_at_k_grad(LOGITS, REWARDS, n)
    np.testing.assert_allclose(g, (1 + p) / (1 - p) * exact, atol=1e-12)


def test_lemma3_all_samples_expectation_is_g_plus_plus_g_minus_times_grad_success():
    p, N, n = _p(), 6, 3
    g_plus, g_minus = bon_rlb_weights(p, N)
    g = tb.expected_weighted_score("bon_rlb", LOGITS, REWARDS, None, n, p_fail="oracle", apply_to="all", N=N)
    np.testing.assert_allclose(g, (g_plus + g_minus) * _grad_success(), atol=1e-12)
    # ... i.e. (g⁺ + g⁻)/(N p^{N−1}) times the exact ∇pass@N
    ratio = (g_plus + g_minus) / (N * p ** (N - 1))
    np.testing.assert_allclose(g, ratio * tb.pass_at_k_grad(LOGITS, REWARDS, N), atol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 4])
def test_corollary4_bon_sample_with_oracle_p_is_exact_pass_at_n_gradient(n):
    g = tb.expected_weighted_score("bon_rlb_p", LOGITS, REWARDS, None, n, p_fail="oracle")
    np.testing.assert_allclose(g, tb.pass_at_k_grad(LOGITS, REWARDS, n), atol=1e-12)
    fd = tb.finite_difference_grad(lambda th: tb.pass_at_k_value(th, REWARDS, n), LOGITS)
    np.testing.assert_allclose(g, fd, atol=1e-8)


@pytest.mark.parametrize(("n", "N"), [(2, 2), (3, 8), (4, 2)])
def test_corollary4_all_samples_importance_weighted_is_exact_for_any_group_size(n, N):
    g = tb.expected_weighted_score(
        "bon_rlb_p", LOGITS, REWARDS, None, n, p_fail="oracle", apply_to="all", N=N
    )
    np.testing.assert_allclose(g, tb.pass_at_k_grad(LOGITS, REWARDS, N), atol=1e-12)


def test_closed_forms_match_paper_table():
    """paper.md §3.3 table: (N, p) → g⁺, g⁻, ḡ⁺."""
    table = [
        (8, 0.5, 0.063, 8, 0.031),
        (8, 0.9, 6.72, 72, 0.67),
        (8, 0.99, 96.5, 792, 0.97),
        (32, 0.9, 1.26, 288, 0.126),
        (32, 0.99, 85.2, 3168, 0.852),
    ]
    for N, p, gp, gm, gb in table:
        g_plus, g_minus = bon_rlb_weights(p, N)
        assert g_plus == pytest.approx(gp, rel=0.01)
        assert g_minus == pytest.approx(gm, rel=1e-9)
        assert bon_rlb_p_weights(p, N) == pytest.approx(gb, rel=0.02)
    assert bon_rlb_weights(0.5, 32)[0] == pytest.approx(1.5e-8, rel=0.02)


def test_g_bar_plus_is_monotone_in_p_and_within_unit_interval():
    p = np.linspace(0, 1, 1001)
    for N in (1, 2, 8, 64):
        gb = bon_rlb_p_weights(p, N, clip=None)
        assert np.all((gb >= 0) & (gb <= 1 + 1e-15))
        assert np.all(np.diff(gb) >= -1e-15)
        assert gb[-1] == pytest.approx(1.0)


def test_g_bar_plus_is_g_plus_times_one_minus_p():
    p = np.array([0.01, 0.3, 0.999999])
    np.testing.assert_allclose(
        bon_rlb_p_weights(p, 16, clip=None), bon_rlb_weights(p, 16, clip=None)[0] * (1 - p), rtol=1e-12
    )


def test_empirical_p_fail_is_clipped_so_all_wrong_groups_get_minus_99_n():
    R = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    w = get_objective("bon_rlb")(GroupBatch(rewards=R))
    np.testing.assert_allclose(w.sample[0], -99 * 4 / 4)  # −g⁻(0.99) split over the 4 tied samples
    assert w.sample[1, 0] == pytest.approx(bon_rlb_weights(0.75, 4)[0])
    assert w.stats["frac_p_fail_clipped"] == 0.5
    assert w.stats["frac_zero_info_groups"] == 0.5


def test_max_weight_clips_magnitudes_like_zero_rewards_rl():
    R = np.array([[0.0, 0.0, 0.0, 1.0]])
    w = get_objective("bon_rlb")(GroupBatch(rewards=R), apply_to="all", max_weight=3.0)
    np.testing.assert_allclose(w.sample[0], [-3 / 4, -3 / 4, -3 / 4, bon_rlb_weights(0.75, 4)[0] / 4])
    assert w.stats["frac_weight_clipped"] == 0.75


def test_bon_rlb_p_gives_zero_to_incorrect_samples_and_all_wrong_groups():
    R = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 1.0]])
    for apply_to in ("bon_sample", "all"):
        w = get_objective("bon_rlb_p")(GroupBatch(rewards=R), apply_to=apply_to).sample
        assert np.all(w[0] == 0) and np.all(w[1, [1]] == 0) and np.all(w[1, [0, 2]] > 0)


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"N": 0}, "N must be"),
        ({"N": 5}, "N must equal n"),
        ({"apply_to": "best"}, "apply_to"),
        ({"clip": (0.9, 0.1)}, "low <= high"),
    ],
)
def test_invalid_parameters_raise(kwargs, msg):
    with pytest.raises(BonawareError, match=msg):
        get_objective("bon_rlb")(GroupBatch(rewards=np.array([[1.0, 0.0]])), **kwargs)


def test_unclipped_p_fail_of_one_raises_for_g_minus():
    with pytest.raises(BonawareError, match="infinite"):
        bon_rlb_weights(1.0, 4, clip=None)


@pytest.mark.parametrize("n", [2, 4])
def test_with_the_default_group_p_all_failed_groups_alone_contribute_99_times_grad_pass_at_n(n):
    """The (1+p)/(1−p) factor needs an oracle p. With the default empirical P_fail clipped to
    [0.01, 0.99], an all-failed group has p = 0.99 and its BoN sample gets −g⁻(0.99) = −99N; since
    E[1{all fail} ∇log π(y_1)] = p^{N−1}·(−A), those groups alone add exactly 99·∇pass@N, so the whole
    expected update is ≈ 100× ∇pass@N (docs/objectives/bon_rlb.md)."""
    from bonaware.objectives import Weights

    def all_failed_only(batch, **kw):
        w = get_objective("bon_rlb")(batch, **kw)
        keep = (batch.rewards.sum(axis=1) == 0)[:, None]
        return Weights(w.sample * keep, None, w.stats)

    exact = tb.pass_at_k_grad(LOGITS, REWARDS, n)
    part = tb.expected_weighted_score(all_failed_only, LOGITS, REWARDS, None, n, method="tuples")
    np.testing.assert_allclose(part, 99.0 * exact, atol=1e-10)
    whole = tb.expected_weighted_score("bon_rlb", LOGITS, REWARDS, None, n, method="tuples")
    assert np.linalg.norm(whole) / np.linalg.norm(exact) > 99.0
