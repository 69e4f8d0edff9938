"""verl integration: bonaware objectives as verl advantage estimators (prior-art.md §3.1, §3.3).

verl looks advantage estimators up by name in a registry filled with
``@register_adv_est(name)`` (``verl/trainer/ppo/core_algos.py``) and calls the one named by
``algorithm.adv_estimator`` as ``fn(token_level_rewards, response_mask, config=..., index=uid)``
(``verl/trainer/ppo/ray_trainer.py::compute_advantage``), expecting ``(advantages, returns)``, both
``[bs, response_length]``. :func:`outcome_advantage` is that adapter, independent of verl:

    scalar reward R_b = Σ_t token_level_rewards[b, t]          (verl puts the outcome reward on the last token)
    groups = responses sharing ``index`` (verl's per-prompt ``uid``)   → [P, n] per group size
    w = get_objective(name)(GroupBatch(rewards=R), **default_kwargs(...)).sample   (paper.md §3)
    advantages[b, t] = scale · w_b · response_mask[b, t];  returns = advantages   (as verl's GRPO)

Importing this module registers ``bonaware_<objective>`` for every name in :data:`VERL_OBJECTIVES`
when verl is importable (:func:`register` again is a no-op); launch with
``algorithm.adv_estimator=bonaware_pass_at_k`` (docs/integrations.md). Parameters default to the
variance-reduced choices of :func:`default_kwargs` (e.g. pass@n with the ``loo-1`` baseline) and are
changed with ``+algorithm.bonaware_kwargs.<name>=<value>``. verl passes only the scalar reward, so
objectives rank samples by R here (no separate verifier score r).
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


def default_kwargs(objective: str, n: int, num_prompts: int, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's parameters, completed with the recommended variance-reduced defaults for verl.

    verl gives only the scalar reward and no value head, so the defaults are those that need neither:

    * ``pass_at_k`` / ``bon_at_k``: ``k = n`` (pass@n / BoN@n, as ``bonaware train`` targets N = N′) and
      ``baseline="loo-1"`` (PKPO's s^(loo−1); unbiased, and at k = n it is the max-minus-second-max
      estimator); ``"loo"`` when k = 1 (RLOO), none when n = k = 1. Without a baseline every sample of a
      group with a success gets k/n, whose expected contribution is zero: pure noise.
    * ``bon_rl_s``: ``baseline="batch_loo"`` (mean selected reward of the *other* prompts of the batch;
      unbiased) when the batch holds ≥ 2 groups of this size, else none.

    Every other objective's defaults are its own (docs/objectives/). A key given in ``kwargs`` always
    wins, including an explicit ``baseline=None``.
    """
    params = dict(kwargs)
    accepted = objective_info(objective).params
    if "k" in accepted:
        k = params.setdefault("k", n)
        if "baseline" not in params:
            params["baseline"] = "loo-1" if k >= 2 else ("loo" if n > k else None)
    if objective == "bon_rl_s" and "baseline" not in params:
        params["baseline"] = "batch_loo" if num_prompts >= 2 else "none"
    return params


def _config_kwargs(config: Any) -> dict[str, Any]:
    """``algorithm.bonaware_kwargs`` from verl's algorithm config (a dict, DictConfig or dataclass), if set."""
    if config is None:
        return {}
    value = config.get("bonaware_kwargs", None) if hasattr(config, "get") else getattr(config, "bonaware_kwargs", None)
    if not value:
        return {}
    if type(value).__module__.startswith("omegaconf"):  # DictConfig from hydra: plain values (lists for clip=...)
        from omegaconf import OmegaConf

        value = OmegaConf.to_container(value, resolve=True)
    if not isinstance(value, Mapping):
        raise BonawareError(f"algorithm.bonaware_kwargs must be a mapping of objective parameters, got {value!r}")
    return dict(value)


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
        params = default_kwargs(objective, n, len(members), objective_kwargs or {})
        weights = fn(GroupBatch(rewards=R[rows]), **params)
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

    estimator.bonaware_spec = (objective, repr(sorted((objective_kwargs or {}).items())), float(scale))
    estimator.__name__ = f"compute_{PREFIX}{objective}_outcome_advantage"
    estimator.__doc__ = f"verl advantage estimator: bonaware objective {objective!r} (bonaware.integrations.verl)."
    return estimator


def _default_estimator(objective: str) -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """One estimator object per objective for the whole process: registering it again is a no-op."""
    if objective not in _DEFAULT_ESTIMATORS:
        _DEFAULT_ESTIMATORS[objective] = make_estimator(objective)
    return _DEFAULT_ESTIMATORS[objective]


_DEFAULT_ESTIMATORS: dict[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {}


def register(register_adv_est: Callable[[str], Callable] | None = None,
             objectives: tuple[str, ...] = VERL_OBJECTIVES) -> list[str]:
    """Register ``bonaware_<name>`` estimators with ``register_adv_est`` (verl's by default); returns the names.

    Idempotent in any order with the registration done on import: verl's ``register_adv_est`` raises
    when a name is registered again with a *different* function, so each objective has one estimator
    object per process, and a ``bonaware_<name>`` entry already in verl's registry that was made by
    this module (e.g. before an ``importlib.reload``) is kept. A name taken by a function that is not
    a bonaware estimator is an error.
    """
    registry: dict[str, Any] | None = None
    if register_adv_est is None:
        from verl.trainer.ppo import core_algos

        register_adv_est, registry = core_algos.register_adv_est, core_algos.ADV_ESTIMATOR_REGISTRY
    names = []
    for objective in objectives:
        name = PREFIX + objective
        fn = _default_estimator(objective)
        existing = None if registry is None else registry.get(name)
        if existing is not None and existing is not fn:
            if getattr(existing, "bonaware_spec", None) != fn.bonaware_spec:
                raise BonawareError(f"verl advantage estimator {name!r} is already registered to "
                                    f"{getattr(existing, '__qualname__', existing)!r}, not to bonaware's {objective!r}")
            fn = _DEFAULT_ESTIMATORS[objective] = existing
        register_adv_est(name)(fn)
        names.append(name)
    return names


def _register_if_verl_installed() -> list[str]:
    try:
        import verl.trainer.ppo.core_algos  # noqa: F401
    except ImportError:
        return []
    return register()


REGISTERED = _register_if_verl_installed()
"""Estimator names registered with verl on import (empty when verl is not installed)."""
