"""bonaware estimators inside the real ``verl`` package (docs/integrations.md).

Needs ``pip install -c constraints/cpu.txt -e '.[verl]'``; skipped with that reason otherwise.
CI runs this file in its own step with the extra installed and ``BONAWARE_REQUIRE_VERL=1``, which turns
the skip into a failure so a broken install cannot pass silently (.ci/run).
"""

import importlib
import os

import numpy as np
import pytest
import torch

if os.environ.get("BONAWARE_REQUIRE_VERL"):
    import verl.trainer.ppo.core_algos  # noqa: F401  (ImportError fails the run)
else:
    pytest.importorskip("verl.trainer.ppo.core_algos",
                        reason="verl not installed (pip install -c constraints/cpu.txt -e '.[verl]'; CI's verl step)")

from omegaconf import OmegaConf  # noqa: E402  (a verl dependency)
from verl import DataProto  # noqa: E402
from verl.trainer.config import AlgoConfig  # noqa: E402
from verl.trainer.ppo import core_algos  # noqa: E402

from bonaware.errors import BonawareError  # noqa: E402
from bonaware.integrations import verl as bverl  # noqa: E402
from bonaware.objectives import GroupBatch, get_objective  # noqa: E402

P, N, L, PROMPT = 6, 4, 5, 3


def _rollout(seed=0):
    """A verl-like rollout: P prompts × N responses, shuffled, ragged responses, outcome reward on the last token.

    Groups with 0, 1, 2 and N correct responses are all present.
    """
    rng = np.random.default_rng(seed)
    R = rng.integers(0, 2, size=(P, N)).astype(float)
    R[0], R[1], R[2], R[3] = [0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]
    order = rng.permutation(P * N)
    uid = np.array([f"uid-{i // N}" for i in range(P * N)], dtype=object)[order]
    lengths = torch.tensor(rng.integers(1, L + 1, size=P * N))
    response_mask = (torch.arange(L)[None, :] < lengths[:, None]).long()
    tlr = torch.zeros(P * N, L)
    tlr[torch.arange(P * N), lengths - 1] = torch.tensor(R.ravel()[order], dtype=torch.float32)
    return R, order, uid, tlr, response_mask


def _expected(R, order, objective, kwargs, mask):
    w = get_objective(objective)(GroupBatch(rewards=R), **kwargs).sample.ravel()[order]
    return torch.tensor(w, dtype=torch.float32)[:, None] * mask


#: each registered estimator's documented defaults at n = N with P groups (bverl.default_kwargs)
DEFAULTS = {"pass_at_k": {"k": N, "baseline": "loo-1"}, "bon_at_k": {"k": N, "baseline": "loo-1"},
            "bon_rl_s": {"baseline": "batch_loo"}}


@pytest.mark.parametrize("objective", bverl.VERL_OBJECTIVES)
def test_registry_lookup_returns_the_objective_weights(objective):
    R, order, uid, tlr, mask = _rollout()
    fn = core_algos.get_adv_estimator_fn(f"bonaware_{objective}")
    adv, ret = fn(token_level_rewards=tlr, response_mask=mask, index=uid, config=AlgoConfig())
    torch.testing.assert_close(adv, _expected(R, order, objective, DEFAULTS.get(objective, {}), mask))
    torch.testing.assert_close(ret, adv)


def test_default_pass_at_k_is_not_the_noisy_k_equals_n_estimator():
    """Without a baseline every response of a group with a success gets 1; the default credits only a lone success."""
    R, order, uid, tlr, mask = _rollout()
    adv, _ = core_algos.get_adv_estimator_fn("bonaware_pass_at_k")(
        token_level_rewards=tlr, response_mask=mask, index=uid, config=AlgoConfig())
    per_response = adv.sum(-1) / mask.sum(-1)
    by_group = {g: per_response[uid == g].sort().values.tolist() for g in ("uid-1", "uid-2", "uid-3")}
    assert by_group == {"uid-1": [0.0, 0.0, 0.0, 1.0], "uid-2": [0.0] * 4, "uid-3": [0.0] * 4}


