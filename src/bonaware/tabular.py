"""Exact enumeration engine for categorical (tabular softmax) policies (docs/architecture.md).

A "prompt" is a categorical policy π = softmax(θ) over K outcomes, each with a reward R ∈ {0, 1} and
a verifier score r. For θ-gradients, ∇_θ log π(y) = e_y − π. This module computes, exactly:

* :func:`expected_weighted_score` — E over all n-tuples of i.i.d. samples of Σ_j w_j ∇_θ log π(y_j)
  (plus E[w_e]·∇_θ log π(y_e) for an expert outcome) for any objective ``f(GroupBatch) -> Weights``.
  All tuples (or multisets) are passed to the objective as one [T, n] batch.
* :func:`enumerate_samples` — the θ-independent table of all n-samples (tuples or multisets with their
  multiplicities); :meth:`SampleTable.probabilities` gives their probabilities under any π, so callers
  whose weights do not depend on θ (the toy demo) evaluate the objective once and reuse it every step.
* exact objective values and analytic gradients: pass@k, BoN@k (uniform ties), the BoN and tilted
  distributions, the BoN-SFT objective (Eq. 4); and central finite differences for any of them.

Logits may be [K] (one prompt) or [P, K] (each prompt its own policy; results gain a leading P axis).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, logsumexp, softmax

from bonaware import bon
from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective
from bonaware.objectives.core import check_choice, check_int, check_real


def _rows(logits, *others):
    """Broadcast per-outcome arrays to [P, K] with the logits; returns (was_1d, logits, *others)."""
    logits = np.asarray(logits, dtype=np.float64)
    one = logits.ndim == 1
    logits = np.atleast_2d(logits)
    if logits.ndim != 2 or not np.all(np.isfinite(logits)):
        raise BonawareError(f"logits must be a finite [K] or [P, K] array, got shape {np.shape(logits)}")
    out = []
    for arr in others:
        arr = np.broadcast_to(np.asarray(arr, dtype=np.float64), logits.shape) if arr is not None else None
        out.append(arr)
    return one, logits, *out


def _squeeze(one: bool, arr: np.ndarray):
    return arr[0] if one else arr


def score_vectors(logits) -> np.ndarray:
    """[K, K] matrix whose row y is ∇_θ log π(y) = e_y − π for a [K] logit vector."""
    pi = softmax(np.asarray(logits, dtype=np.float64))
    return np.eye(pi.size) - pi[None, :]


# ---------------------------------------------------------------------------------------------------------
# enumeration


@dataclass(frozen=True)
class SampleTable:
    """Every n-sample from K outcomes, independent of the policy (so it can be reused across θ).

    ``Y`` [T, n]: one row per ordered tuple, or per multiset (one ordering, sorted); ``counts`` [T, K]:
    how often each outcome occurs in a row; ``log_coef`` [T]: log of the number of orderings of the row
    (the multinomial coefficient for multisets, 0 for tuples).
    """

    Y: np.ndarray
    counts: np.ndarray
    log_coef: np.ndarray
    multisets: bool

    def probabilities(self, pi: np.ndarray) -> np.ndarray:
        """[T] probability of each row under n i.i.d. draws from ``pi`` ([K]) or [P, T] for [P, K]."""
        one = np.ndim(pi) == 1
        pi = np.atleast_2d(np.asarray(pi, dtype=np.float64))
        if np.all(pi > 0):  # the common case: one matrix product
            out = np.exp(self.log_coef + np.log(pi) @ self.counts.T)
        else:  # 0·log 0 = 0: an outcome absent from the row contributes nothing even if π(y) = 0
            with np.errstate(divide="ignore", invalid="ignore"):
                logpi = np.log(pi)
                terms = np.where(self.counts[None] > 0, self.counts[None] * logpi[:, None, :], 0.0)
            out = np.exp(self.log_coef + terms.sum(axis=-1))
        return out[0] if one else out


def enumerate_samples(K: int, n: int, method: str = "auto", max_tuples: int = 2_000_000) -> SampleTable:
    """All n-samples of K outcomes: ``method`` "tuples" (K^n rows), "multisets" (C(K+n−1, n) rows) or
    "auto" (tuples when K^n ≤ 20,000). Raises BonawareError when the table would exceed ``max_tuples``."""
    K, n = check_int(K, "K"), check_int(n, "n")
    if method == "auto":
        method = "tuples" if K**n <= 20_000 else "multisets"
    if method == "tuples":
        if K**n > max_tuples:
            raise BonawareError(
                f"K^n = {K}^{n} tuples exceed max_tuples = {max_tuples}; use method='multisets'"
            )
        Y = np.array(list(itertools.product(range(K), repeat=n)), dtype=np.int64).reshape(-1, n)
        log_coef = np.zeros(Y.shape[0])
    elif method == "multisets":
        count = math.comb(K + n - 1, n)
        if count > max_tuples:
            raise BonawareError(
                f"{count} multisets exceed max_tuples = {max_tuples}; use fewer outcomes or samples"
            )
        Y = np.array(list(itertools.combinations_with_replacement(range(K), n)), dtype=np.int64).reshape(-1, n)
        log_coef = None
    else:
        raise BonawareError(f"method must be 'auto', 'tuples' or 'multisets', got {method!r}")
    counts = np.stack([(y == Y).sum(axis=1) for y in range(K)], axis=1)
    if log_coef is None:
        log_coef = gammaln(n + 1) - gammaln(counts + 1).sum(axis=1)
    return SampleTable(Y, counts, log_coef, method == "multisets")


def _expected_one(
    fn,
    logits,
    R,
    S,
    n,
    *,
    p_fail,
    value_baseline,
    expert_outcome,
    answers,
    method,
    max_tuples,
    check_equivariance,
    params,
) -> np.ndarray:
    pi = softmax(logits)
    K = pi.size
    table = enumerate_samples(K, n, method, max_tuples)
    Y, prob, multisets = table.Y, table.probabilities(pi), table.multisets
    T = Y.shape[0]
    if isinstance(p_fail, str):
        if p_fail != "oracle":
            raise BonawareError(f"p_fail must be a number, 'oracle' or None, got {p_fail!r}")
        p_fail = float(pi[R == 0].sum())

    def run(Yo):
        batch = GroupBatch(
            rewards=R[Yo],
            scores=None if S is None else S[Yo],
            p_fail=None if p_fail is None else np.full(T, float(p_fail)),
            baseline=None if value_baseline is None else np.full(T, float(value_baseline)),
            expert_scores=None if expert_outcome is None else np.full(T, S[expert_outcome]),
            answers=None if answers is None else np.asarray(answers, dtype=object)[Yo],
        )
        w = fn(batch, **params)
        pw = prob[:, None] * w.sample
        g = np.bincount(Yo.ravel(), weights=pw.ravel(), minlength=K) - pi * pw.sum()
        if w.expert is not None:
            if expert_outcome is None:
                raise BonawareError("the objective returned expert weights but no expert_outcome was given")
            g = g + float(prob @ w.expert) * (np.eye(K)[expert_outcome] - pi)
        return g

    g = run(Y)
    if multisets and check_equivariance:
        # one ordering per multiset is exact only for permutation-equivariant weights; a reversed
        # ordering catches the common violation (tie-breaking by index)
        g_rev = run(Y[:, ::-1])
        if not np.allclose(g, g_rev, rtol=1e-9, atol=1e-12):
            raise BonawareError(
                "the objective is not permutation-equivariant (e.g. tie_break='first'); use method='tuples'"
            )
    return g


def expected_weighted_score(
    objective,
    logits,
    rewards,
    scores=None,
    n: int = 1,
    *,
    p_fail=None,
    value_baseline=None,
    expert_outcome: int | None = None,
    answers=None,
    method: str = "auto",
    max_tuples: int = 2_000_000,
    check_equivariance: bool = True,
    **params,
) -> np.ndarray:
    """Exact E[Σ_j w_j ∇_θ log π(y_j) + w_e ∇_θ log π(y_e)] over n i.i.d. samples y_j ∼ softmax(logits).

    ``objective``: a registered name or a callable ``f(GroupBatch, **params) -> Weights``.
    ``rewards``/``scores``/``answers``: per-outcome [K] (or [P, K]) arrays; ``scores=None`` → rewards.
    ``p_fail``: None (empirical in the objective), a number, or "oracle" (the exact P(R = 0) of π).
    ``value_baseline``: b(x) passed as ``GroupBatch.baseline``. ``expert_outcome``: index of the expert
    response y_e (its verifier score becomes ``expert_scores``).
    ``method``: "tuples" enumerates all K^n ordered tuples (exact for any objective); "multisets"
    enumerates C(K+n−1, n) multisets weighted by multinomial probabilities and evaluates one ordering
    each, exact for permutation-equivariant objectives (checked against the reversed ordering);
    "auto" picks tuples when K^n ≤ 20,000. Returns [K] (or [P, K]).
    """
    n = check_int(n, "n")
    fn = get_objective(objective) if isinstance(objective, str) else objective
    if not callable(fn):
        raise BonawareError(f"objective must be a registered name or a callable, got {objective!r}")
    one, L, R, S = _rows(logits, rewards, scores)
    out = np.stack(
        [
            _expected_one(
                fn,
                L[i],
                R[i],
                None if S is None else S[i],
                n,
                p_fail=p_fail,
                value_baseline=value_baseline,
                expert_outcome=expert_outcome,
                answers=answers,
                method=method,
                max_tuples=max_tuples,
                check_equivariance=check_equivariance,
                params=params,
            )
            for i in range(L.shape[0])
        ]
    )
    return _squeeze(one, out)


# ---------------------------------------------------------------------------------------------------------
# exact objective values and gradients


def success_probability(logits, rewards):
    """P(R = 1) under softmax(logits) ([K] → scalar, [P, K] → [P])."""
    one, L, R = _rows(logits, rewards)
    return _squeeze(one, (softmax(L, axis=1) * R).sum(axis=1))


def pass_at_k_value(logits, rewards, k: int):
    """pass@k = 1 − P(R = 0)^k."""
    k = check_int(k, "k")
    one, L, R = _rows(logits, rewards)
    q = (softmax(L, axis=1) * (1 - R)).sum(axis=1)
    return _squeeze(one, 1.0 - q**k)


def pass_at_k_grad(logits, rewards, k: int):
    """Analytic ∇_θ pass@k = −k q^{k−1} ∇q, with ∇q = Σ_{R(y)=0} π(y)(e_y − π)."""
    k = check_int(k, "k")
    one, L, R = _rows(logits, rewards)
    pi = softmax(L, axis=1)
    q = (pi * (1 - R)).sum(axis=1, keepdims=True)
    grad_q = pi * (1 - R) - pi * q
    return _squeeze(one, -k * q ** (k - 1) * grad_q)


def _levels(S: np.ndarray):
    levels, inverse = np.unique(S, return_inverse=True)
    return levels.size, inverse.reshape(-1)


def bon_distribution(logits, scores, k: int):
    """P(the BoN-of-k pick is outcome y), ties broken uniformly: :func:`bonaware.bon.bon_distribution`
    applied to softmax(logits) (paper.md §2, Eq. 1), with this module's [K] / [P, K] broadcasting."""
    k = check_int(k, "k")
    one, L, S = _rows(logits, scores)
    return _squeeze(one, bon.bon_distribution(softmax(L, axis=1), S, k))


