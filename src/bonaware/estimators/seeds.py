"""Seed-aware confidence intervals: a two-level bootstrap over training seeds *and* prompts
(issue 13; docs/statistics.md; prior-art.md §8 item 2 for the prompt level).

A fine-tuning result has two independent sources of chance: the training run (its seed: data order,
sampling, initialisation of adapters) and the evaluation prompts. ``bootstrap_ci`` covers the
second only. Here ``values[s, p]`` is training seed s's per-prompt estimate on prompt p (pass@k,
BoN@k, … — already exact expectations over that prompt's samples), and every seed is evaluated on
*the same* prompts: a crossed seeds × prompts design. One bootstrap replicate draws S seeds with
replacement and P prompts with replacement and averages ``values[s*, p*]`` over both draws — the
"pigeonhole" bootstrap of a crossed design (Owen 2007, "The pigeonhole bootstrap", Ann. Appl.
Stat.); it is the two-stage bootstrap of hierarchical data (Davison & Hinkley 1997, ch. 3) with the
prompt level crossed instead of nested. rliable (Agarwal et al., NeurIPS 2021) resamples runs within
each task (its stratified bootstrap) but keeps its tasks fixed; here the prompts are resampled too.

Replicates are computed in chunks: prompt draw counts [b, P] times the values as one matmul gives
every seed's resampled score [b, S, K], then the seed draw weights [b, S] combine them. The prompt
draws are exactly those of ``bootstrap_ci`` / ``paired_difference`` with the same ``seed``
(``prompt_draws``); the seed draws come from their own stream, so with S = 1 these functions return
the prompt-only intervals.
"""

from __future__ import annotations

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators._checks import finite_float
from bonaware.estimators.bootstrap import ConfidenceInterval, check_boot, percentile, prompt_draws

_PAIR_CELLS = 1 << 22  # replicates × seed pairs × columns per Mann–Whitney chunk


def _grid(x, name: str) -> tuple[np.ndarray, bool]:
    """[S, P] or [S, P, K] → (float [S, P, K], had_columns)."""
    arr = np.asarray(x)
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise BonawareError(f"{name} must be [seeds, prompts] or [seeds, prompts, K] with at least one seed and "
                            f"one prompt, got shape {arr.shape}")
    out = finite_float(arr, name)
    return (out if out.ndim == 3 else out[:, :, None]), arr.ndim == 3


def _pair(a, b) -> tuple[np.ndarray, np.ndarray, bool]:
    va, cols_a = _grid(a, "a")
    vb, cols_b = _grid(b, "b")
    if cols_a != cols_b or va.shape[2] != vb.shape[2]:
        raise BonawareError(f"a has shape {np.shape(a)} but b has {np.shape(b)}; both must be [seeds, prompts] or "
                            "both [seeds, prompts, K] with the same K")
    if va.shape[1] != vb.shape[1]:
        raise BonawareError(f"a has {va.shape[1]} prompts but b has {vb.shape[1]}; they must be the same prompts "
                            "in the same row order")
    return va, vb, cols_a


def _seed_weights(rng: np.random.Generator, S: int, b: int) -> np.ndarray:
    """[b, S]: how often each of S seeds is drawn (S draws with replacement) divided by S."""
    if S == 1:
        return np.ones((b, 1))
    idx = rng.integers(0, S, size=(b, S))
    flat = (np.arange(b)[:, None] * S + idx).ravel()
    return np.bincount(flat, minlength=b * S).reshape(b, S) / S


