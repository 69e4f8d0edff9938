"""BoN-RLB (Lemma 3, Alg. 3) and BoN-RLB(P) (Corollary 4, Alg. 2): binary-reward closed-form weights.

paper.md §3.3–3.4. With p = P_fail(x) and A(x) = E_π[1{R=1} ∇log π(y|x)] = ∇P(R=1), the exact
gradient of the BoN-with-R objective J = pass@N = 1 − p^N is ∇J = N p^{N−1} A (paper.md §3.3 checks).
Using the binary BoN distribution (Eq. 8), π_bon(y) = π(y)(1−p^N)/(1−p) for correct y and π(y)p^{N−1}
for incorrect y, with N = the group size.

P_fail comes from ``batch.p_fail`` (a value head, paper App. B) or, by default, the group's empirical
failure rate (Algorithms 2–3); it is clipped to ``clip`` = [0.01, 0.99] (paper Table 2), which bounds
g⁺ and g⁻. The empirical estimate uses the same samples, so it is biased; the exactness claims below
assume an oracle (independent, exact) p.
"""

from __future__ import annotations

import numpy as np

from bonaware.errors import BonawareError
from bonaware.objectives._ranking import top_selection
from bonaware.objectives.core import (
    GroupBatch,
    Weights,
    check_choice,
    check_int,
    check_real,
    group_stats,
    register_objective,
)


def _p_fail(p_fail, clip) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_fail, dtype=np.float64)
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise BonawareError("p_fail must be finite and lie in [0, 1]")
    if clip is None:
        return p, np.zeros(p.shape, dtype=bool)
    if len(clip) != 2:
        raise BonawareError(f"clip must be a (low, high) pair or None, got {clip!r}")
    lo = check_real(clip[0], "clip[0]", low=0.0, high=1.0)
    hi = check_real(clip[1], "clip[1]", low=0.0, high=1.0)
    if lo > hi:
        raise BonawareError(f"clip must satisfy low <= high, got {clip!r}")
    clipped = np.clip(p, lo, hi)
    return clipped, clipped != p


