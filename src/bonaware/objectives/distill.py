"""SFT and the paper's distillation baselines (paper.md §4, App. D.3.4): which samples to clone.

Each is a selection rule q(j) over the group with Σ_j q(j) = 1 (one unit of imitation per prompt), so
E[Σ_j w_j ∇log π(y_j)] = Σ_y q̄(y) ∇log π_θ(y) where q̄ is the distribution of the selected sample.
In the paper the samples come from the frozen base model (N = 16 per problem), so this is the gradient
of the cross-entropy E_{y∼q̄}[log π_θ(y)] toward the selected-sample distribution, evaluated at π_θ.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from bonaware.errors import BonawareError
from bonaware.objectives._ranking import top_selection
from bonaware.objectives.core import GroupBatch, Weights, group_stats, register_objective


@register_objective("sft", description="standard SFT on the expert response (expert weight 1, no samples)")
def sft(batch: GroupBatch) -> Weights:
    """E[...] = ∇log π(y_e|x): maximum likelihood on the dataset response (paper.md §1, SFT)."""
    w = np.zeros_like(batch.rewards)
    expert = np.ones(batch.num_prompts)
    return Weights(w, expert, group_stats(batch.rewards, w, expert))


@register_objective(
    "base_bon_sft",
    description="Base-BoN-SFT (App. D.3.4): clone the verifier-argmax sample",
    needs=("scores",),
)
def base_bon_sft(batch: GroupBatch, *, tie_break: str = "split") -> Weights:
    """Weight 1 on the verifier's BoN sample. E = Σ_y π_bon(y) ∇log π(y) (π_bon of the sampling policy).

    Ties: "split" shares the weight uniformly among tied top samples, "first" gives it to one.
    """
    w = top_selection(batch.scores, tie_break)
    return Weights(w, None, group_stats(batch.rewards, w))


@register_objective("base_all_sft", description="Base-All-SFT (App. D.3.4): clone every sample, weight 1/n")
def base_all_sft(batch: GroupBatch) -> Weights:
    """w_j = 1/n. E = E_{y∼π_s}[∇log π_θ(y)]: zero when the samples come from π_θ itself (on-policy),
    the self-distillation gradient toward the sampling policy π_s otherwise.
    """
    w = np.full_like(batch.rewards, 1.0 / batch.group_size)
    return Weights(w, None, group_stats(batch.rewards, w))


@register_objective(
    "base_weighted_sft",
    description="Base-Weighted-SFT (App. D.3.4): clone samples in proportion to verifier scores",
    needs=("scores",),
)
def base_weighted_sft(batch: GroupBatch) -> Weights:
    """w_j = r_j / Σ_l r_l: the expected count of sample j when one sample is resampled with probability
    ∝ verifier score (the paper's resampling, in expectation — no sampling noise). Scores must be ≥ 0;
    a group whose scores are all 0 gets weight 0.
    E[Σ_j w_j ∇log π(y_j)] = Σ_y q̄(y) ∇log π(y), q̄ = distribution of the score-resampled sample.
    """
    s = batch.scores
    if np.any(s < 0):
        raise BonawareError(
            "base_weighted_sft needs non-negative verifier scores (probabilities of correctness)"
        )
    total = s.sum(axis=1, keepdims=True)
    w = np.where(total > 0, s / np.where(total > 0, total, 1.0), 0.0)
    return Weights(w, None, group_stats(batch.rewards, w, frac_zero_score_groups=np.mean(total == 0)))


def _majority_weights(answers: np.ndarray) -> np.ndarray:
    w = np.zeros(answers.shape)
    for i, row in enumerate(answers):
        try:
            counts = Counter(a for a in row if a is not None)
        except TypeError as exc:
            raise BonawareError(f"GroupBatch.answers[{i}] holds an unhashable answer: {exc}") from None
        if not counts:
            continue
        top = max(counts.values())
        winners = {a for a, c in counts.items() if c == top}
        for j, a in enumerate(row):
            if a is not None and a in winners:
                w[i, j] = 1.0 / (len(winners) * top)
    return w


@register_objective(
    "base_maj_sft",
    description="Base-Maj-SFT (App. D.3.4): clone samples whose answer is the majority-vote answer",
    needs=("answers",),
)
def base_maj_sft(batch: GroupBatch) -> Weights:
    """Weight 1/m on each of the m samples with the majority answer (``None`` answers do not vote); a tie
    between answers splits the unit weight equally among them. Groups with no answer get 0.
    E[Σ_j w_j ∇log π(y_j)] = Σ_y q̄(y) ∇log π(y), q̄ = distribution of a random majority-answer sample
    (sub-stochastic: groups with no answer contribute nothing).
    """
    w = _majority_weights(batch.answers)
    return Weights(w, None, group_stats(batch.rewards, w, frac_no_answer_groups=np.mean(w.sum(axis=1) == 0)))
