"""BoN-RL (paper.md §3.2; Eq. 6, Lemma 2 / Eq. 7, Algorithm 4), in the variants BoN-RL-V and BoN-RL-S.

Lemma 2 is REINFORCE on the BoN-selected sample: weight (R(y*) − b(x)) on ∇log π(y*), where y* =
argmax of the selector over the n = N group samples — the verifier score r (BoN-RL-V) or the
environment reward R (BoN-RL-S). Since y* is distributed as π_bon (uniform tie-break),

    E[Σ_j w_j ∇log π(y_j)] = Σ_y π_bon(y) (R(y) − b) ∇log π(y)          (grad_form="logp", b fixed).

**This is not the true gradient** ∇J = ∇Σ_y π_bon(y) R(y) = Σ_y π_bon(y) R(y) ∇log π_bon(y): Lemma 2
replaces ∇log π_bon by ∇log π (paper A.3 drops the ∇Q term, arguing Q(y*) = 1). Two consequences:
the BoN reweighting's own gradient is missing, and the baseline is *not* free, because
E_π_bon[∇log π] ≠ 0. For binary R selected by R (BoN-RL-S), with p = P_fail and A = ∇P(R=1):
E = [(1 − b)(1 − p^N)/(1 − p) + b p^{N−1}] A, against the true ∇pass@N = N p^{N−1} A. For the exact
gradient use ``bon_at_k``/``pass_at_k`` with k = N (or ``bon_rlb_p``).

``grad_form="f"`` uses Algorithm 4's ∇f(y*) (paper.md §8 item 3): it adds
(R(y*) − b)·(λ_N/n)·σ(r* − r_j) to every sample j, the Monte-Carlo win-rate term of Eq. 5 with the
candidates reused as y′ (biased like BoN-SFT's negative phase; see bon_sft.py).

**Zero-information groups:** with b = 0, an all-wrong group gives 0; with a baseline, every group
carries (R(y*) − b) on its BoN sample (there is no within-group signal to cancel it).
"""

from __future__ import annotations

import numpy as np

from bonaware.bon import lambda_n
from bonaware.errors import BonawareError
from bonaware.objectives._ranking import check_scale, pairwise_win, top_selection
from bonaware.objectives.core import (
    GroupBatch,
    Weights,
    as_2d,
    check_choice,
    check_int,
    check_real,
    group_stats,
    register_objective,
)