def _resampled_scores(v: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each seed's mean over the drawn prompts: [b, S, K] from counts [b, P] and v [S, P, K]."""
    S, P, K = v.shape
    flat = v.transpose(1, 0, 2).reshape(P, S * K)
    return (counts @ flat / P).reshape(-1, S, K)


def _rescaled(v: np.ndarray, rescale: bool) -> np.ndarray:
    """``v`` with every seed's deviation from the seed mean (per prompt) inflated by √(S/(S−1)).

    The bootstrap variance of a mean of S resampled values is the plug-in s²(S−1)/S², short of the
    unbiased s²/S by the factor (S−1)/S (a third at S = 3); inflating the deviations by √(S/(S−1))
    makes the seed part of the bootstrap variance unbiased (the textbook correction of the plug-in
    variance, applied to the resampled units). The seed mean — hence the point estimate — is
    unchanged; S = 1 has no deviation to inflate.
    """
    S = v.shape[0]
    if not rescale or S == 1:
        return v
    m = v.mean(axis=0, keepdims=True)
    return m + np.sqrt(S / (S - 1)) * (v - m)


def _clipped(lo, hi, *vs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval ends kept inside the range of the data: a mean of the observed values never leaves it,
    and only the √(S/(S−1)) inflation could push a replicate out (e.g. pass@k above 1)."""
    low = min(float(v.min()) for v in vs)
    high = max(float(v.max()) for v in vs)
    return np.clip(lo, low, high), np.clip(hi, low, high)


def _out(mean, lo, hi, cols: bool) -> ConfidenceInterval:
    if cols:
        return ConfidenceInterval(np.asarray(mean, float), np.asarray(lo, float), np.asarray(hi, float))
    return ConfidenceInterval(float(np.ravel(mean)[0]), float(np.ravel(lo)[0]), float(np.ravel(hi)[0]))


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Seed-draw generators of groups a and b: independent of the prompt stream ``default_rng(seed)``."""
    return np.random.default_rng([int(seed), 1]), np.random.default_rng([int(seed), 2])


def seed_bootstrap_ci(values, *, level: float = 0.95, n_boot: int = 4000, seed: int = 0,
                      rescale: bool = True) -> ConfidenceInterval:
    """Mean of ``values`` [S, P] or [S, P, K] (training seeds × prompts × optional columns, e.g. one
    per k) with a seed-aware percentile-bootstrap CI: the crossed two-level bootstrap (module doc).

    Each replicate draws S seeds with replacement and P prompts with replacement, and averages
    ``values[s*, p*]`` over all drawn (seed, prompt) pairs. **The prompt draw is shared by all drawn
    seeds** because the prompts are common to all seeds (a crossed design): a prompt that is hard
    for one seed is hard for all, and that common difficulty is one draw of prompt noise in the
    mean, not S independent ones. Drawing prompts independently per seed (a nested bootstrap)
    would average that shared noise away and understate the prompt variance by up to a factor S.

    What the interval covers: the mean score of the *configuration* — a new training seed of the
    same configuration, evaluated on new prompts from the same distribution — i.e. both the
    seed-to-seed variation of training and the choice of evaluation prompts. It is not a
    prediction interval for one run. Per-sample noise inside a prompt is already averaged out by
    the exact per-prompt estimators.

    With S = 1 this is the prompt-only bootstrap (the same interval as ``bootstrap_ci`` with the
    same ``seed``): the seed variance is then unknown and callers must say that the CI covers
    prompt noise only. With few seeds the percentile interval under-covers: a 3-point sample's
    bootstrap is narrower than the truth. ``rescale`` (default on) inflates each seed's deviation
    from the seed mean by √(S/(S−1)) before resampling, which makes the seed part of the bootstrap
    variance unbiased; the interval ends are kept inside the range of ``values``. The remaining
    shortfall is the normal-vs-Student-t gap of a 3-point sample, which no percentile interval
    closes: measured coverage of a nominal 95% interval, seed variance dominating, ≈ 0.88 at S = 3,
    0.91 at S = 5, 0.94 at S = 10 (docs/statistics.md; ``benchmarks/bench_seed_coverage.py``).

    Columns of a [S, P, K] input share the draws. Returns floats for [S, P], [K] arrays for
    [S, P, K]. Seeded: the same ``seed`` gives the same interval.
    """
    v, cols = _grid(values, "values")
    check_boot(level, n_boot)
    rng, _ = _streams(seed)
    vr = _rescaled(v, rescale)
    boot = []
    for _, counts in prompt_draws(v.shape[1], n_boot, seed):
        scores = _resampled_scores(vr, counts())
        w = _seed_weights(rng, v.shape[0], scores.shape[0])
        boot.append(np.einsum("bs,bsk->bk", w, scores))
    lo, hi = _clipped(*percentile(np.concatenate(boot), level), v)
    return _out(v.mean(axis=(0, 1)), lo, hi, cols)


def paired_seed_difference(a, b, *, level: float = 0.95, n_boot: int = 4000, seed: int = 0,
                           rescale: bool = True) -> ConfidenceInterval:
    """mean(a) − mean(b) with a seed-aware paired-bootstrap CI.

    ``a``: [Sa, P] or [Sa, P, K], ``b``: [Sb, P] or [Sb, P, K], row p of both = the same prompt. The
    two groups are independent training runs (e.g. two methods, Sa and Sb seeds, not matched),
    evaluated on the same prompts. Each replicate resamples Sa seeds of a and Sb seeds of b
    independently, and draws P prompts once, shared by both groups: paired on prompts, so prompt
    difficulty common to both methods cancels, while both groups' seed variation counts.

    A CI that excludes 0 means the difference between the two configurations is significant at
    ``level`` for new seeds and new prompts from the same distributions. With Sa = Sb = 1 it is
    the prompt-only ``paired_difference`` (callers must say so). ``rescale``: the √(S/(S−1))
    small-sample inflation of :func:`seed_bootstrap_ci`, within each group; the interval ends stay
    within [min(a) − max(b), max(a) − min(b)], where any difference of means of the data lies.
    """
    va, vb, cols = _pair(a, b)
    check_boot(level, n_boot)
    rng_a, rng_b = _streams(seed)
    ra, rb = _rescaled(va, rescale), _rescaled(vb, rescale)
    boot = []
    for _, counts in prompt_draws(va.shape[1], n_boot, seed):
        c = counts()
        sa, sb = _resampled_scores(ra, c), _resampled_scores(rb, c)
        wa, wb = _seed_weights(rng_a, va.shape[0], c.shape[0]), _seed_weights(rng_b, vb.shape[0], c.shape[0])
        boot.append(np.einsum("bs,bsk->bk", wa, sa) - np.einsum("bs,bsk->bk", wb, sb))
    lo, hi = _clipped(*percentile(np.concatenate(boot), level), np.array([va.min() - vb.max(), va.max() - vb.min()]))
    return _out(va.mean(axis=(0, 1)) - vb.mean(axis=(0, 1)), lo, hi, cols)


def _wins(sa: np.ndarray, sb: np.ndarray, tol: float) -> np.ndarray:
    """[..., Sa, Sb, K]: 1 where run a scores higher than run b, 1/2 on a tie (within ``tol``), else 0."""
    d = sa[..., :, None, :] - sb[..., None, :, :]
    return (d > tol) + 0.5 * (np.abs(d) <= tol)


def probability_of_improvement(a, b, *, level: float = 0.95, n_boot: int = 4000,
                               seed: int = 0) -> ConfidenceInterval:
    """P(A > B) of rliable (Agarwal et al., NeurIPS 2021, "Deep RL at the Edge of the Statistical
    Precipice", §4.3): the probability that a training run of configuration A scores higher than
    a training run of configuration B on this evaluation set.

    ``a`` [Sa, P(, K)] and ``b`` [Sb, P(, K)] as in :func:`paired_seed_difference`. Each run is
    scored by its mean over the prompts; the estimate is the Mann–Whitney statistic over all
    Sa × Sb pairs of runs, U / (Sa·Sb), a tie counting 1/2 (scores within 1e-9 × the largest |value|
    are ties, so float rounding never breaks one). 0.5 means no tendency either way; it says how
    *often* A beats B across training runs, not by how much (that is the paired difference).

    CI: the same two-level bootstrap — runs resampled within each group, prompts drawn once per
    replicate and shared by both groups — with the statistic recomputed on each replicate's
    rescored runs. With one seed per group the statistic is a single comparison and can only be
    0, 0.5 or 1 (and so can its replicates); it then says which run won on these prompts, not how
    likely a new run of A is to beat one of B. With [.., K] input: one value per column.
    """
    va, vb, cols = _pair(a, b)
    check_boot(level, n_boot)
    Sa, Sb, K = va.shape[0], vb.shape[0], va.shape[2]
    tol = 1e-9 * max(1.0, float(np.abs(va).max()), float(np.abs(vb).max()))
    rng_a, rng_b = _streams(seed)
    step = max(1, _PAIR_CELLS // (Sa * Sb * K))
    boot = []
    for _, counts in prompt_draws(va.shape[1], n_boot, seed):
        c = counts()
        wa, wb = _seed_weights(rng_a, Sa, c.shape[0]), _seed_weights(rng_b, Sb, c.shape[0])
        for i in range(0, c.shape[0], step):
            part = slice(i, i + step)
            wins = _wins(_resampled_scores(va, c[part]), _resampled_scores(vb, c[part]), tol)
            boot.append(np.einsum("bs,bt,bstk->bk", wa[part], wb[part], wins))
    lo, hi = percentile(np.concatenate(boot), level)
    point = _wins(va.mean(axis=1), vb.mean(axis=1), tol).mean(axis=(0, 1))
    return _out(point, lo, hi, cols)
