"""Vectorised ranking machinery: tie blocks, stable binomial ratios, BoN selection, win rates.

All functions work row-wise on [P, n] arrays (one row per prompt) without Python loops over prompts.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammaln

from bonaware.errors import BonawareError


def binom_ratio(a, b, n: int, k: int) -> np.ndarray:
    """C(a, b) / C(n, k) elementwise, via log-gamma (no overflow, ~1e-13 relative error for n ≤ 10⁴).

    C(a, b) is 0 outside 0 ≤ b ≤ a, which is the convention every credit formula below needs.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    valid = (b >= 0) & (a >= b)
    a_ = np.where(valid, a, 0.0)
    b_ = np.where(valid, b, 0.0)
    log_ab = gammaln(a_ + 1) - gammaln(b_ + 1) - gammaln(a_ - b_ + 1)
    log_nk = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    return np.where(valid, np.exp(log_ab - log_nk), 0.0)


def tie_blocks(scores: np.ndarray):
    """Sort each row ascending and describe its blocks of tied scores.

    Returns ``order`` (argsort per row) and, per *sorted* position, ``below`` = number of samples with a
    strictly lower score (L) and ``size`` = size of the position's tie block (m); the block spans sorted
    positions [L, L + m).
    """
    P, n = scores.shape
    order = np.argsort(scores, axis=1, kind="stable")
    s = np.take_along_axis(scores, order, axis=1)
    idx = np.broadcast_to(np.arange(n), (P, n))
    starts = np.ones((P, n), dtype=bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]
    below = np.maximum.accumulate(np.where(starts, idx, 0), axis=1)
    ends = np.ones((P, n), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    upto = np.minimum.accumulate(np.where(ends, idx + 1, n)[:, ::-1], axis=1)[:, ::-1]
    return order, below, upto - below


def unsort(sorted_values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Inverse of ``np.take_along_axis(x, order, 1)``."""
    out = np.empty_like(sorted_values)
    np.put_along_axis(out, order, sorted_values, axis=1)
    return out


def top_selection(scores: np.ndarray, tie_break: str) -> np.ndarray:
    """[P, n] probability that each sample is the BoN (argmax-score) pick.

    ``"split"``: 1/m on each of the m samples tied at the top — the expectation over a uniform random
    tie-break, so the result is permutation-equivariant. ``"first"``: 1 on the lowest-index top
    sample; since samples are i.i.d. (exchangeable) this has the same expectation as a uniform
    tie-break, but one sample per prompt carries all the weight (as in the paper's algorithms).
    """
    top = scores == scores.max(axis=1, keepdims=True)
    if tie_break == "split":
        return top / top.sum(axis=1, keepdims=True)
    if tie_break == "first":
        sel = np.zeros_like(scores)
        sel[np.arange(scores.shape[0]), np.argmax(top, axis=1)] = 1.0
        return sel
    raise BonawareError(f"tie_break must be 'split' or 'first', got {tie_break!r}")


def pairwise_win(diff: np.ndarray, kind: str, scale: float) -> np.ndarray:
    """Win-rate kernel of diff = r(y) − r(y′): σ(scale·diff) (paper.md §2.1, practical Q) or 1{diff ≥ 0}."""
    if kind == "sigmoid":
        return expit(scale * diff)
    if kind == "hard":
        return (diff >= 0).astype(np.float64)
    raise BonawareError(f"win_rate must be 'sigmoid' or 'hard', got {kind!r}")
