"""Training methods: which objective, fed with which data (paper.md §3, Table 1).

A *method* is what a user names with ``--method``. It binds a registered objective
(:mod:`bonaware.objectives`) to its data sources: whether Best-of-N selection ranks by the verifier
score r or by the environment reward R, whether an expert completion is added (SFT-type methods),
whether samples come from the current policy or the frozen base (distillation baselines,
paper.md §4 / App. D.3.4), and what the value head learns. The trainer reads only this table, so
adding a method is one :func:`register_method` call and touches no trainer code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bonaware.errors import unknown_name


@dataclass(frozen=True)
class MethodSpec:
    """How one training method uses an objective.

    Attributes:
        objective: registry name in :mod:`bonaware.objectives`.
        description: one line for ``--help`` and docs.
        scores: ``"verifier"`` ranks samples by the verifier score r (BoN-RL-V, BoN-SFT),
            ``"reward"`` by the environment reward R (BoN-RL-S, BoN-RLB, pass@k).
        expert: add the task's expert solution as an extra sequence per prompt (SFT, BoN-SFT).
        sample_from: ``"policy"`` (on-policy) or ``"base"`` (frozen initial policy; distillation).
        value_target: what the value head b(x) regresses on: ``None`` (no value head),
            ``"mean"`` (E_π[R], the REINFORCE baseline and 1 − P_fail) or ``"bon"``
            (R of the BoN-selected sample, Lemma 2's b(x) = E_{π_bon}[R]).
        params: objective parameters; the string ``"N"`` is replaced by the config's ``k``
            (defaulting to N′), so the objective targets Bo-N at the configured N.
        min_samples: smallest N′ the method makes sense with.
        bon_aware: the objective knows the inference procedure it trains for (Best-of-N selection or
            pass@N over N samples, paper.md §3 and prior-art.md §2.2); False for the BoN-unaware
            baselines (SFT, RL, GRPO/RLOO, STaR, the distillation baselines). Comparisons (the demo's
            headline, the claims table) use it to tell the two families apart.
    """

    objective: str
    description: str
    scores: Literal["verifier", "reward"] = "reward"
    expert: bool = False
    sample_from: Literal["policy", "base"] = "policy"
    value_target: Literal["mean", "bon"] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    min_samples: int = 1
    bon_aware: bool = False


_METHODS: dict[str, MethodSpec] = {}


def register_method(name: str, spec: MethodSpec) -> None:
    """Register ``spec`` under ``name`` (later registrations replace earlier ones)."""
    _METHODS[name] = spec


def get_method(name: str) -> MethodSpec:
    """The method called ``name`` (clear error listing the methods for an unknown one)."""
    if name not in _METHODS:
        raise unknown_name("method", name, _METHODS)
    return _METHODS[name]


def list_methods() -> list[str]:
    """All registered method names."""
    return sorted(_METHODS)


# --- baselines (paper.md §4 "Baselines") -------------------------------------------------------
register_method("sft", MethodSpec("sft", "supervised fine-tuning on expert solutions (N'=1)", expert=True))
register_method("star", MethodSpec("star", "STaR: clone the correct samples", min_samples=1))
register_method("rl_s", MethodSpec("reinforce", "REINFORCE with value baseline on the environment reward R",
                                   value_target="mean"))
register_method("rl_v", MethodSpec("reinforce", "REINFORCE on the verifier score r (RLAIF), leave-one-out batch "
                                   "mean baseline", scores="verifier",
                                   params={"reward": "scores", "baseline": "batch_mean"}))
register_method("rl", MethodSpec("reinforce", "alias of rl_s: REINFORCE on R with value baseline",
                                 value_target="mean"))
register_method("grpo", MethodSpec("grpo", "GRPO: group-normalised advantages (R - mean)/std", min_samples=2))
register_method("rloo", MethodSpec("rloo", "RLOO: leave-one-out baseline", min_samples=2))
register_method("dr_grpo", MethodSpec("dr_grpo", "Dr.GRPO: group mean-centred advantages", min_samples=2))

# --- the paper's BoN-aware methods (paper.md §3) -------------------------------------------------
register_method("bon_sft", MethodSpec("bon_sft", "BoN-SFT (Lemma 1): BoN-aware imitation of expert data",
                                      scores="verifier", expert=True, params={"N": "N"}, min_samples=2, bon_aware=True))
register_method("bon_rl_v", MethodSpec("bon_rl_v", "BoN-RL-V (Lemma 2): REINFORCE on the verifier-selected BoN sample",
                                       scores="verifier", value_target="bon", min_samples=2, bon_aware=True))
register_method("bon_rl_s", MethodSpec("bon_rl_s", "BoN-RL-S (Lemma 2): REINFORCE on the reward-selected BoN sample",
                                       scores="reward", value_target="bon", min_samples=2, bon_aware=True))
register_method("bon_rlb", MethodSpec("bon_rlb", "BoN-RLB (Lemma 3): closed-form g+/g- weights, binary reward",
                                      params={"N": "N"}, value_target="mean", min_samples=2, bon_aware=True))
register_method("bon_rlb_p", MethodSpec("bon_rlb_p", "BoN-RLB(P) (Corollary 4): positives only, weight g-bar+",
                                        params={"N": "N"}, value_target="mean", min_samples=2, bon_aware=True))

# --- beyond the paper: exact unbiased gradients (prior-art.md §2.2) -------------------------------
register_method("pass_at_k", MethodSpec("pass_at_k", "exact unbiased gradient of pass@k (leave-one-out baseline)",
                                        params={"k": "N", "baseline": "loo-1"}, min_samples=2, bon_aware=True))
register_method("bon_at_k", MethodSpec("bon_at_k", "exact unbiased gradient of BoN@k with the verifier",
                                       scores="verifier", params={"k": "N", "baseline": "loo-1"}, min_samples=2,
                                       bon_aware=True))

# --- distillation baselines (paper.md §4, App. D.3.4): samples from the frozen base policy ---------
register_method("base_bon_sft", MethodSpec("base_bon_sft", "distil the verifier-best of the base model's samples",
                                           scores="verifier", sample_from="base", min_samples=2))
register_method("base_all_sft", MethodSpec("base_all_sft", "distil all of the base model's samples",
                                           sample_from="base"))
register_method("base_weighted_sft", MethodSpec("base_weighted_sft",
                                                "distil base samples weighted by verifier score",
                                                scores="verifier", sample_from="base", min_samples=2))
register_method("base_maj_sft", MethodSpec("base_maj_sft", "distil the base model's majority-vote answers",
                                           sample_from="base", min_samples=2))