def bon_at_k_value(logits, rewards, scores, k: int):
    """BoN@k = E[R of the highest-scored of k i.i.d. samples], uniform ties (pass@k when scores = rewards)."""
    one, L, R, S = _rows(logits, rewards, scores)
    return _squeeze(one, (np.atleast_2d(bon_distribution(L, S, k)) * R).sum(axis=1))


def bon_at_k_grad(logits, rewards, scores, k: int):
    """Analytic ∇_θ BoN@k. With level sums G_s, F_s, m_s and level mean reward r̄_s (see bon_distribution),
    for y at level t:
    ∂V/∂π(y) = Σ_{s≥t} k G_s^{k−1} r̄_s − Σ_{s>t} k F_s^{k−1} r̄_s + (G_t^k − F_t^k)(R(y) − r̄_t)/m_t,
    and ∇_θ V = π ⊙ (∂V/∂π − π·∂V/∂π) (softmax Jacobian)."""
    k = check_int(k, "k")
    one, L, R, S = _rows(logits, rewards, scores)
    out = np.empty_like(L)
    for i in range(L.shape[0]):
        pi = softmax(L[i])
        nlev, lev = _levels(S[i])
        m = np.bincount(lev, weights=pi, minlength=nlev)
        rbar = np.bincount(lev, weights=pi * R[i], minlength=nlev) / m
        G = np.cumsum(m)
        F = G - m
        up_to = np.cumsum((k * G ** (k - 1) * rbar)[::-1])[::-1]  # Σ_{s ≥ t}
        strictly_above = np.cumsum((k * F ** (k - 1) * rbar)[::-1])[::-1] - k * F ** (k - 1) * rbar
        d = (up_to - strictly_above)[lev] + ((G**k - F**k) / m)[lev] * (R[i] - rbar[lev])
        out[i] = pi * (d - pi @ d)
    return _squeeze(one, out)


