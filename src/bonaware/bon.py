"""Best-of-N policy math (paper.md §2).

Everything here is numpy/scipy only and exact.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from bonaware.errors import BonawareError


def _check_n(N) -> int:
    if isinstance(N, (bool, np.bool_)):
        raise BonawareError(f"N must be a positive integer, got the bool {N!r}")
    if not isinstance(N, numbers.Integral):
        if isinstance(N, numbers.Real) and float(N).is_integer():
            N = int(N)
        else:
            raise BonawareError(f"N must be a positive integer, got {N!r}")
    if N < 1:
        raise BonawareError(f"N must be a positive integer (N >= 1), got {N}")
    return int(N)


def tilted_kl(lam: float) -> float:
    """KL(tilted ‖ π) when the win rate Q is Uniform[0, 1] under π (paper.md §2.1, corrected Eq. 11 LHS).

    [(λ−1)e^λ + 1]/(e^λ − 1) − log((e^λ − 1)/λ), written as
    λ·e^{−λ}/(1 − e^{−λ}) − 1 + log λ − log1p(−e^{−λ}) so that it neither overflows nor cancels.
    """
    if lam <= 0:
        return 0.0
    tail = math.exp(-lam)
    return lam * tail / -math.expm1(-lam) - 1.0 + math.log(lam) - math.log1p(-tail)


def bon_kl(N: int) -> float:
    """KL(π_bon ‖ π) = log N − (N − 1)/N for unique scores (Beirami et al. 2024; RHS of Eq. 11)."""
    N = _check_n(N)
    return math.log(N) - (N - 1) / N


@functools.lru_cache(maxsize=4096)
def _lambda_scalar(N: int) -> float:
    if N == 1:
        return 0.0
    target = bon_kl(N)
    hi = 2.0 * N + 10.0  # λ_N ≈ N + 1 (paper.md §2.1 table), so the root is well inside
    return float(brentq(lambda lam: tilted_kl(lam) - target, 1e-12, hi, xtol=1e-12, rtol=1e-12, maxiter=500))


def lambda_n(N):
    """λ_N of the variational BoN policy π ∝ π·exp(λ_N Q) (paper.md §2.1, Eq. 3 and corrected Eq. 11).

    Solves [(λ−1)e^λ + 1]/(e^λ − 1) − log((e^λ − 1)/λ) = log N − (N − 1)/N with scipy's brentq, so
    the tilted policy sits at the same KL from π as true BoN (the typeset Eq. 11 LHS is a typo,
    paper.md §8 item 1). λ_1 = 0, λ_2 ≈ 2.29, λ_4 ≈ 4.92, λ_8 ≈ 9.06, λ_16 ≈ 17.03, λ_32 ≈ 33.02.
    Cached; accepts an int or an integer array (returns an array of the same shape).
    """
    if np.ndim(N) == 0:
        return _lambda_scalar(_check_n(N.item() if isinstance(N, np.generic) else N))
    arr = np.asarray(N)
    out = np.empty(arr.shape, dtype=float)
    for idx, v in np.ndenumerate(arr):
        out[idx] = _lambda_scalar(_check_n(v.item() if isinstance(v, np.generic) else v))
    return out


# --------------------------------------------------------------------------------------------------
# Finite outcome sets: exact BoN distribution, binary closed form, tilting, win rate (paper.md §2).
# Arrays are [..., K]: K outcomes on the last axis, any leading batch axes.


def _check_probs(probs, name: str = "probs") -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise BonawareError(f"{name} must have at least one outcome on its last axis, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise BonawareError(f"{name} contains NaN or inf")
    if np.any(p < 0):
        raise BonawareError(f"{name} contains negative probabilities")
    total = p.sum(axis=-1, keepdims=True)
    if np.any(np.abs(total - 1.0) > 1e-6):
        raise BonawareError(f"{name} must sum to 1 over its last axis (got sums in "
                            f"[{total.min():.6g}, {total.max():.6g}])")
    return p / total  # remove rounding drift so that masses below sum to exactly ~1


def _check_like(values, p: np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.shape != p.shape:
        raise BonawareError(f"{name} has shape {v.shape}, expected the shape of probs {p.shape}")
    if not np.all(np.isfinite(v)):
        raise BonawareError(f"{name} contains NaN or inf")
    return v


def _bon_row(p: np.ndarray, s: np.ndarray, N: int) -> np.ndarray:
    order = np.argsort(s, kind="stable")
    s_sorted, p_sorted = s[order], p[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    block_mass = np.add.reduceat(p_sorted, starts)          # summed per block: no cancellation
    # F(b) = mass scoring ≤ block b. Summed from below for the low blocks and as 1 − (mass above)
    # for the high ones, so the top block gets F = 1 exactly and F^N stays exact for large N.
    below = np.r_[0.0, np.cumsum(block_mass)[:-1]]
    above = np.r_[np.cumsum(block_mass[::-1])[::-1][1:], 0.0]
    upto = np.clip(np.where(below < 0.5, below + block_mass, 1.0 - above), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # F(b)^N − F(b−)^N = F(b)^N · (1 − (1 − m_b/F(b))^N), via expm1/log1p so tiny blocks keep
        # their relative precision instead of cancelling.
        p_block = upto**N * -np.expm1(N * np.log1p(-np.minimum(block_mass / upto, 1.0)))
        share = np.where(block_mass > 0, p_block / block_mass, 0.0)
    block_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(s_sorted)]))
    out = np.empty_like(p)
    out[order] = p_sorted * share[block_of]
    return out


def bon_distribution(probs, scores, N: int) -> np.ndarray:
    """Exact Best-of-N distribution over a finite outcome set (paper.md §2, Eq. 1; §2.2 general form).

    Draw N i.i.d. outcomes from ``probs`` and return the one with the highest ``scores``; among
    tied maxima pick one uniformly at random. With F(b) the mass scoring ≤ block b and F(b−) the
    mass scoring < b (a *block* is a set of outcomes with exactly equal score),

        P(best block = b) = F(b)^N − F(b−)^N,
        π_bon(y) = π(y) / π(block(y)) · P(best block = block(y)).

    Within a block the uniform tie-break makes every drawn copy equally likely to win, so the
    block's mass is split in proportion to π (exchangeability). For unique scores this is the
    continuous form N·π(y)·F(r(y))^{N−1} up to the discrete correction; for binary scores it is
    Eq. 8 (:func:`bon_binary`). ``probs``/``scores``: ``[..., K]``; returns ``[..., K]``.
    """
    N = _check_n(N)
    p = _check_probs(probs)
    s = _check_like(scores, p, "scores")
    out = np.empty_like(p)
    for idx in np.ndindex(p.shape[:-1]):
        out[idx] = _bon_row(p[idx], s[idx], N)
    return out


def bon_binary(probs, correct, N: int) -> np.ndarray:
    """Eq. 8 (paper.md §2.2; Sessa et al. 2024, Thm. 1): BoN with a binary verifier r = R ∈ {0, 1}.

        π_bon(y) = π(y) · p^{N−1}                  if R(y) = 0,
        π_bon(y) = π(y) · (1 − p^N) / (1 − p)      if R(y) = 1,      p = P_fail = π(R = 0).

    (1 − p^N)/(1 − p) = Σ_{m<N} p^m is evaluated as −expm1(N log p)/(1 − p) with 1 − p summed
    directly from the correct outcomes, and tends to N when no outcome is correct.
    """
    N = _check_n(N)
    p = _check_probs(probs)
    r = _check_like(correct, p, "correct")
    if not np.all((r == 0) | (r == 1)):
        raise BonawareError("correct must be binary (0/1 or bool)")
    p_correct = np.sum(p * r, axis=-1, keepdims=True)
    p_fail = np.sum(p * (1 - r), axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(p_correct > 0, -np.expm1(N * np.log(p_fail)) / p_correct, float(N))
    return np.where(r == 1, p * pos, p * p_fail ** (N - 1))


def tilted_policy(probs, q, lam: float) -> np.ndarray:
    """Exponentially tilted policy π(y)·exp(λ q(y)) / Z (paper.md §2.1, Eq. 3; Z = E_π[exp(λ q)]).

    With q = Q_π (:func:`win_rate`) and λ = :func:`lambda_n` (N) this is the variational BoN policy.
    Computed in log space with the maximum subtracted, so large λ·q cannot overflow.
    Outcomes with π(y) = 0 keep probability 0. ``probs``/``q``: ``[..., K]``.
    """
    p = _check_probs(probs)
    qv = _check_like(q, p, "q")
    lam = float(lam)
    if not math.isfinite(lam):
        raise BonawareError(f"lam must be finite, got {lam}")
    with np.errstate(divide="ignore"):
        logits = np.log(p) + lam * qv
    logits -= logits.max(axis=-1, keepdims=True)
    w = np.exp(logits)
    return w / w.sum(axis=-1, keepdims=True)


def win_rate(probs, scores, kind: str = "hard", *, temperature: float = 1.0) -> np.ndarray:
    """Win rate Q_π(y) of every outcome against a fresh draw y' ∼ π (paper.md §2.1).

    * ``kind="hard"``:    Q_π(y) = E_{y'∼π}[1{r(y) ≥ r(y')}] — the CDF of y's score under π
      (ties count as wins, as in the paper's definition).
    * ``kind="sigmoid"``: Q_π(y) ≈ E_{y'∼π}[σ((r(y) − r(y')) / temperature)] — the paper's
      practical smooth form (p.5). The paper writes σ(r(y) − r(y')), i.e. ``temperature=1``; the
      scale of r inside σ (probability vs. logit) is UNCONFIRMED in the paper (paper.md §2.1), so
      it is exposed here. Note σ(0) = 1/2, so ties count half, and Q never reaches 0 or 1.

    ``probs``/``scores``: ``[..., K]``; returns ``[..., K]``. The sigmoid form is O(K²) per row.
    """
    p = _check_probs(probs)
    s = _check_like(scores, p, "scores")
    if kind == "hard":
        out = np.empty_like(p)
        for idx in np.ndindex(p.shape[:-1]):
            order = np.argsort(s[idx], kind="stable")
            cdf = np.r_[0.0, np.cumsum(p[idx][order])]
            out[idx] = cdf[np.searchsorted(s[idx][order], s[idx], side="right")]
        return np.minimum(out, 1.0)
    if kind == "sigmoid":
        temperature = float(temperature)
        if not (math.isfinite(temperature) and temperature > 0):
            raise BonawareError(f"temperature must be a positive finite number, got {temperature}")
        diff = (s[..., :, None] - s[..., None, :]) / temperature
        return np.einsum("...ij,...j->...i", expit(diff), p)
    raise BonawareError(f"kind must be 'hard' or 'sigmoid', got {kind!r}")
