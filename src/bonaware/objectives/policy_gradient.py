"""Inference-unaware RL baselines: REINFORCE, RLOO, GRPO, Dr.GRPO, STaR (paper.md §4 baselines).

Convention: weights are divided by n, so Σ_j w_j ∇log π(y_j) estimates the gradient of a *per-prompt*
objective (here pass@1 = P(R=1)), comparable across group sizes and with pass_at_k(k=1).

For binary rewards every method that gives correct samples w⁺(c) and incorrect ones w⁻(c) has an
expected gradient parallel to ∇P(R=1) (prior-art.md §2.2, key observation):
E[Σ_j w_j ∇log π(y_j)] = n·E_{c′∼Bin(n−1, p)}[w⁺(c′+1) − w⁻(c′)]·∇P(R=1), p = P(R=1).
The multiplier is 1 for REINFORCE/RLOO/STaR, (n−1)/n for Dr.GRPO, and → 1/√(p(1−p)) for GRPO.
"""

from __future__ import annotations

import numpy as np

from bonaware.errors import BonawareError
from bonaware.objectives.core import (
    GroupBatch,
    Weights,
    check_choice,
    check_int,
    check_real,
    group_stats,
    register_objective,
)


def _need_pairs(batch: GroupBatch, name: str) -> None:
    if batch.group_size < 2:
        raise BonawareError(f"{name} needs at least n = 2 samples per prompt, got n = {batch.group_size}")


@register_objective(
    "reinforce", description="REINFORCE (R − b)/n with a value baseline or the leave-one-out batch mean"
)
def reinforce(batch: GroupBatch, *, baseline: str = "auto", reward: str = "rewards") -> Weights:
    """E[Σ_j w_j ∇log π(y_j)] = ∇P(R=1) = ∇pass@1 exactly (for any baseline independent of y_j).

    ``reward``: "rewards" (environment reward R: RL-S) or "scores" (the verifier score r as the
    reward: RL-V / RLAIF, paper.md §4 baseline 2; then the expectation is ∇E_π[r]).

    ``baseline``: "auto" ("value" if ``batch.baseline`` is set, else "batch_mean"), "value" (b(x) from
    ``batch.baseline``), "batch_mean" (mean reward of all *other* samples in the batch — leave-one-out,
    so exactly unbiased; = (Pn/(Pn−1))·(R − mean)), "none". Zero-information groups are not zeroed.
    """
    check_choice(baseline, "baseline", ("auto", "value", "batch_mean", "none"))
    check_choice(reward, "reward", ("rewards", "scores"))
    if reward == "scores" and batch.scores is None:
        raise BonawareError("reward='scores' needs GroupBatch.scores (verifier scores)")
    R = batch.rewards if reward == "rewards" else batch.scores
    if baseline == "auto":
        baseline = "batch_mean" if batch.baseline is None else "value"
    if baseline == "value":
        if batch.baseline is None:
            raise BonawareError(
                "baseline='value' needs GroupBatch.baseline (a value estimate b(x) per prompt)"
            )
        b = np.broadcast_to(batch.baseline[:, None], R.shape)
    elif baseline == "batch_mean":
        if R.size < 2:
            raise BonawareError("baseline='batch_mean' needs at least 2 samples in the batch")
        b = (R.sum() - R) / (R.size - 1)
    else:
        b = np.zeros_like(R)
    w = (R - b) / batch.group_size
    return Weights(w, None, group_stats(batch.rewards, w))


@register_objective("rloo", description="RLOO: (R_j − mean of the other n−1 rewards)/n; exact ∇pass@1")
def rloo(batch: GroupBatch) -> Weights:
    """E[Σ_j w_j ∇log π(y_j)] = ∇pass@1 exactly; w_j = (R_j − mean_{l≠j} R_l)/n = (R_j − R̄)/(n − 1).

    Zero-information groups get exactly 0.
    """
    _need_pairs(batch, "rloo")
    R = batch.rewards
    w = (R - R.mean(axis=1, keepdims=True)) / (batch.group_size - 1)
    return Weights(w, None, group_stats(R, w))


@register_objective(
    "grpo", description="GRPO: group-normalised (R − R̄)/(std + eps)/n; multiplier ≈ 1/√(p(1−p))"
)
def grpo(batch: GroupBatch, *, eps: float = 1e-6, ddof: int = 1) -> Weights:
    """w_j = (R_j − R̄)/(std(R) + eps)/n (std with ``ddof``; 1 = TRL/verl's torch.std). Approximate.

    E[Σ_j w_j ∇log π(y_j)] = m_n(p)·∇pass@1 with m_n(p) = n·E_{c′∼Bin(n−1,p)}[w⁺(c′+1) − w⁻(c′)]
    (module docstring), which tends to 1/√(p(1−p)) as n → ∞: GRPO up-weights prompts with p near 0 or 1
    and is not the gradient of pass@1. Zero-information groups get exactly 0 (std = 0).
    """
    _need_pairs(batch, "grpo")
    eps = check_real(eps, "eps", low=0.0)
    ddof = check_int(ddof, "ddof", minimum=0)
    if ddof >= batch.group_size:
        raise BonawareError(f"ddof = {ddof} must be < n = {batch.group_size}")
    R = batch.rewards
    centred = R - R.mean(axis=1, keepdims=True)
    std = R.std(axis=1, ddof=ddof, keepdims=True)
    if eps == 0.0 and np.any(std == 0):
        std = np.where(std == 0, 1.0, std)  # centred is 0 there; avoid 0/0
    w = centred / (std + eps) / batch.group_size
    return Weights(w, None, group_stats(R, w))


@register_objective("dr_grpo", description="Dr.GRPO: mean-centred (R − R̄)/n, no std; E = (n−1)/n · ∇pass@1")
def dr_grpo(batch: GroupBatch) -> Weights:
    """w_j = (R_j − R̄)/n. E[Σ_j w_j ∇log π(y_j)] = ((n−1)/n)·∇pass@1 exactly (R̄ includes R_j).

    Zero-information groups get exactly 0.
    """
    R = batch.rewards
    w = (R - R.mean(axis=1, keepdims=True)) / batch.group_size
    return Weights(w, None, group_stats(R, w))


@register_objective("star", description="STaR / rejection-sampling SFT: weight only on correct samples")
def star(batch: GroupBatch, *, normalize: str = "n") -> Weights:
    """Filter on correctness (paper Remark C.3 baseline).

    ``normalize="n"``: w_j = R_j/n, E = ∇pass@1 exactly. ``normalize="correct"``: w_j = R_j/c (SFT on
    the filtered set), E = (1 − (1−p)^n)/p · ∇p = pass@n(x)·∇log p with p = P(R=1), since
    E[1/(1 + Bin(n−1, p))] = (1 − (1−p)^n)/(np). All-wrong groups get 0; all-correct groups do not.
    """
    check_choice(normalize, "normalize", ("n", "correct"))
    R = batch.rewards
    if normalize == "n":
        w = R / batch.group_size
    else:
        w = R / np.maximum(R.sum(axis=1, keepdims=True), 1.0)
    return Weights(w, None, group_stats(R, w))