@pytest.mark.parametrize("config", [
    OmegaConf.create({"adv_estimator": "bonaware_pass_at_k", "bonaware_kwargs": {"k": 2, "baseline": "loo"}}),
    {"bonaware_kwargs": {"k": 2, "baseline": "loo"}},
])
def test_verl_compute_advantage_runs_a_bonaware_estimator_on_a_dataproto(config):
    """verl's own driver path: DataProto with uids, response mask derived from responses + attention mask."""
    from verl.trainer.ppo.ray_trainer import compute_advantage

    R, order, uid, tlr, mask = _rollout(seed=1)
    bs = P * N
    attention = torch.cat([torch.ones(bs, PROMPT, dtype=torch.long), mask], dim=-1)
    data = DataProto.from_dict(
        tensors={"responses": torch.randint(0, 100, (bs, L)), "attention_mask": attention,
                 "token_level_rewards": tlr},
        non_tensors={"uid": uid})
    out = compute_advantage(data, adv_estimator="bonaware_pass_at_k", num_repeat=N, config=config)
    expected = _expected(R, order, "pass_at_k", {"k": 2, "baseline": "loo"}, mask)
    torch.testing.assert_close(out.batch["advantages"], expected)
    torch.testing.assert_close(out.batch["returns"], expected)
    assert torch.equal(out.batch["response_mask"], mask)


def test_default_pass_at_n_equals_verls_grpo_passk_without_std_normalisation():
    """On 0/1 rewards, pass@n with the loo-1 baseline is verl's max-minus-second-max estimator (norm off)."""
    R, order, uid, tlr, mask = _rollout(seed=2)
    ours, _ = core_algos.get_adv_estimator_fn("bonaware_pass_at_k")(
        token_level_rewards=tlr, response_mask=mask, index=uid, config=AlgoConfig())
    theirs, _ = core_algos.compute_grpo_passk_outcome_advantage(
        token_level_rewards=tlr, response_mask=mask, index=uid, config=AlgoConfig(norm_adv_by_std_in_grpo=False))
    torch.testing.assert_close(ours, theirs)
    # with k < n they differ: ours then estimates ∇pass@k and credits every success of a group
    k2, _ = core_algos.get_adv_estimator_fn("bonaware_pass_at_k")(
        token_level_rewards=tlr, response_mask=mask, index=uid, config={"bonaware_kwargs": {"k": 2}})
    assert not torch.allclose(k2, theirs)


def test_registration_is_idempotent_in_any_order(monkeypatch):
    names = [f"bonaware_{o}" for o in bverl.VERL_OBJECTIVES]
    before = {n: core_algos.ADV_ESTIMATOR_REGISTRY[n] for n in names}  # registered on import
    assert bverl.register() == names
    assert bverl.register(objectives=("pass_at_k",)) == ["bonaware_pass_at_k"]
    reloaded = importlib.reload(bverl)  # a second import-time registration, with fresh module state
    assert names == reloaded.REGISTERED and reloaded.register() == names
    assert {n: core_algos.ADV_ESTIMATOR_REGISTRY[n] for n in names} == before
    # a name owned by something else is not silently replaced
    monkeypatch.setitem(core_algos.ADV_ESTIMATOR_REGISTRY, "bonaware_grpo", core_algos.compute_grpo_outcome_advantage)
    with pytest.raises(BonawareError, match="already registered"):
        reloaded.register(objectives=("grpo",))


def test_bonaware_kwargs_from_a_hydra_config_reach_the_objective():
    R, order, uid, tlr, mask = _rollout(seed=3)
    cfg = OmegaConf.create({"bonaware_kwargs": {"N": 2, "apply_to": "all", "clip": [0.05, 0.95]}})
    adv, _ = core_algos.get_adv_estimator_fn("bonaware_bon_rlb_p")(
        token_level_rewards=tlr, response_mask=mask, index=uid, config=cfg)
    torch.testing.assert_close(adv, _expected(R, order, "bon_rlb_p", {"N": 2, "apply_to": "all",
                                                                       "clip": (0.05, 0.95)}, mask))
