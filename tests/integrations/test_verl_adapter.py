"""bonaware objectives as verl advantage estimators, tested without verl (docs/integrations.md)."""

import numpy as np
import pytest
import torch

from bonaware.errors import BonawareError
from bonaware.integrations import verl as bverl
from bonaware.objectives import GroupBatch, get_objective


def _batch(seed=0, P=3, n=4, L=5):
    """Shuffled responses of P groups, outcome reward on the last valid token (verl's layout)."""
    rng = np.random.default_rng(seed)
    R = rng.integers(0, 2, size=(P, n)).astype(float)
    R[0] = [1, 0, 0, 0]  # at least one informative group
    order = rng.permutation(P * n)
    uid = np.array([f"u{i // n}" for i in range(P * n)], dtype=object)[order]
    flatR = R.ravel()[order]
    lengths = rng.integers(1, L + 1, size=P * n)
    mask = (torch.arange(L)[None, :] < torch.tensor(lengths)[:, None]).float()
    tlr = torch.zeros(P * n, L)
    tlr[torch.arange(P * n), torch.tensor(lengths) - 1] = torch.tensor(flatR, dtype=torch.float32)
    return R, order, uid, tlr, mask


@pytest.mark.parametrize("objective,kwargs", [("pass_at_k", {"k": 2, "baseline": "loo-1"}), ("bon_rlb_p", {}),
                                              ("bon_rlb", {"N": 4}), ("grpo", {})])
def test_advantages_are_objective_weights_broadcast_over_response_tokens(objective, kwargs):
    R, order, uid, tlr, mask = _batch()
    adv, ret = bverl.outcome_advantage(tlr, mask, uid, objective, kwargs, scale=3.0)
    w = get_objective(objective)(GroupBatch(rewards=R), **kwargs).sample.ravel()[order]
    expected = 3.0 * torch.tensor(w, dtype=torch.float32)[:, None] * mask
    torch.testing.assert_close(adv, expected)
    assert ret is adv
    assert torch.all(adv[mask == 0] == 0)


@pytest.mark.parametrize("objective,given,expected", [
    ("pass_at_k", {}, {"k": 4, "baseline": "loo-1"}),          # pass@n, variance-reduced (not the noisy k/n)
    ("bon_at_k", {"k": 1}, {"k": 1, "baseline": "loo"}),        # loo-1 needs k >= 2: RLOO
    ("pass_at_k", {"baseline": None}, {"k": 4, "baseline": None}),  # an explicit choice wins
    ("bon_rl_s", {}, {"baseline": "batch_loo"}),
    ("grpo", {}, {}),
])
def test_defaults_are_the_variance_reduced_ones(objective, given, expected):
    assert bverl.default_kwargs(objective, 4, 3, given) == expected
    R, order, uid, tlr, mask = _batch()
    adv, _ = bverl.outcome_advantage(tlr, mask, uid, objective, given)
    w = get_objective(objective)(GroupBatch(rewards=R), **expected).sample.ravel()[order]
    torch.testing.assert_close(adv[:, 0], torch.tensor(w, dtype=torch.float32) * mask[:, 0])


def test_batch_loo_default_needs_two_groups_of_a_size():
    assert bverl.default_kwargs("bon_rl_s", 4, 1, {}) == {"baseline": "none"}


def test_register_twice_reuses_one_estimator_per_objective():
    registry = {}

    def strict_register(name):  # verl's rule: the same name with a different function raises
        def deco(fn):
            if name in registry and registry[name] is not fn:
                raise ValueError(f"{name} already registered")
            registry[name] = fn
            return fn
        return deco

    assert bverl.register(strict_register) == bverl.register(strict_register)


def test_groups_of_different_sizes_are_evaluated_separately():
    tlr = torch.tensor([[1.0], [0.0], [0.0], [1.0], [0.0]])
    mask = torch.ones_like(tlr)
    uid = np.array(["a", "a", "a", "b", "b"], dtype=object)
    adv, _ = bverl.outcome_advantage(tlr, mask, uid, "rloo")
    wa = get_objective("rloo")(GroupBatch(rewards=[[1.0, 0.0, 0.0]])).sample.ravel()
    wb = get_objective("rloo")(GroupBatch(rewards=[[1.0, 0.0]])).sample.ravel()
    torch.testing.assert_close(adv[:, 0], torch.tensor(np.concatenate([wa, wb]), dtype=torch.float32))


def test_non_binary_rewards_and_bad_shapes_are_rejected():
    mask = torch.ones(2, 3)
    with pytest.raises(BonawareError, match="binary"):
        bverl.outcome_advantage(torch.full((2, 3), 0.25), mask, np.array(["a", "a"]), "pass_at_k")
    with pytest.raises(BonawareError, match="index"):
        bverl.outcome_advantage(torch.zeros(2, 3), mask, np.array(["a"]), "pass_at_k")


def test_register_fills_a_verl_style_registry_and_config_overrides_kwargs():
    registry = {}

    def register_adv_est(name):  # verl's decorator shape: name -> (fn -> fn)
        def deco(fn):
            registry[name] = fn
            return fn
        return deco

    names = bverl.register(register_adv_est)
    assert set(names) == {f"bonaware_{o}" for o in bverl.VERL_OBJECTIVES} == set(registry)
    R, order, uid, tlr, mask = _batch(seed=1)
    adv, _ = registry["bonaware_pass_at_k"](token_level_rewards=tlr, response_mask=mask, index=uid,
                                            config={"bonaware_kwargs": {"k": 2}})
    w = get_objective("pass_at_k")(GroupBatch(rewards=R), k=2, baseline="loo-1").sample.ravel()[order]
    torch.testing.assert_close(adv[:, 0], torch.tensor(w, dtype=torch.float32) * mask[:, 0])
    with pytest.raises(BonawareError, match="uid"):
        registry["bonaware_bon_rlb_p"](token_level_rewards=tlr, response_mask=mask)


def test_objectives_needing_verifier_scores_cannot_be_registered():
    with pytest.raises(BonawareError, match="scores"):
        bverl.make_estimator("bon_rl_v")


@pytest.mark.parametrize("objective", bverl.VERL_OBJECTIVES)
def test_every_registered_objective_runs_on_a_verl_batch(objective):
    R, order, uid, tlr, mask = _batch(seed=2)
    adv, _ = bverl.make_estimator(objective)(token_level_rewards=tlr, response_mask=mask, index=uid)
    assert adv.shape == mask.shape and torch.isfinite(adv).all()


def test_nothing_registered_without_verl():
    """verl is optional: without it the import succeeds and registers nothing (tests against the real
    verl: test_verl_real.py)."""
    try:
        import verl  # noqa: F401
    except ImportError:
        assert bverl.REGISTERED == []
    else:
        assert "bonaware_pass_at_k" in bverl.REGISTERED