def win_rates(logits, scores, *, win_rate: str = "sigmoid", scale: float = 1.0):
    """Q(y) = E_{y′∼π}[σ(scale·(r(y) − r(y′)))] ("sigmoid", paper.md §2.1) or P(r(y′) ≤ r(y)) ("hard"):
    :func:`bonaware.bon.win_rate` on softmax(logits), with ``scale`` = 1/temperature (the objectives' σ
    convention, ``bonaware.objectives._ranking.pairwise_win``)."""
    check_choice(win_rate, "win_rate", ("sigmoid", "hard"))
    scale = check_real(scale, "scale")
    if win_rate == "sigmoid" and scale <= 0:
        raise BonawareError(f"scale must be > 0 for the sigmoid win rate, got {scale}")
    one, L, S = _rows(logits, scores)
    temperature = 1.0 / scale if win_rate == "sigmoid" else 1.0
    return _squeeze(one, bon.win_rate(softmax(L, axis=1), S, win_rate, temperature=temperature))


def tilted_distribution(logits, scores, lam: float, **win_kw):
    """π_λ(y) ∝ π(y)·exp(λ Q(y)) (paper.md §2.1, Eq. 3): :func:`bonaware.bon.tilted_policy` with Q from
    :func:`win_rates`."""
    one, L, S = _rows(logits, scores)
    Q = np.atleast_2d(win_rates(L, S, **win_kw))
    return _squeeze(one, bon.tilted_policy(softmax(L, axis=1), Q, lam))


def bon_sft_value(logits, scores, expert_outcome: int, lam: float, **win_kw):
    """Eq. 4 for one expert outcome: log π(y_e) + λ Q(y_e) − log E_π[exp(λ Q)]."""
    one, L, S = _rows(logits, scores)
    Q = np.atleast_2d(win_rates(L, S, **win_kw))
    logpi = L - logsumexp(L, axis=1, keepdims=True)
    val = logpi[:, expert_outcome] + lam * Q[:, expert_outcome] - logsumexp(logpi + lam * Q, axis=1)
    return _squeeze(one, val)


def finite_difference_grad(fn: Callable[[np.ndarray], float], logits, eps: float = 1e-5) -> np.ndarray:
    """Central finite differences of a scalar ``fn(logits)`` w.r.t. a [K] logit vector (error O(eps²))."""
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 1:
        raise BonawareError(f"finite_difference_grad takes a [K] logit vector, got shape {x.shape}")
    g = np.empty_like(x)
    for y in range(x.size):
        e = np.zeros_like(x)
        e[y] = eps
        g[y] = (fn(x + e) - fn(x - e)) / (2 * eps)
    return g
