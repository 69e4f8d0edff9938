"""BoN-SFT: BoN-aware imitation learning (paper.md §3.1; Eq. 4, Lemma 1 / Eq. 5, Algorithm 1).

Objective (Eq. 4), per dataset pair (x, y_e):  L = log π(y_e) + λ_N Q(y_e) − log Z,  with the win rate
Q(y) = E_{y′∼π}[σ(r(y) − r(y′))] (paper.md §2.1) and Z = E_π[exp(λ_N Q)]. Lemma 1:

    ∇L = ∇f(y_e) − E_{y∼π_λ}[∇f(y)],   ∇f(y) = ∇log π(y) + λ_N E_{y′∼π}[σ(r(y) − r(y′)) ∇log π(y′)],

where π_λ ∝ π·exp(λ_N Q) is the tilted (variational BoN) policy of Eq. 3.

**Estimator (Algorithm 1).** Draw n = N samples y_1..y_n ∼ π, use them both as BoN candidates (y* =
argmax r) and as the Monte-Carlo y′ of the inner expectation:

    ∇̂f(y_e) = ∇log π(y_e) + (λ/n) Σ_j σ(r_e − r_j) ∇log π(y_j)           (positive phase)
    ∇̂f(y*)  = ∇log π(y*)  + (λ/n) Σ_j σ(r* − r_j) ∇log π(y_j)           (negative phase)

so the expert gets weight 1 and sample j gets (λ/n)(σ(r_e − r_j) − σ(r* − r_j)) − 1{j = *}
(with ``tie_break="split"`` the −1 is shared as −1/m by the m samples tied at the top score).

**What is exact.** The positive phase is unbiased: E[∇̂f(y_e)] = ∇f(y_e) exactly (y_e is fixed and the
y_j are i.i.d. from π). **What is approximate.** (1) The negative phase samples y* from the true BoN
policy π_bon, not from π_λ (the variational approximation, Prop. 5, paper.md §2.1). (2) Its Q term
reuses the candidates, including y* itself, as y′, so E[∇̂f(y*)] ≠ E_{π_bon}[∇f] in general; only its
likelihood part is exact, E[∇log π(y*)] = E_{π_bon}[∇log π]. The overall expectation is therefore
∇f(y_e) − E[∇̂f(y*)], close to but not equal to ∇L.
"""

from __future__ import annotations

import numpy as np

from bonaware.bon import lambda_n
from bonaware.errors import BonawareError
from bonaware.objectives._ranking import pairwise_win, top_selection
from bonaware.objectives.core import (
    GroupBatch,
    Weights,
    as_2d,
    check_int,
    check_real,
    group_stats,
    register_objective,
)


def _lam(lam, N, n: int) -> float:
    if lam is not None:
        return check_real(lam, "lam", low=0.0)
    return float(lambda_n(n if N is None else check_int(N, "N")))


def bon_sft_positive_weights(
    scores, expert_scores, lam: float, *, win_rate: str = "sigmoid", scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Positive phase of Lemma 1: E[Σ_j w_j ∇log π(y_j)] + w_e ∇log π(y_e) = ∇f(y_e) exactly.

    Returns ``(sample, expert)``: sample j gets (λ/n)·σ(scale·(r_e − r_j)), the expert gets 1.
    """
    scores = as_2d(scores, "scores")
    r_e = np.asarray(expert_scores, dtype=np.float64)
    if r_e.shape != (scores.shape[0],) or not np.all(np.isfinite(r_e)):
        raise BonawareError(f"expert_scores must be finite with shape ({scores.shape[0]},), got {r_e.shape}")
    lam = check_real(lam, "lam", low=0.0)
    n = scores.shape[1]
    sample = lam / n * pairwise_win(r_e[:, None] - scores, win_rate, scale)
    return sample, np.ones(scores.shape[0])


def bon_sft_negative_weights(
    scores, lam: float, *, win_rate: str = "sigmoid", scale: float = 1.0, tie_break: str = "split"
) -> np.ndarray:
    """Negative phase of Algorithm 1: Σ_j w_j ∇log π(y_j) = ∇̂f(y*) for the BoN sample y* (see module doc).

    Sample j gets 1{j = *} + (λ/n)·σ(scale·(r* − r_j)). Its likelihood part has expectation
    E_π_bon[∇log π] exactly; the Q part reuses the candidates and is biased (module docstring).
    """
    scores = as_2d(scores, "scores")
    lam = check_real(lam, "lam", low=0.0)
    n = scores.shape[1]
    r_star = scores.max(axis=1, keepdims=True)
    return top_selection(scores, tie_break) + lam / n * pairwise_win(r_star - scores, win_rate, scale)


def bon_sft_weights(
    scores,
    expert_scores,
    lam: float,
    *,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> tuple[np.ndarray, np.ndarray]:
    """Algorithm 1's weights ``(sample, expert)``: ∇̂f(y_e) − ∇̂f(y*) (paper.md §3.1, Lemma 1 / Eq. 5).

    sample j: (λ/n)(σ(r_e − r_j) − σ(r* − r_j)) − 1{j = *};  expert: 1.
    """
    pos, expert = bon_sft_positive_weights(scores, expert_scores, lam, win_rate=win_rate, scale=scale)
    neg = bon_sft_negative_weights(scores, lam, win_rate=win_rate, scale=scale, tie_break=tie_break)
    return pos - neg, expert


@register_objective(
    "bon_sft",
    description="BoN-SFT (paper Lemma 1, Alg. 1): clone the expert + win-rate terms − the BoN sample's ∇f "
    "(negative phase approximate)",
    needs=("scores", "expert_scores"),
)
def bon_sft(
    batch: GroupBatch,
    *,
    N: int | None = None,
    lam: float | None = None,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> Weights:
    """BoN-SFT (paper.md §3.1). E = ∇f(y_e) − E[∇̂f(y*)] ≈ ∇(Eq. 4); exact parts listed in the module doc.

    ``lam`` defaults to λ_N (bonaware.bon.lambda_n, corrected Eq. 11) with N = ``N`` or the group size.
    ``win_rate``: "sigmoid" (σ(scale·Δr), the paper's practical Q) or "hard" (1{Δr ≥ 0}, the exact Q).
    No zero-information case: every group carries the expert term.
    """
    lam_value = _lam(lam, N, batch.group_size)
    sample, expert = bon_sft_weights(
        batch.scores, batch.expert_scores, lam_value, win_rate=win_rate, scale=scale, tie_break=tie_break
    )
    expert_wins = batch.expert_scores >= batch.scores.max(axis=1)
    stats = group_stats(
        batch.rewards, sample, expert, lam=lam_value, frac_expert_beats_bon=expert_wins.mean()
    )
    return Weights(sample, expert, stats)
