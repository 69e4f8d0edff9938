"""Exact, unbiased gradients of pass@k and BoN@k from n ≥ k samples (prior-art.md §2.2; PKPO).

Let J_k = E[f(y_1..y_k)] with k i.i.d. samples and f = reward of the highest-scored one (uniform
tie-break; f = max reward for pass@k). The U-statistic over the n samples,
``U = C(n,k)⁻¹ Σ_{|S|=k} f(S)``, is unbiased for J_k, and since f(S) depends only on the samples in S,

    E[Σ_i w_i ∇log π(y_i)] = ∇J_k   with   w_i = C(n,k)⁻¹ Σ_{S ∋ i, |S|=k} f(S)

(each of the C(n,k) terms E[f(S) Σ_{i∈S} ∇log π(y_i)] is the score-function form of ∇J_k; the other
samples' scores have mean zero). Below, w_i is computed in O(n log n) per prompt, vectorised over prompts.

**Tie-aware credit.** Sort by score; let sample i sit in a tie block of size m with L samples strictly
below it (U = L + m), block reward sum R_b, and write f(S) = mean reward of S's top block. Summing over
subsets by the number t of block members in S (Vandermonde's identity collapses the sums):

* i's own block is S's top:
  (r_i/m)[C(U,k) − C(L,k)] + (R_b − r_i)·[m C(U−1,k−1) − C(U,k) + C(L,k)] / (m(m−1))
* a higher block b′ is S's top:  (R_b′/m_b′)·[C(U_b′−1, k−1) − C(L_b′−1, k−1)], summed over blocks above i

all divided by C(n,k). Without ties this is prior-art.md §2.2's
``[C(i−1,k−1) r_(i) + Σ_{j>i} C(j−2,k−2) r_(j)]/C(n,k)``.

**Baselines** (unbiasedness is kept exactly because each b_i is a function of the *other* samples only,
so E[b_i ∇log π(y_i)] = E[b_i]·E[∇log π(y_i)] = 0):

* ``"loo"``: b_i = (k/n)·U₋ᵢ, the same estimator on the n−1 other samples (PKPO's s^(loo)); this equals
  ``w_i − b_i = n/(n−k) · (w_i − mean_j w_j)``. Needs n > k. At k = 1 it is RLOO.
* ``"loo-1"``: each f(S) is replaced by f(S) − f_{k−1}(S∖{i}) (PKPO's s^(loo−1)), i.e.
  b_i = k/(n−k+1) · (U′ − w′_i) with the credit w′ and estimate U′ at k−1. Needs k ≥ 2; works at k = n.
  For pass@k only correct samples with no other correct sample in the subset get credit, so every
  incorrect sample gets exactly 0 (at k = n this is Tang et al.'s max-minus-second-max estimator).

**Zero-information groups** (all rewards equal): all-wrong groups get w = 0 in every variant; all-correct
groups get w_i = k/n without a baseline (pure noise: Σ_j ∇log π(y_j) has mean zero) and 0 with either
baseline.
"""

from __future__ import annotations

import numpy as np

from bonaware.errors import BonawareError
from bonaware.objectives._ranking import binom_ratio, tie_blocks, unsort
from bonaware.objectives.core import (
    GroupBatch,
    Weights,
    as_2d,
    check_binary,
    check_choice,
    check_k,
    group_stats,
    register_objective,
)

BASELINES = (None, "loo", "loo-1")


def _binary_credit(rewards: np.ndarray, k: int) -> np.ndarray:
    """pass@k credit (prior-art.md §2.2): correct → k/n; incorrect → (k/n)·[1 − C(n−1−c, k−1)/C(n−1, k−1)]."""
    n = rewards.shape[1]
    c = rewards.sum(axis=1, keepdims=True)
    # (k/n)·C(n−1−c, k−1)/C(n−1, k−1) = C(n−1−c, k−1)/C(n, k)
    miss = binom_ratio(n - 1 - c, k - 1, n, k)
    return np.where(rewards == 1.0, k / n, k / n - miss)


def _ranked_credit(blocks, values: np.ndarray, k: int) -> np.ndarray:
    """BoN@k credit with exact (uniform) tie handling — see the module docstring for the formula."""
    order, L, m = blocks
    P, n = values.shape
    r = np.take_along_axis(values, order, axis=1)
    U = L + m
    csum = np.concatenate([np.zeros((P, 1)), np.cumsum(r, axis=1)], axis=1)
    R_b = np.take_along_axis(csum, U, axis=1) - np.take_along_axis(csum, L, axis=1)
    # own block is the top block of the subset
    own = (r / m) * (binom_ratio(U, k, n, k) - binom_ratio(L, k, n, k))
    mixed = m * binom_ratio(U - 1, k - 1, n, k) - binom_ratio(U, k, n, k) + binom_ratio(L, k, n, k)
    own += np.where(m > 1, (R_b - r) * mixed / np.maximum(m * (m - 1), 1), 0.0)
    # a higher block is the top: spread each block's contribution evenly over its members, then take the
    # suffix sum from the first position above i's block (the lowest block never lies above anyone)
    per_member = (R_b / m**2) * (binom_ratio(U - 1, k - 1, n, k) - binom_ratio(L - 1, k - 1, n, k))
    suffix = np.concatenate([np.cumsum(per_member[:, ::-1], axis=1)[:, ::-1], np.zeros((P, 1))], axis=1)
    above = np.take_along_axis(suffix, U, axis=1)
    return unsort(own + above, order)