def _geometric_sum(p: np.ndarray, N: int) -> np.ndarray:
    """Σ_{j<N} p^j = (1 − p^N)/(1 − p), computed without cancellation near p = 1 (N at p = 1, 1 at p = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(p)
        s = np.expm1(N * logp) / np.expm1(logp)
    return np.where(p >= 1.0, float(N), np.where(p <= 0.0, 1.0, s))


def bon_rlb_weights(p_fail, N: int, clip=(0.01, 0.99)) -> tuple[np.ndarray, np.ndarray]:
    """Lemma 3 / Eq. 9: g⁺_N(p) = N p^{N−1}/(1 − p^N) and g⁻(p) = N p/(1 − p), with p clipped to ``clip``.

    Returns ``(g_plus, g_minus)`` with the shape of ``p_fail``. g⁻ is infinite at p = 1, so with
    ``clip=None`` a p_fail of exactly 1 raises BonawareError.
    """
    N = check_int(N, "N")
    p, _ = _p_fail(p_fail, clip)
    if np.any(p >= 1.0):
        raise BonawareError("p_fail = 1 makes g⁻ = N p/(1 − p) infinite; clip it (paper: [0.01, 0.99])")
    g_plus = N * p ** (N - 1) / (1.0 - p) / _geometric_sum(p, N)
    g_minus = N * p / (1.0 - p)
    return g_plus, g_minus


def bon_rlb_p_weights(p_fail, N: int, clip=(0.01, 0.99)) -> np.ndarray:
    """Corollary 4: ḡ⁺_N(p) = N p^{N−1}(1 − p)/(1 − p^N) = N p^{N−1}/Σ_{j<N} p^j ∈ [0, 1].

    ``p_fail`` is clipped to ``clip`` first (paper Table 2: [0.01, 0.99]; ``None`` = no clipping).
    """
    N = check_int(N, "N")
    p, _ = _p_fail(p_fail, clip)
    return N * p ** (N - 1) / _geometric_sum(p, N)


def _group_p(batch: GroupBatch, clip):
    raw = 1.0 - batch.rewards.mean(axis=1) if batch.p_fail is None else batch.p_fail
    p, was_clipped = _p_fail(raw, clip)
    return p, was_clipped


def _resolve_N(N, n: int, apply_to: str) -> int:
    if N is None:
        return n
    N = check_int(N, "N")
    if apply_to == "bon_sample" and n != N:
        raise BonawareError(
            f"apply_to='bon_sample' selects the best of the n = {n} group samples, "
            f"so N must equal n (got N = {N})"
        )
    return N


def _clip_magnitude(w: np.ndarray, max_weight) -> tuple[np.ndarray, float]:
    if max_weight is None:
        return w, 0.0
    max_weight = check_real(max_weight, "max_weight", low=0.0)
    clipped = np.abs(w) > max_weight
    return np.clip(w, -max_weight, max_weight), float(clipped.mean())


@register_objective(
    "bon_rlb",
    description="BoN-RLB (paper Lemma 3, Alg. 3): +g⁺ on correct / −g⁻ on incorrect BoN samples; "
    "biased by (1+p)/(1−p) vs ∇pass@N",
)
def bon_rlb(
    batch: GroupBatch,
    *,
    N: int | None = None,
    apply_to: str = "bon_sample",
    clip: tuple[float, float] | None = (0.01, 0.99),
    max_weight: float | None = None,
    tie_break: str = "split",
) -> Weights:
    """BoN-RLB (paper.md §3.3, Lemma 3 / Eq. 9, Algorithm 3). Not an unbiased estimate of ∇pass@N.

    ``apply_to="bon_sample"`` (Algorithm 3): the BoN sample (selected by R, ties split uniformly or
    ``tie_break="first"``) gets +g⁺_N(p) if correct and −g⁻(p) if not; N = n. It is negative only when
    all n samples fail. With an oracle p, since the BoN sample is distributed as π_bon:

        E[Σ_j w_j ∇log π(y_j)] = g⁺ E_π_bon[R ∇log π] − g⁻ E_π_bon[(1−R) ∇log π]
                               = (1+p)/(1−p) · N p^{N−1} A = (1+p)/(1−p) · ∇(1 − p^N),

    i.e. an ascent direction with an extra per-prompt factor (1+p)/(1−p) (paper.md §3.3, §8 item 4).
    That needs an oracle p: with the default group estimate clipped to [0.01, 0.99], all-failed
    groups (p = 0.99, weight −99N) alone contribute exactly 99·∇(1 − p^N), so the expected update is
    ≈ 100× ∇pass@N (tests/objectives/test_bon_rlb_exact.py, docs/objectives/bon_rlb.md).

    ``apply_to="all"`` (the zero-rewards-rl reading, paper.md §10): every correct sample gets +g⁺_N(p)/n
    and every incorrect one −g⁻(p)/n (1/n: a mean over the group), N free. With an oracle p,
    E = (g⁺ + g⁻) A = (g⁺ + g⁻)/(N p^{N−1}) · ∇(1 − p^N).

    ``max_weight`` clips |g| before the 1/n (zero-rewards-rl uses 3.0). Zero-information groups are
    *not* zeroed: an all-wrong group has p = 0.99 after clipping and gets −g⁻ = −99N (on its BoN sample).
    """
    check_choice(apply_to, "apply_to", ("bon_sample", "all"))
    n = batch.group_size
    N = _resolve_N(N, n, apply_to)
    p, p_clipped = _group_p(batch, clip)
    g_plus, g_minus = bon_rlb_weights(p, N, clip=None)
    R = batch.rewards
    per_sample = np.where(R == 1.0, g_plus[:, None], -g_minus[:, None])
    per_sample, frac_w = _clip_magnitude(per_sample, max_weight)
    if apply_to == "bon_sample":
        w = per_sample * top_selection(R, tie_break)
    else:
        w = per_sample / n
    stats = group_stats(
        R,
        w,
        frac_p_fail_clipped=p_clipped.mean(),
        frac_weight_clipped=frac_w,
        mean_g_plus=g_plus.mean(),
        mean_g_minus=g_minus.mean(),
    )
    return Weights(w, None, stats)


@register_objective(
    "bon_rlb_p",
    description="BoN-RLB(P) (paper Corollary 4, Alg. 2): positives only, ḡ⁺ ∈ [0,1]; "
    "exact ∇pass@N with oracle P_fail",
)
def bon_rlb_p(
    batch: GroupBatch,
    *,
    N: int | None = None,
    apply_to: str = "bon_sample",
    clip: tuple[float, float] | None = (0.01, 0.99),
    tie_break: str = "split",
) -> Weights:
    """BoN-RLB(P) (paper.md §3.4, Corollary 4 / Algorithm 2). With an oracle p: E = ∇(1 − p^N) = ∇pass@N.

    ``apply_to="bon_sample"`` (Algorithm 2): the BoN sample gets ḡ⁺_N(p) if it is correct (N = n).
    Since E_π_bon[R ∇log π] = (1−p^N)/(1−p)·A, E[Σ_j w_j ∇log π(y_j)] = ḡ⁺ (1−p^N)/(1−p) A = N p^{N−1} A.

    ``apply_to="all"``: estimate Corollary 4's unnormalised E_π_bon[1{R=1}∇log π] from all n samples
    with the importance weight π_bon/π = (1−p^N)/(1−p) on correct samples, i.e. every correct sample gets

        w = ḡ⁺_N(p)·(1 − p^N)/((1 − p)·n) = N p^{N−1} / n,

    so E[Σ_j w_j ∇log π(y_j)] = n·(N p^{N−1}/n)·A = ∇(1 − p^N) exactly for *any* group size n and target N.

    Incorrect samples always get 0; all-wrong groups get 0 everywhere. All-correct groups get the
    tiny weight at the clipped p = 0.01 (exactly 0 with ``clip=None``).
    """
    check_choice(apply_to, "apply_to", ("bon_sample", "all"))
    n = batch.group_size
    N = _resolve_N(N, n, apply_to)
    p, p_clipped = _group_p(batch, clip)
    R = batch.rewards
    if apply_to == "bon_sample":
        g_bar = bon_rlb_p_weights(p, N, clip=None)
        w = g_bar[:, None] * R * top_selection(R, tie_break)
    else:
        g_bar = N * p ** (N - 1) / n
        w = g_bar[:, None] * R
    stats = group_stats(R, w, frac_p_fail_clipped=p_clipped.mean(), mean_positive_weight=g_bar.mean())
    return Weights(w, None, stats)
