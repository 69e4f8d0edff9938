"""maj@k: accuracy of majority voting over a uniformly random k-subset of the n samples.

prior-art.md §2.1: no simple closed form. Here it is computed exactly by a dynamic program over
answer clusters (polynomial, all k at once) when that is cheap, and otherwise by Monte Carlo over
k-subsets drawn *without* replacement, with the standard error reported (prior-art.md §4.1).

Conventions (the brute-force reference in tests/core/core_bruteforce.py implements the same):
* ``None`` (or a float NaN) means "no answer". It is sampled like any other sample but never
  wins the vote; a subset with no answer at all scores 0.
* Ties among the most frequent answers are broken uniformly at random (expected value reported).
* The winning answer is represented by a uniformly random subset member carrying it; by
  exchangeability its expected correctness is the mean correctness r̄_a of all n samples with
  that answer. If correctness is a function of the answer (the usual case) r̄_a is just that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import gammaln
from tqdm.auto import tqdm

from bonaware.errors import BonawareError
from bonaware.estimators._checks import as_rows, binary, ks_for, scalar_k


@dataclass(frozen=True)
class MajorityEstimate:
    """Result of :func:`maj_at_k` / :func:`maj_at_k_curve`.

    ``value`` and ``stderr`` have shape [P] (one k) or [P, K] (curve); one-prompt inputs drop
    the P axis. ``stderr`` is the Monte-Carlo standard error (0.0 where exact); ``exact`` [P]
    says which prompts were computed exactly.
    """

    value: np.ndarray | float
    stderr: np.ndarray | float
    exact: np.ndarray | bool


def _is_missing(a) -> bool:
    return a is None or (isinstance(a, float) and math.isnan(a))


def _encode(answers, correct: np.ndarray, single: bool):
    """Per prompt: codes [n] (−1 = no answer), cluster sizes [m], cluster mean correctness [m]."""
    P, n = correct.shape
    if isinstance(answers, (str, bytes)):
        raise BonawareError("answers must be a sequence of answers, got a single string")
    rows = [answers] if single else list(answers)
    if len(rows) != P:
        raise BonawareError(f"answers has {len(rows)} prompts but correct has {P}")
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)):
            raise BonawareError(f"answers[{i}] must be a sequence of n answers, got a string")
        row = list(row)
        if len(row) != n:
            raise BonawareError(f"answers[{i}] has {len(row)} answers but correct has n = {n}")
        ids: dict = {}
        codes = np.empty(n, dtype=np.int64)
        for j, a in enumerate(row):
            if _is_missing(a):
                codes[j] = -1
                continue
            try:
                codes[j] = ids.setdefault(a, len(ids))
            except TypeError:
                raise BonawareError(f"answers[{i}][{j}] = {a!r} is not hashable") from None
        valid = codes >= 0
        sizes = np.bincount(codes[valid], minlength=len(ids))
        rbar = np.bincount(codes[valid], weights=correct[i][valid], minlength=len(ids)) / np.maximum(sizes, 1)
        out.append((codes, sizes, rbar))
    return out


def _exact_cost(sizes: np.ndarray, n: int, kmax: int) -> float:
    m = sizes.size
    steps = np.minimum(sizes, kmax).sum() + m + min(n - sizes.sum(), kmax) + 1
    return float(steps) * (kmax + 1) * (min(kmax, int(sizes.max(initial=0))) + 1) * (m + 1)


def _maj_exact(sizes: np.ndarray, rbar: np.ndarray, n: int, kmax: int) -> np.ndarray:
    """maj@k for k = 0..kmax by a DP over clusters; returns [kmax + 1].

    State after some clusters: s samples drawn from them, the top vote count M among real answers,
    the number j of answers tied at M. W[s, M, j] = P(state | s drawn from the clusters so far)
    and V = E[1{state} · Σ_{answers tied at M} r̄]. Adding a cluster of size n_b and drawing x of
    its members multiplies by the hypergeometric C(n_old, s)·C(n_b, x)/C(n_new, s + x), so no
    huge counts appear. At the end maj@k = Σ_{M≥1, j≥1} V[k, M, j] / j (uniform tie-break).
    """
    m = sizes.size
    log_fact = gammaln(np.arange(n + 1) + 1.0)  # log i! for i ≤ n, looked up instead of recomputed per draw

    def log_comb(a: int, b: np.ndarray) -> np.ndarray:  # log C(a, b), meaningful where 0 ≤ b ≤ a
        return log_fact[a] - log_fact[b] - log_fact[np.maximum(a - b, 0)]

    width = min(kmax, int(sizes.max(initial=0))) + 1
    W = np.zeros((kmax + 1, width, m + 1))
    V = np.zeros_like(W)
    W[0, 0, 0] = 1.0
    n_old = 0
    clusters = [(n - int(sizes.sum()), None)] + [(int(b), float(r)) for b, r in zip(sizes, rbar)]
    for nb, rb in clusters:
        if nb == 0:
            continue
        n_new = n_old + nb
        new_W, new_V = np.zeros_like(W), np.zeros_like(V)
        for x in range(min(nb, kmax) + 1):
            s = np.arange(kmax + 1 - x)
            log_h = log_comb(n_old, s) + log_comb(nb, x) - log_comb(n_new, s + x)
            with np.errstate(over="ignore"):  # entries with s > n_old are meaningless and zeroed
                h = np.where(s <= n_old, np.exp(log_h), 0.0)[:, None, None]
            Ws, Vs = W[: kmax + 1 - x] * h, V[: kmax + 1 - x] * h
            if rb is None or x == 0:  # no-answer draws, or none of this answer: state unchanged
                new_W[x:] += Ws
                new_V[x:] += Vs
                continue
            new_W[x:, x + 1:] += Ws[:, x + 1:]  # x < M: still behind the leader
            new_V[x:, x + 1:] += Vs[:, x + 1:]
            new_W[x:, x, 1:] += Ws[:, x, :-1]  # x = M: one more answer tied at the top
            new_V[x:, x, 1:] += Vs[:, x, :-1] + rb * Ws[:, x, :-1]
            behind = Ws[:, :x].sum(axis=(1, 2))  # x > M: this answer is the new sole leader
            new_W[x:, x, 1] += behind
            new_V[x:, x, 1] += rb * behind
        W, V, n_old = new_W, new_V, n_new
    return (V[:, 1:, 1:] / np.arange(1, m + 1)).sum(axis=(1, 2))


@lru_cache(maxsize=8192)  # ≤ 8192 × (kmax + 1) floats
def _maj_exact_canonical(clusters: tuple[tuple[int, float], ...], n: int, kmax: int) -> np.ndarray:
    """:func:`_maj_exact` of clusters given as sorted ``(size, r̄)`` pairs, memoised: maj@k does not depend
    on the order of the clusters, and prompts of one evaluation often share their cluster shape (a tuned
    model puts most samples on one or two answers), so a report computes each shape once."""
    out = _maj_exact(np.array([c[0] for c in clusters], dtype=np.int64),
                     np.array([c[1] for c in clusters], dtype=float), n, kmax)
    out.setflags(write=False)  # shared between callers through the cache
    return out


def _maj_mc(codes: np.ndarray, rbar: np.ndarray, k: int, n_mc: int, rng) -> tuple[float, float]:
    """Mean and standard error over ``n_mc`` uniform k-subsets drawn without replacement."""
    m = rbar.size
    if m == 0:
        return 0.0, 0.0
    idx = np.argpartition(rng.random((n_mc, codes.size)), k - 1, axis=1)[:, :k]  # k smallest keys
    sub = codes[idx]
    hit = sub >= 0
    flat = (np.arange(n_mc)[:, None] * m + sub)[hit]
    counts = np.bincount(flat, minlength=n_mc * m).reshape(n_mc, m)
    top = counts.max(axis=1, keepdims=True)
    win = (counts == top) & (top > 0)
    n_win = win.sum(axis=1)
    # expected value over the tie-break instead of sampling it: same mean, less variance
    val = np.where(n_win > 0, (win * rbar).sum(axis=1) / np.maximum(n_win, 1), 0.0)
    return float(val.mean()), float(val.std(ddof=1) / math.sqrt(n_mc))


def maj_at_k_curve(answers, correct, ks=None, *, max_exact_cost: float = 2e7, n_mc: int = 2000,
                   seed: int = 0, progress: bool = False) -> MajorityEstimate:
    """maj@k for every k in ``ks`` (default 1..n). ``correct``: [n] or [P, n] binary; ``answers``:
    the matching [n] sequence or P sequences of n hashable answers (``None`` = no answer).

    Per prompt, the exact DP (:func:`_maj_exact`, all k at once) is used when its cost estimate
    (draw steps × (k+1) × (M+1) × (clusters+1) array cells) is ≤ ``max_exact_cost``; otherwise
    each k gets ``n_mc`` Monte-Carlo subsets from a generator seeded by (seed, prompt, k), so
    results do not depend on which other prompts are in the batch.
    """
    r, single = as_rows(correct, "correct")
    r = binary(r, "correct")
    P, n = r.shape
    ks = ks_for(ks, n)
    if int(n_mc) < 2:
        raise BonawareError(f"n_mc must be ≥ 2 (needed for a standard error), got {n_mc}")
    kmax = int(ks.max())
    value, stderr = np.zeros((P, ks.size)), np.zeros((P, ks.size))
    exact = np.zeros(P, dtype=bool)
    rows = _encode(answers, r, single)
    for p, (codes, sizes, rbar) in enumerate(tqdm(rows, desc="maj@k", disable=not progress)):
        if _exact_cost(sizes, n, kmax) <= max_exact_cost:
            shape = tuple(sorted(zip(sizes.tolist(), rbar.tolist()), reverse=True))
            value[p] = _maj_exact_canonical(shape, n, kmax)[ks]
            exact[p] = True
            continue
        for t, k in enumerate(ks):
            rng = np.random.default_rng([seed, p, int(k)])
            value[p, t], stderr[p, t] = _maj_mc(codes, rbar, int(k), int(n_mc), rng)
    value = np.clip(value, 0.0, 1.0)
    if single:
        return MajorityEstimate(value[0], stderr[0], bool(exact[0]))
    return MajorityEstimate(value, stderr, exact)


def maj_at_k(answers, correct, k: int, *, max_exact_cost: float = 2e7, n_mc: int = 2000,
             seed: int = 0, progress: bool = False) -> MajorityEstimate:
    """maj@k for one k: ``value``/``stderr`` are floats for one prompt, [P] arrays otherwise.

    See :func:`maj_at_k_curve` and the module docstring for the conventions.
    """
    n = np.shape(correct)[-1] if np.ndim(correct) else 1
    res = maj_at_k_curve(answers, correct, [scalar_k(k, n)], max_exact_cost=max_exact_cost,
                         n_mc=n_mc, seed=seed, progress=progress)
    if np.ndim(res.value) == 1:
        return MajorityEstimate(float(res.value[0]), float(res.stderr[0]), res.exact)
    return MajorityEstimate(res.value[:, 0], res.stderr[:, 0], res.exact)