def _check_baseline(baseline, n: int, k: int) -> None:
    check_choice(baseline, "baseline", BASELINES)
    if baseline == "loo" and n <= k:
        raise BonawareError(f"baseline='loo' needs n > k (got n = {n}, k = {k}); use baseline='loo-1'")
    if baseline == "loo-1" and k < 2:
        raise BonawareError("baseline='loo-1' needs k >= 2 (f on k−1 = 0 samples is undefined); use 'loo'")


def _with_baseline(credit, n: int, k: int, baseline) -> np.ndarray:
    """Apply a leave-one-out baseline to ``credit(k) -> [P, n]`` (formulas in the module docstring)."""
    w = credit(k)
    if baseline == "loo":
        return n / (n - k) * (w - w.mean(axis=1, keepdims=True))
    if baseline == "loo-1":
        w1 = credit(k - 1)
        return w - k / (n - k + 1) * (w1.sum(axis=1, keepdims=True) / (k - 1) - w1)
    return w


def _exact_zeros(w: np.ndarray, values: np.ndarray, baseline) -> np.ndarray:
    """Write exact 0 where the math gives 0 but round-off leaves ~1e-17 (so needs_logprob_mask can skip):
    groups whose values are all 0, and, with a baseline, groups whose values are all equal."""
    flat = np.all(values == values[:, :1], axis=1)
    zero = flat if baseline is not None else flat & (values[:, 0] == 0)
    w[zero] = 0.0
    return w


def pass_at_k_weights(rewards, k: int, baseline: str | None = None) -> np.ndarray:
    """Per-sample credit with E[Σ_j w_j ∇log π(y_j)] = ∇ pass@k exactly, for n ≥ k i.i.d. samples.

    ``rewards``: [P, n] binary. ``baseline``: None, "loo" (n > k) or "loo-1" (k ≥ 2); see the module
    docstring. Without a baseline, correct samples get k/n and incorrect ones
    (k/n)·[1 − C(n−1−c, k−1)/C(n−1, k−1)] (prior-art.md §2.2). With "loo-1", correct samples get
    C(n−c, k−1)/C(n, k) (the subsets in which they are the only correct one) and incorrect ones 0.
    """
    rewards = check_binary(as_2d(rewards, "rewards"), "rewards")
    n = rewards.shape[1]
    k = check_k(k, n)
    _check_baseline(baseline, n, k)
    if baseline == "loo-1":
        c = rewards.sum(axis=1, keepdims=True)
        w = np.where(rewards == 1.0, binom_ratio(n - c, k - 1, n, k), 0.0)
    else:
        w = _with_baseline(lambda kk: _binary_credit(rewards, kk), n, k, baseline)
    return _exact_zeros(w, rewards, baseline)


def bon_at_k_weights(scores, rewards, k: int, baseline: str | None = None) -> np.ndarray:
    """Per-sample credit with E[Σ_j w_j ∇log π(y_j)] = ∇ BoN@k exactly (verifier ``scores``, uniform ties).

    BoN@k = E[R of the highest-scored of k i.i.d. samples]. ``rewards`` may be any real values (then the
    target is the expected value of the selected sample, PKPO's max_g@k with order = score); with
    ``scores = rewards`` this is pass@k. ``baseline`` as in :func:`pass_at_k_weights`; with "loo-1" a
    sample that cannot be in the top block of any k-subset (fewer than k samples score ≤ it) gets 0.
    """
    scores = as_2d(scores, "scores")
    rewards = as_2d(rewards, "rewards")
    if scores.shape != rewards.shape:
        raise BonawareError(f"scores has shape {scores.shape}, rewards have {rewards.shape}")
    n = rewards.shape[1]
    k = check_k(k, n)
    _check_baseline(baseline, n, k)
    blocks = tie_blocks(scores)
    w = _with_baseline(lambda kk: _ranked_credit(blocks, rewards, kk), n, k, baseline)
    if baseline == "loo-1":
        order, below, size = blocks
        w[unsort(below + size, order) < k] = 0.0
    return _exact_zeros(w, rewards, baseline)


@register_objective(
    "pass_at_k",
    description="exact unbiased ∇pass@k from n ≥ k samples (PKPO-style credit; optional LOO baselines)",
)
def pass_at_k(batch: GroupBatch, *, k: int = 1, baseline: str | None = None) -> Weights:
    """E[Σ_j w_j ∇log π(y_j)] = ∇ pass@k(x) exactly (docs/objectives/pass_at_k.md)."""
    w = pass_at_k_weights(batch.rewards, k, baseline)
    return Weights(w, None, group_stats(batch.rewards, w))


@register_objective(
    "bon_at_k",
    description="exact unbiased ∇BoN@k with the verifier as selector, uniform ties (optional LOO baselines)",
)
def bon_at_k(batch: GroupBatch, *, k: int = 1, baseline: str | None = None) -> Weights:
    """E[Σ_j w_j ∇log π(y_j)] = ∇ BoN@k(x) exactly, selecting by ``batch.scores``.

    ``scores=None`` selects by the rewards, which makes this pass@k.
    """
    w = bon_at_k_weights(batch.selector, batch.rewards, k, baseline)
    return Weights(w, None, group_stats(batch.rewards, w))