def bon_rl_weights(
    scores,
    rewards,
    baseline=0.0,
    *,
    grad_form: str = "logp",
    lam: float | None = None,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> np.ndarray:
    """Lemma 2 weights: (R(y*) − b) on the BoN sample y* = argmax ``scores`` (ties: see ``top_selection``).

    ``baseline``: scalar or [P]. ``grad_form="f"`` adds Algorithm 4's (R* − b)(λ/n)σ(r* − r_j) terms
    (``lam`` defaults to λ_n with n = group size).
    """
    scores = as_2d(scores, "scores")
    rewards = as_2d(rewards, "rewards")
    if scores.shape != rewards.shape:
        raise BonawareError(f"scores has shape {scores.shape}, rewards have {rewards.shape}")
    P, n = scores.shape
    b = np.broadcast_to(np.asarray(baseline, dtype=np.float64), (P,))
    if not np.all(np.isfinite(b)):
        raise BonawareError("baseline contains NaN/inf")
    check_choice(grad_form, "grad_form", ("logp", "f"))
    check_choice(win_rate, "win_rate", ("sigmoid", "hard"))
    check_scale(scale)  # validated even where grad_form="logp" does not use it: a bad value is a typo
    sel = top_selection(scores, tie_break)
    w = sel * (rewards - b[:, None])
    if grad_form == "f":
        lam = float(lambda_n(n)) if lam is None else check_real(lam, "lam", low=0.0)
        advantage = w.sum(axis=1, keepdims=True)  # E over the tie-break of R(y*) − b
        w = w + advantage * lam / n * pairwise_win(
            scores.max(axis=1, keepdims=True) - scores, win_rate, scale
        )
    return w


def _baseline(batch: GroupBatch, mode: str, selected_reward: np.ndarray) -> np.ndarray:
    check_choice(mode, "baseline", ("auto", "value", "batch_loo", "none"))
    if mode == "auto":
        mode = "none" if batch.baseline is None else "value"
    if mode == "value":
        if batch.baseline is None:
            raise BonawareError(
                "baseline='value' needs GroupBatch.baseline (a value estimate b(x) per prompt)"
            )
        return batch.baseline
    if mode == "batch_loo":
        P = batch.num_prompts
        if P < 2:
            raise BonawareError("baseline='batch_loo' needs at least 2 prompts in the batch")
        # mean selected reward of the *other* prompts: independent of this prompt's samples, so unbiased
        return (selected_reward.sum() - selected_reward) / (P - 1)
    return np.zeros(batch.num_prompts)


def _bon_rl(
    batch: GroupBatch, selector: np.ndarray, *, baseline, grad_form, N, lam, win_rate, scale, tie_break
) -> Weights:
    n = batch.group_size
    if N is not None and check_int(N, "N") != n:
        raise BonawareError(
            f"BoN-RL selects the best of the n = {n} group samples, so N must equal n (got N = {N})"
        )
    selected_reward = (top_selection(selector, "split") * batch.rewards).sum(axis=1)
    b = _baseline(batch, baseline, selected_reward)
    w = bon_rl_weights(
        selector,
        batch.rewards,
        b,
        grad_form=grad_form,
        lam=lam,
        win_rate=win_rate,
        scale=scale,
        tie_break=tie_break,
    )
    stats = group_stats(batch.rewards, w, mean_selected_reward=selected_reward.mean(), mean_baseline=b.mean())
    return Weights(w, None, stats)


@register_objective(
    "bon_rl",
    description="BoN-RL (paper Lemma 2, Alg. 4): REINFORCE (R(y*) − b) on the BoN sample; "
    "selector = scores or rewards",
)
def bon_rl(
    batch: GroupBatch,
    *,
    selector: str = "scores",
    baseline: str = "auto",
    grad_form: str = "logp",
    N: int | None = None,
    lam: float | None = None,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> Weights:
    """E[Σ_j w_j ∇log π(y_j)] = Σ_y π_bon(y)(R(y) − b)∇log π(y) (grad_form="logp"); see bon_rl.py.

    ``selector``: "scores" (``batch.scores``, falling back to rewards when unset) or "rewards".
    ``baseline``: "auto" (``batch.baseline`` if set, else none), "value" (``batch.baseline``, the paper's
    learned b_ψ), "batch_loo" (mean selected reward of the other prompts), "none".
    ``grad_form``: "logp" (Lemma 2) or "f" (Algorithm 4, adds λ_N win-rate terms; ``lam``, ``win_rate``,
    ``scale`` as in bon_sft). ``tie_break``: "split" (uniform, equivariant) or "first" (one sample)."""
    check_choice(selector, "selector", ("scores", "rewards"))
    sel = batch.rewards if selector == "rewards" else batch.selector
    return _bon_rl(
        batch,
        sel,
        baseline=baseline,
        grad_form=grad_form,
        N=N,
        lam=lam,
        win_rate=win_rate,
        scale=scale,
        tie_break=tie_break,
    )


@register_objective(
    "bon_rl_v",
    description="BoN-RL-V (paper §3.2): BoN-RL with the learned verifier as selector",
    needs=("scores",),
)
def bon_rl_v(
    batch: GroupBatch,
    *,
    baseline: str = "auto",
    grad_form: str = "logp",
    N: int | None = None,
    lam: float | None = None,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> Weights:
    """BoN-RL-V: ``bon_rl`` with selector = verifier scores. E = Σ_y π_bon(y)(R(y) − b)∇log π(y).

    ``baseline``: "auto" (``batch.baseline`` if set, else none), "value" (``batch.baseline``, the paper's
    learned b_ψ), "batch_loo" (mean selected reward of the other prompts), "none".
    ``grad_form``: "logp" (Lemma 2) or "f" (Algorithm 4, adds λ_N win-rate terms; ``lam``, ``win_rate``,
    ``scale`` as in bon_sft). ``tie_break``: "split" (uniform, equivariant) or "first" (one sample)."""
    return _bon_rl(
        batch,
        batch.scores,
        baseline=baseline,
        grad_form=grad_form,
        N=N,
        lam=lam,
        win_rate=win_rate,
        scale=scale,
        tie_break=tie_break,
    )


@register_objective(
    "bon_rl_s",
    description="BoN-RL-S (paper §3.2): BoN-RL with the environment reward as selector",
)
def bon_rl_s(
    batch: GroupBatch,
    *,
    baseline: str = "auto",
    grad_form: str = "logp",
    N: int | None = None,
    lam: float | None = None,
    win_rate: str = "sigmoid",
    scale: float = 1.0,
    tie_break: str = "split",
) -> Weights:
    """BoN-RL-S: ``bon_rl`` with selector = rewards. E = [(1−b)(1−p^N)/(1−p) + b p^{N−1}]·∇P(R=1).

    ``baseline``: "auto" (``batch.baseline`` if set, else none), "value" (``batch.baseline``, the paper's
    learned b_ψ), "batch_loo" (mean selected reward of the other prompts), "none".
    ``grad_form``: "logp" (Lemma 2) or "f" (Algorithm 4, adds λ_N win-rate terms; ``lam``, ``win_rate``,
    ``scale`` as in bon_sft). ``tie_break``: "split" (uniform, equivariant) or "first" (one sample)."""
    return _bon_rl(
        batch,
        batch.rewards,
        baseline=baseline,
        grad_form=grad_form,
        N=N,
        lam=lam,
        win_rate=win_rate,
        scale=scale,
        tie_break=tie_break,
    )
