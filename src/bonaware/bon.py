"""Best-of-N policy math (paper.md §2).

Everything here is numpy/scipy only and exact.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from scipy.optimize import brentq

from bonaware.errors import BonawareError


def _check_n(N) -> int:
    if isinstance(N, bool) or not isinstance(N, numbers.Integral):
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
    λ/expm1(λ) − 1 + log λ − log1p(−e^{−λ}) so that it neither overflows nor cancels.
    """
    if lam <= 0:
        return 0.0
    return lam / math.expm1(lam) - 1.0 + math.log(lam) - math.log1p(-math.exp(-lam))


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
