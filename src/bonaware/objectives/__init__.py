"""Per-sample policy-gradient weights for inference-aware fine-tuning (docs/objectives/index.md).

Every objective is a pure, vectorised numpy function of one training step's groups::

    from bonaware.objectives import GroupBatch, get_objective

    batch = GroupBatch(rewards=R, scores=r)     # [P, n] arrays (prompts × samples)
    w = get_objective("pass_at_k")(batch, k=4)  # -> Weights(sample=[P, n], expert=None | [P], stats={...})

Contract (docs/architecture.md):

* :class:`GroupBatch` (frozen; validated on construction): ``rewards`` [P, n] ∈ {0, 1}; optional
  ``scores`` [P, n] (verifier r; ``None`` → rewards), ``p_fail`` [P], ``baseline`` [P],
  ``expert_scores`` [P], ``answers`` [P, n].
* :class:`Weights`: ``sample`` [P, n] coefficient of ∇log π(y_ij|x_i); ``expert`` [P] coefficient of
  ∇log π(y_e,i|x_i) or ``None``; ``stats`` (fraction of zero-information groups, mean |w|, ...).
* The trainer's loss is ``-(1/P) Σ_i [Σ_j w.sample[i,j] · log π(y_ij|x_i) + w.expert[i] · log π(y_e,i|x_i)]``
  with **sequence** log-probs and the weights held constant.
* Each objective's docstring states ``E[Σ_j w_j ∇log π(y_j)] = <target>`` (or, for the paper's
  approximate methods, exactly what the expectation is); ``tests/objectives/`` checks it exactly on a
  tabular softmax policy with :mod:`bonaware.tabular`. Weights are divided so that Σ_j w_j estimates
  the gradient of a per-prompt objective.
* Registry: :func:`register_objective` (decorator), :func:`get_objective` (unknown name →
  BonawareError listing names; unknown parameters and missing GroupBatch fields are rejected),
  :func:`list_objectives`, :func:`objective_info`.
* :func:`needs_logprob_mask` tells the trainer which samples carry nonzero weight.

Registered: pass_at_k, bon_at_k (exact), bon_rlb, bon_rlb_p, bon_sft, bon_rl, bon_rl_v, bon_rl_s
(paper), reinforce, rloo, grpo, dr_grpo, star, sft, base_bon_sft, base_all_sft, base_weighted_sft,
base_maj_sft (baselines).
"""

from bonaware.objectives import bon_rl, bon_rlb, bon_sft, distill, pass_at_k, policy_gradient  # noqa: F401  (register)
from bonaware.objectives.bon_rl import bon_rl_weights
from bonaware.objectives.bon_rlb import bon_rlb_p_weights, bon_rlb_weights
from bonaware.objectives.bon_sft import bon_sft_negative_weights, bon_sft_positive_weights, bon_sft_weights
from bonaware.objectives.core import (
    GroupBatch,
    ObjectiveInfo,
    Weights,
    check_params,
    get_objective,
    list_objectives,
    needs_logprob_mask,
    objective_info,
    register_objective,
)
from bonaware.objectives.pass_at_k import bon_at_k_weights, pass_at_k_weights

__all__ = [
    "GroupBatch",
    "ObjectiveInfo",
    "Weights",
    "bon_at_k_weights",
    "bon_rl_weights",
    "bon_rlb_p_weights",
    "bon_rlb_weights",
    "bon_sft_negative_weights",
    "bon_sft_positive_weights",
    "bon_sft_weights",
    "check_params",
    "get_objective",
    "list_objectives",
    "needs_logprob_mask",
    "objective_info",
    "pass_at_k_weights",
    "register_objective",
]
