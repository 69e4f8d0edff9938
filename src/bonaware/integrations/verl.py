"""verl integration: bonaware objectives as verl advantage estimators (prior-art.md §3.1, §3.3).

verl looks advantage estimators up by name in a registry filled with
``@register_adv_est(name)`` (``verl/trainer/ppo/core_algos.py``) and calls the one named by
``algorithm.adv_estimator`` as ``fn(token_level_rewards, response_mask, config=..., index=uid)``
(``verl/trainer/ppo/ray_trainer.py::compute_advantage``), expecting ``(advantages, returns)``, both
``[bs, response_length]``. :func:`outcome_advantage` is that adapter, independent of verl:

    scalar reward R_b = Σ_t token_level_rewards[b, t]          (verl puts the outcome reward on the last token)
    groups = responses sharing ``index`` (verl's per-prompt ``uid``)   → [P, n] per group size
    w = get_objective(name)(GroupBatch(rewards=R), **kwargs).sample      (paper.md §3)
    advantages[b, t] = scale · w_b · response_mask[b, t];  returns = advantages   (as verl's GRPO)

Importing this module registers ``bonaware_<objective>`` for every name in :data:`VERL_OBJECTIVES`
when verl is importable; launch with ``algorithm.adv_estimator=bonaware_pass_at_k`` (docs/integrations.md).
verl passes only the scalar reward, so objectives rank samples by R here (no separate verifier score r).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective, objective_info

#: objectives that need only the binary reward R (others need fields verl does not provide)
VERL_OBJECTIVES = ("pass_at_k", "bon_at_k", "bon_rlb", "bon_rlb_p", "bon_rl_s", "grpo", "rloo", "dr_grpo", "star")
PREFIX = "bonaware_"


def _objective_kwargs(objective: str, n: int, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Caller's parameters; ``k`` defaults to the group size n (pass@n / BoN@n), as ``N`` does in the objectives."""
    params = dict(kwargs)
    if "k" in objective_info(objective).params and "k" not in params:
        params["k"] = n
    return params


def _config_kwargs(config: Any) -> dict[str, Any]:
    """``algorithm.bonaware_kwargs`` from verl's algorithm config (a dict, DictConfig or dataclass), if set."""
    if config is None:
        return {}
    value = config.get("bonaware_kwargs", None) if hasattr(config, "get") else getattr(config, "bonaware_kwargs", None)
    return dict(value) if value else {}


def outcome_advantage(token_level_rewards: torch.Tensor, response_mask: torch.Tensor, index: np.ndarray,
                      objective: str, objective_kwargs: Mapping[str, Any] | None = None,
                      scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-level advantages ``scale · w_b · response_mask`` of a bonaware objective (module docstring).

    Groups may come in any order and with different sizes; each size is evaluated as one
    ``[P_s, n_s]`` GroupBatch. Rewards must be exactly 0/1 (the objectives' contract).
    """
    if token_level_rewards.shape != response_mask.shape or token_level_rewards.dim() != 2:
        raise BonawareError(f"outcome_advantage: token_level_rewards {tuple(token_level_rewards.shape)} and "
                            f"response_mask {tuple(response_mask.shape)} must be the same [bs, length]")
    index = np.asarray(index, dtype=object)
    if index.shape != (token_level_rewards.shape[0],):
        raise BonawareError(f"outcome_advantage: index has shape {index.shape}, expected "
                            f"({token_level_rewards.shape[0]},) (one uid per response)")
    R = token_level_rewards.detach().sum(-1).double().cpu().numpy()
    groups: dict[Any, list[int]] = {}
    for b, uid in enumerate(index):
        groups.setdefault(uid, []).append(b)
    by_size: dict[int, list[list[int]]] = {}
    for rows in groups.values():
        by_size.setdefault(len(rows), []).append(rows)
    fn = get_objective(objective)
    w = np.zeros_like(R)
    for n, members in by_size.items():
        rows = np.array(members)  # [P_s, n]
        weights = fn(GroupBatch(rewards=R[rows]), **_objective_kwargs(objective, n, objective_kwargs or {}))
        if weights.expert is not None and np.any(np.asarray(weights.expert) != 0):
            raise BonawareError(f"outcome_advantage: objective {objective!r} weights an expert response, "
                                "which verl does not sample")
        w[rows] = weights.sample
    adv = torch.as_tensor(scale * w, dtype=torch.float32, device=response_mask.device)[:, None] * response_mask
    return adv, adv


def make_estimator(objective: str, objective_kwargs: Mapping[str, Any] | None = None,
                   scale: float = 1.0) -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """A function with verl's estimator signature for ``objective``.

    Parameters: ``objective_kwargs`` here, overridden by ``algorithm.bonaware_kwargs`` in verl's
    config when that key exists (e.g. ``+algorithm.bonaware_kwargs.k=4``).
    """
    objective_info(objective)  # unknown name -> BonawareError listing the registry
    unsupported = [f for f in objective_info(objective).needs]
    if unsupported:
        raise BonawareError(f"make_estimator({objective!r}): needs GroupBatch field(s) {unsupported}; "
                            "verl passes only the scalar reward")

    def estimator(token_level_rewards: torch.Tensor, response_mask: torch.Tensor, index: np.ndarray | None = None,
                  config: Any = None, **_: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if index is None:
            raise BonawareError(f"{PREFIX}{objective}: verl passed no 'uid' index; group sampling "
                                "(actor_rollout_ref.rollout.n > 1) is required")
        kwargs = {**(objective_kwargs or {}), **_config_kwargs(config)}
        with torch.no_grad():
            return outcome_advantage(token_level_rewards, response_mask, index, objective, kwargs, scale)

    estimator.__name__ = f"compute_{PREFIX}{objective}_outcome_advantage"
    estimator.__doc__ = f"verl advantage estimator: bonaware objective {objective!r} (bonaware.integrations.verl)."
    return estimator


def register(register_adv_est: Callable[[str], Callable] | None = None,
             objectives: tuple[str, ...] = VERL_OBJECTIVES) -> list[str]:
    """Register ``bonaware_<name>`` estimators with ``register_adv_est`` (verl's by default); returns the names."""
    if register_adv_est is None:
        from verl.trainer.ppo.core_algos import register_adv_est
    names = []
    for objective in objectives:
        register_adv_est(PREFIX + objective)(make_estimator(objective))
        names.append(PREFIX + objective)
    return names


def _register_if_verl_installed() -> list[str]:
    try:
        from verl.trainer.ppo.core_algos import register_adv_est
    except ImportError:
        return []
    return register(register_adv_est)


REGISTERED = _register_if_verl_installed()
"""Estimator names registered with verl on import (empty when verl is not installed)."""
