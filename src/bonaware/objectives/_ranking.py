"""Vectorised ranking machinery: tie blocks, stable binomial ratios, BoN selection, win rates.

All functions work row-wise on [P, n] arrays (one row per prompt) without Python loops over prompts.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import expit, gammaln

from bonaware.errors import BonawareError


def binom_ratio(a, b: int, n: int, k: int) -> np.ndarray:
    """C(a, b) / C(n, k) elementwise for an integer array a ≤ n and an integer b, through log-factorials
    (no overflow; relative error ~1e-13 for n ≤ 10⁴). C(a, b) = 0 outside 0 ≤ b ≤ a, the convention the
    credit formulas need. One table over a = 0..n, then a gather: O(n) gammaln calls per call.
    """
    a = np.asarray(a)
    lf = gammaln(np.arange(n + 1) + 1.0)  # lf[m] = log m!
    table = np.zeros(n + 1)
    if 0 <= b <= n:
        m = np.arange(b, n + 1)
        table[b:] = np.exp(lf[m] - lf[b] - lf[m - b] - (lf[n] - lf[k] - lf[n - k]))
    return np.where(a >= 0, table[np.clip(a, 0, n).astype(np.int64)], 0.0)


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


def check_scale(scale) -> float:
    """The win-rate kernel's ``scale``: a finite number > 0 (σ(scale·Δr) is NaN for NaN or ±inf, and
    ranks backwards or not at all for scale ≤ 0)."""
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale) or scale <= 0:
        raise BonawareError(f"scale must be a finite number > 0, got {scale!r}")
    return float(scale)


def pairwise_win(diff: np.ndarray, kind: str, scale: float) -> np.ndarray:
    """Win-rate kernel of diff = r(y) − r(y′): σ(scale·diff) (paper.md §2.1, practical Q) or 1{diff ≥ 0}."""
    scale = check_scale(scale)
    if kind == "sigmoid":
        with np.errstate(over="ignore"):  # scale·diff may overflow to ±inf: σ is then exactly 0 or 1
            return expit(scale * diff)
    if kind == "hard":
        return (diff >= 0).astype(np.float64)
    raise BonawareError(f"win_rate must be 'sigmoid' or 'hard', got {kind!r}")
