"""pass@k and verifier-selected BoN@k from n ≥ k samples, unbiased and tie-aware (prior-art.md §2.1).

Everything reduces to ratios of binomials, C(a, k) / C(n, k) = Π_{i<k} (a − i)/(n − i). They are
built as log-cumulative products (one ``log1p`` per factor, no huge binomials), as a table over
every needed (a, k) at once, so a whole [prompts × k] curve is a table lookup or one matmul.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from bonaware.errors import BonawareError
from bonaware.estimators._checks import as_rows, binary, finite_float, integers, ks_for, scalar_k

_MAX_TABLE = 1 << 24  # entries; beyond this the log-ratio table falls back to gammaln


def log_choose_ratio(n: int, a, ks) -> np.ndarray:
    """``log(C(a, k) / C(n, k))`` for every a in ``a`` [A] and k in ``ks`` [K] → [A, K].

    −inf where a < k. Exact product form Σ_{i<k} log1p(−(n − a)/(n − i)): each factor keeps
    full relative precision, so 1 − exp(·) (pass@k) does not cancel when pass@k is tiny. Very
    large tables (A·max k > 2^24) use gammaln instead (absolute log error ~1e-16·log n!).
    """
    a = np.asarray(a, dtype=np.int64).reshape(-1)
    ks = np.asarray(ks, dtype=np.int64).reshape(-1)
    kmax = int(ks.max()) if ks.size else 0
    if a.size * kmax > _MAX_TABLE:
        with np.errstate(invalid="ignore"):
            out = (gammaln(a[:, None] + 1.0) - gammaln(a[:, None] - ks[None, :] + 1.0)
                   - gammaln(n + 1.0) + gammaln(n - ks[None, :] + 1.0))
        return np.where(a[:, None] >= ks[None, :], out, -np.inf)
    i = np.arange(kmax)
    with np.errstate(divide="ignore", invalid="ignore"):  # masked entries may be log1p(<−1)
        terms = np.where(i[None, :] < a[:, None],
                         np.log1p(-(n - a[:, None]) / np.maximum(n - i[None, :], 1)), -np.inf)
    cum = np.concatenate([np.zeros((a.size, 1)), np.cumsum(terms, axis=1)], axis=1)
    return cum[:, ks]


def pass_at_k(n, c, k):
    """Unbiased pass@k = 1 − C(n − c, k)/C(n, k) (Chen et al. 2021; prior-art.md §2.1).

    The probability that a uniformly random k-subset of n samples, c of them correct, holds at
    least one correct sample. ``n``, ``c``, ``k`` broadcast against each other (ints or int
    arrays); returns a float or an array of the broadcast shape. Equals 1 when n − c < k.
    Computed with the stable product form (:func:`log_choose_ratio`), exact for n in the
    thousands; see :func:`pass_at_k_curve` for every k at once.
    """
    n_arr, c_arr, k_arr = np.broadcast_arrays(integers(n, "n"), integers(c, "c"), integers(k, "k"))
    if n_arr.size and n_arr.min() < 1:
        raise BonawareError(f"n must be ≥ 1, got {int(n_arr.min())}")
    if c_arr.size and (c_arr.min() < 0 or np.any(c_arr > n_arr)):
        raise BonawareError("c must satisfy 0 ≤ c ≤ n (number of correct samples)")
    if k_arr.size and k_arr.min() < 1:
        raise BonawareError(f"k must be ≥ 1, got {int(k_arr.min())}")
    if np.any(k_arr > n_arr):
        raise BonawareError("k exceeds the number of samples n (an unbiased pass@k needs n ≥ k)")
    out = np.empty(n_arr.shape)
    for nv in np.unique(n_arr):
        sel = n_arr == nv
        ks, kinv = np.unique(k_arr[sel], return_inverse=True)
        table = 0.0 - np.expm1(log_choose_ratio(int(nv), np.arange(nv + 1), ks))  # [a = n − c, k]
        out[sel] = table[nv - c_arr[sel], kinv.reshape(-1)]
    return float(out) if out.ndim == 0 else out


def pass_at_k_curve(n, c, ks=None) -> np.ndarray:
    """pass@k for every k in ``ks`` (default 1..min n): shape ``broadcast(n, c).shape + (len(ks),)``.

    One table per distinct n, then a gather: 10^5 prompts × 64 k take milliseconds.
    """
    n_arr, c_arr = np.broadcast_arrays(integers(n, "n"), integers(c, "c"))
    if n_arr.size == 0:
        raise BonawareError("n and c are empty")
    if n_arr.min() < 1:
        raise BonawareError(f"n must be ≥ 1, got {int(n_arr.min())}")
    if c_arr.min() < 0 or np.any(c_arr > n_arr):
        raise BonawareError("c must satisfy 0 ≤ c ≤ n (number of correct samples)")
    ks = ks_for(ks, int(n_arr.min()))
    out = np.empty(n_arr.shape + (ks.size,))
    for nv in np.unique(n_arr):
        sel = n_arr == nv
        table = 0.0 - np.expm1(log_choose_ratio(int(nv), np.arange(nv + 1), ks))  # 0.0 −: no −0.0
        out[sel] = table[nv - c_arr[sel]]
    return out


def rank_weights(n: int, ks) -> np.ndarray:
    """W[j − 1, t] = C(j − 1, k_t − 1) / C(n, k_t): the probability that the j-th lowest of n
    distinct items is the maximum of a uniformly random k_t-subset (prior-art.md §2.1). [n, K].

    Columns sum to 1; W = 0 for j < k. Computed as (k/n)·C(j−1, k−1)/C(n−1, k−1).
    """
    n = int(n)
    ks = ks_for(ks, n)
    return (ks / n) * np.exp(log_choose_ratio(n - 1, np.arange(n), ks - 1))


def _tie_averaged_sorted(scores: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """Correctness sorted by ascending score, each entry replaced by the mean of its tie block."""
    order = np.argsort(scores, axis=1)  # order inside a tie block is irrelevant: it gets averaged
    s = np.take_along_axis(scores, order, axis=1)
    r = np.take_along_axis(correct, order, axis=1)
    new_block = np.ones(s.shape, dtype=bool)
    new_block[:, 1:] = s[:, 1:] != s[:, :-1]
    if new_block.all():
        return r
    starts = np.flatnonzero(new_block)  # rows always start a block, so blocks never span rows
    sizes = np.diff(np.append(starts, r.size))
    return np.repeat(np.add.reduceat(r.ravel(), starts) / sizes, sizes).reshape(r.shape)


def bon_at_k_curve(scores, correct, ks=None) -> np.ndarray:
    """Unbiased BoN@k for every k in ``ks`` (default 1..n): [n] → [K], [P, n] → [P, K].

    BoN@k = Σ_j W[j, k] · r̄_(j) with W = :func:`rank_weights` and r̄_(j) the correctness of the
    j-th lowest-scored sample averaged over its tie block (prior-art.md §2.1). Averaging is exact
    for a uniform tie-break: the top block is block b with probability Σ_{j∈b} W[j, k] =
    [C(A_b, k) − C(B_b, k)]/C(n, k) (A_b / B_b = samples scoring ≤ / < b), and given that, every
    member of b is equally likely to be the one selected.
    """
    s, single = as_rows(scores, "scores")
    r, _ = as_rows(correct, "correct")
    if s.shape != r.shape:
        raise BonawareError(f"scores has shape {np.shape(scores)} but correct has {np.shape(correct)}")
    s, r = finite_float(s, "scores"), binary(r, "correct")
    ks = ks_for(ks, s.shape[1])
    out = _tie_averaged_sorted(s, r) @ rank_weights(s.shape[1], ks)
    return np.clip(out[0] if single else out, 0.0, 1.0)


def bon_at_k(scores, correct, k):
    """Probability that the top-scored member of a uniformly random k-subset of the n samples is
    correct, ties in score broken uniformly (expected value). [n] → float, [P, n] → [P].

    With ``scores = correct`` this is :func:`pass_at_k`. See :func:`bon_at_k_curve`.
    """
    n = np.shape(scores)[-1] if np.ndim(scores) else 0
    out = bon_at_k_curve(scores, correct, [scalar_k(k, max(n, 1))])[..., 0]
    return float(out) if out.ndim == 0 else out
