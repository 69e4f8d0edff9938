"""Adaptive per-prompt inference budgets: the same mean number of samples, spent where it helps (docs/adaptive.md).

Fixed Best-of-N draws N samples for every prompt. The adaptive procedure spends a *mean* budget of
B samples per prompt (at most ⌊B·P⌋ draws for P prompts, never more) in rounds:

1. **Calibration on val** (:func:`calibrate`): q(s) = P(correct | verifier score s), an isotonic
   (monotone) regression of the true reward R on the score over every val sample; the **stop
   threshold** τ is the lowest score at which the verifier's precision on val,
   P(R = 1 | score ≥ τ), still reaches the target (``precision``), with at least ``min_support``
   val samples above τ (τ = ∞, no early stop, when no threshold reaches it); p̄ is the val base rate.
2. **Round 0:** max(1, ⌊``first_fraction``·B⌋) samples for every prompt (with one round: the whole
   budget, ⌊B⌋ each and the remainder to random prompts).
3. **After each round** a prompt is *done* when its best score so far is ≥ τ (its pick is right with
   probability ≥ the target) or it holds ``cap`` samples. For every other prompt i with k_i samples and
   best score b_i: c_i = q(b_i) (the current pick is right), p̂_i = (Σ_j q(s_ij) + α·p̄)/(k_i + α) (its
   per-sample success, shrunk towards p̄ with α = 2), and from the val score distributions
   S₁(b) = P(score > b | correct), S₀(b) = P(score > b | wrong). One more sample changes the pick's
   expected correctness by g_i = (1 − c_i)·p̂_i·S₁(b_i) − c_i·(1 − p̂_i)·S₀(b_i) (a correct newcomer
   that outscores a wrong pick, minus a wrong one that outscores a right pick) and takes over the pick
   with probability t_i = p̂_i·S₁(b_i) + (1 − p̂_i)·S₀(b_i). ``priority="gain"``: the m-th extra sample
   of prompt i is worth g_i·(1 − t_i)^(m−1) (it matters if the earlier ones did not take over), only
   prompts with g_i > 0 get samples (where more samples would more likely hurt than help, none are
   spent). ``"uniform"``: 1/(k_i + m), fewest samples first (early stopping only). Round r hands out
   ⌈remaining / rounds left⌉ samples (the last round all that remain) to the highest values; equal
   values go to a seeded random order of prompts, drawn anew each round. With the oracle verifier
   (S₁ = 1, S₀ = 0 below a correct score) g_i = (1 − c_i)·p̂_i.
4. **Selection:** the highest-scored sample of each prompt (ties: the mean correctness of the tied
   samples, the expectation of a uniform tie-break, as in the BoN@k estimator).

**From a saved pool** of n ≥ B samples per prompt (:func:`adaptive_from_pool`), a draw takes the next
sample of a seeded random permutation of the prompt's n samples, so a run is exactly reproducible and
its samples and tokens are counted exactly. The first m items of a random permutation of n i.i.d.
samples are themselves i.i.d., so the pool run's expected accuracy equals that of live sampling with
the same cap (``cap`` = n); ``repeats`` permutations are averaged per prompt to lower the noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators import bon_at_k_curve, bootstrap_ci, paired_difference

PRIORITIES = ("gain", "uniform")
PRIOR_STRENGTH = 2.0  # α: pseudo-samples of the val base rate in p̂_i
QUANTILES = 201  # quantiles of the val score distributions (correct / wrong) kept in a calibration


@dataclass(frozen=True)
class Calibration:
    """q(s) = P(correct | score s) from val (piecewise constant on ``knots``), the stop threshold τ."""

    knots: np.ndarray  # [K] ascending scores where q changes
    probs: np.ndarray  # [K] q at and above each knot (until the next)
    threshold: float  # inf = never stop early
    precision: float | None  # the precision target τ was chosen for (None: early stop off)
    base_rate: float  # p̄: share of correct val samples
    num_samples: int
    source: str = ""
    correct_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))  # quantiles of val scores | R = 1
    wrong_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))  # quantiles of val scores | R = 0

    def survival(self, scores, correct: bool) -> np.ndarray:
        """P(score > s | R) on val, for each s (from the stored quantiles; no val sample of that kind:
        1 for correct, 0 for wrong)."""
        q = self.correct_scores if correct else self.wrong_scores
        s = np.asarray(scores, dtype=float)
        if q.size == 0:
            return np.full(s.shape, 1.0 if correct else 0.0)
        return 1.0 - np.searchsorted(q, s, side="right") / q.size

    def q(self, scores) -> np.ndarray:
        """P(correct | score) for each score (the calibration's step function, clamped at its ends)."""
        idx = np.searchsorted(self.knots, np.asarray(scores, dtype=float), side="right") - 1
        return self.probs[np.clip(idx, 0, self.knots.size - 1)]

    def as_dict(self) -> dict:
        return {"threshold": None if not math.isfinite(self.threshold) else float(self.threshold),
                "precision": self.precision, "base_rate": self.base_rate, "num_samples": self.num_samples,
                "source": self.source, "knots": [float(v) for v in self.knots], "probs": [float(v) for v in self.probs],
                "correct_scores": [float(v) for v in self.correct_scores],
                "wrong_scores": [float(v) for v in self.wrong_scores]}

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        thr = d.get("threshold")
        return cls(np.asarray(d["knots"], dtype=float), np.asarray(d["probs"], dtype=float),
                   math.inf if thr is None else float(thr), d.get("precision"), float(d["base_rate"]),
                   int(d["num_samples"]), str(d.get("source", "")), np.asarray(d.get("correct_scores", []), float),
                   np.asarray(d.get("wrong_scores", []), float))


def calibrate(scores, correct, *, precision: float | None = 0.8, min_support: int = 20,
              source: str = "") -> Calibration:
    """Fit q(s) (isotonic regression of R on s) and the stop threshold τ on val samples (module docstring).

    ``scores`` / ``correct``: val samples, any shape (flattened). ``precision=None`` turns early
    stopping off (τ = ∞).
    """
    from scipy.optimize import isotonic_regression

    s = np.asarray(scores, dtype=float).reshape(-1)
    r = np.asarray(correct, dtype=float).reshape(-1)
    if s.size == 0 or s.shape != r.shape:
        raise BonawareError(f"calibration needs scores and correct of the same non-zero size, got {s.size}, {r.size}")
    if not np.all(np.isfinite(s)):
        raise BonawareError("calibration scores contain NaN or inf")
    if precision is not None and not 0 < precision <= 1:
        raise BonawareError(f"the precision target must be in (0, 1], got {precision}")
    order = np.argsort(s, kind="stable")
    s, r = s[order], r[order]
    uniq, start, counts = np.unique(s, return_index=True, return_counts=True)
    sums = np.add.reduceat(r, start)
    fitted = isotonic_regression(sums / counts, weights=counts.astype(float)).x  # monotone in the score
    change = np.r_[True, np.diff(fitted) != 0]
    threshold = math.inf
    if precision is not None:
        # precision of "score ≥ τ" for every distinct τ, from the top down: cumulative over tie blocks
        top_n, top_c = np.cumsum(counts[::-1]), np.cumsum(sums[::-1])
        ok = (top_n >= min_support) & (top_c / top_n >= precision - 1e-12)
        if ok.any():
            threshold = float(uniq[::-1][np.flatnonzero(ok)[-1]])
    levels = np.linspace(0.0, 1.0, QUANTILES)

    def quantiles(x: np.ndarray) -> np.ndarray:
        return np.quantile(x, levels, method="inverted_cdf") if x.size else np.zeros(0)

    return Calibration(uniq[change], fitted[change], threshold, precision, float(r.mean()), int(s.size), source,
                       quantiles(s[r == 1]), quantiles(s[r == 0]))


@dataclass
class AdaptiveRun:
    """One run of the procedure: per-prompt draws, rounds with a draw, completion tokens, picked correctness."""

    draws: np.ndarray  # [P] samples drawn
    rounds: np.ndarray  # [P] rounds in which the prompt drew (its prompt is prefilled once per such round)
    completion_tokens: np.ndarray  # [P]
    accuracy: np.ndarray  # [P] correctness of the pick (tie-averaged)
    stopped: np.ndarray  # [P] bool: best score reached the threshold
    budget_total: int  # ⌊B·P⌋
    scores: list[list[float]] = field(default_factory=list)
    correct: list[list[float]] = field(default_factory=list)


def gain_values(best: np.ndarray, phat: np.ndarray, cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """One more sample's expected change in the pick's correctness, and the chance it takes over the pick.

    With c = q(best score), S₁/S₀ = P(score > best | correct / wrong) on val:
    gain = (1 − c)·p̂·S₁ − c·(1 − p̂)·S₀ (a correct newcomer displaces a wrong pick, a wrong one a right pick);
    take-over = p̂·S₁ + (1 − p̂)·S₀.
    """
    c, s1, s0 = cal.q(best), cal.survival(best, True), cal.survival(best, False)
    return (1.0 - c) * phat * s1 - c * (1.0 - phat) * s0, phat * s1 + (1.0 - phat) * s0


def _allocate(give: int, active: np.ndarray, k: np.ndarray, room: np.ndarray, best: np.ndarray, phat: np.ndarray,
              cal: Calibration, priority: str, order_key: np.ndarray) -> np.ndarray:
    """Samples per prompt for one round: the ``give`` most valuable (prompt, m-th extra sample) pairs
    (``gain``: only pairs of positive value)."""
    M = int(min(give, room[active].max(initial=0)))
    if M <= 0:
        return np.zeros(active.size, dtype=int)
    m = np.arange(1, M + 1)[None, :]
    if priority == "gain":
        g, take = gain_values(best, phat, cal)
        value = g[:, None] * (1.0 - take)[:, None] ** (m - 1)  # the m-th counts if the earlier ones did not take over
        active = active & (g > 0)
    else:
        value = 1.0 / (k[:, None] + m)  # the prompt's (k + m)-th sample: fewest samples first
    valid = active[:, None] & (m <= room[:, None])
    value = np.where(valid, value, -np.inf)
    prompt = np.broadcast_to(np.arange(active.size)[:, None], value.shape)
    # best value first; equal values: the earlier m (keeps each prompt's picks a prefix), then the seeded order
    rank = np.lexsort((order_key[prompt].ravel(), np.broadcast_to(m, value.shape).ravel(), -value.ravel()))
    chosen = rank[:min(give, int(valid.sum()))]
    return np.bincount(prompt.ravel()[chosen], minlength=active.size)


def run_adaptive(draw: Callable[[np.ndarray, int], Sequence[tuple]], num_prompts: int, budget: float,
                 cal: Calibration, *, cap: int, first_fraction: float = 0.25, rounds: int = 8,
                 priority: str = "uniform", seed: int = 0) -> AdaptiveRun:
    """Run the procedure (module docstring) for ``num_prompts`` prompts and mean budget ``budget``.

    ``draw(requests [P] ints, round)`` returns, per prompt, ``(scores, correct, completion_tokens)``
    sequences of exactly ``requests[i]`` new samples. Never requests more than ⌊budget·P⌋ samples
    in total, nor more than ``cap`` for one prompt.
    """
    P = int(num_prompts)
    if P < 1:
        raise BonawareError("adaptive allocation needs at least one prompt")
    if not budget >= 1:
        raise BonawareError(f"--budget must be >= 1 sample per prompt, got {budget}")
    if priority not in PRIORITIES:
        raise BonawareError(f"--adaptive_priority must be one of {', '.join(PRIORITIES)}, got {priority!r}")
    if rounds < 1 or cap < 1:
        raise BonawareError(f"--adaptive_rounds and the per-prompt cap must be >= 1, got {rounds}, {cap}")
    total = int(math.floor(budget * P + 1e-9))
    if not 0 <= first_fraction <= 1:
        raise BonawareError(f"--adaptive_first must be in [0, 1] (a share of the budget), got {first_fraction}")
    first = max(1, int(math.floor(first_fraction * budget + 1e-9)))
    tie_rng = np.random.default_rng(seed)
    k, nrounds = np.zeros(P, dtype=int), np.zeros(P, dtype=int)
    tokens, best, qsum = np.zeros(P), np.full(P, -np.inf), np.zeros(P)
    scores: list[list[float]] = [[] for _ in range(P)]
    correct: list[list[float]] = [[] for _ in range(P)]
    req = np.full(P, min(first, cap), dtype=int)
    if rounds == 1:  # no later round: round 0 is the whole budget (fixed Bo-B, the remainder to random prompts)
        req = np.full(P, min(int(math.floor(budget + 1e-9)), cap), dtype=int)
        extra = tie_rng.permutation(P)[:max(0, total - int(req.sum()))]
        req[extra[req[extra] < cap]] += 1
    for r in range(int(rounds)):
        if r > 0:
            active = (best < cal.threshold) & (k < cap)
            remaining = total - int(k.sum())
            if remaining <= 0 or not active.any():
                break
            give = remaining if r == rounds - 1 else math.ceil(remaining / (rounds - r))
            phat = (qsum + PRIOR_STRENGTH * cal.base_rate) / (k + PRIOR_STRENGTH)
            # every prompt drew in round 0, so best is finite
            req = _allocate(give, active, k, cap - k, best, phat, cal, priority, tie_rng.permutation(P))
        if req.sum() == 0:
            break
        new = draw(req, r)
        for i in np.flatnonzero(req):
            s_i, c_i, t_i = (np.asarray(x, dtype=float) for x in new[i])
            if not s_i.size == c_i.size == t_i.size == req[i]:
                raise BonawareError(f"round {r}: prompt {i} asked for {req[i]} samples and got {s_i.size}")
            scores[i] += list(s_i)
            correct[i] += list(c_i)
            tokens[i] += t_i.sum()
            qsum[i] += cal.q(s_i).sum()
            best[i] = max(best[i], s_i.max())
        k += req
        nrounds += req > 0
    acc = np.array([picked_correct(scores[i], correct[i]) for i in range(P)])
    return AdaptiveRun(k, nrounds, tokens, acc, best >= cal.threshold, total, scores, correct)


def picked_correct(scores: Sequence[float], correct: Sequence[float]) -> float:
    """Correctness of the highest-scored sample; tied top samples count with their mean (uniform tie-break)."""
    s, r = np.asarray(scores), np.asarray(correct)
    top = s == s.max()
    return float(r[top].mean())


def adaptive_from_pool(scores, correct, n_tokens, budget: float, cal: Calibration, *, first_fraction: float = 0.25,
                       rounds: int = 8, priority: str = "uniform", seed: int = 0, repeat: int = 0) -> AdaptiveRun:
    """One exactly reproducible run on a saved pool ([P, n] arrays): draws follow a permutation of each
    prompt's n samples seeded by (``seed``, ``repeat``); the cap per prompt is n."""
    s, r, t = (np.asarray(x, dtype=float) for x in (scores, correct, n_tokens))
    if s.ndim != 2 or s.shape != r.shape or s.shape != t.shape:
        raise BonawareError(f"the pool must be [prompts, n] arrays of one shape, got {s.shape}, {r.shape}, {t.shape}")
    P, n = s.shape
    if budget > n:
        raise BonawareError(f"--budget {budget:g} exceeds the pool's n = {n} samples per prompt (sample n >= budget)")
    rng = np.random.default_rng([int(seed), int(repeat)])
    perm = np.argsort(rng.random((P, n)), axis=1)
    pos = np.zeros(P, dtype=int)

    def draw(req: np.ndarray, _round: int) -> list[tuple]:
        out = []
        for i, m in enumerate(req):
            idx = perm[i, pos[i]:pos[i] + m]
            pos[i] += m
            out.append((s[i, idx], r[i, idx], t[i, idx]))
        return out

    return run_adaptive(draw, P, budget, cal, cap=n, first_fraction=first_fraction, rounds=rounds, priority=priority,
                        seed=int(seed) * 1_000_003 + int(repeat))


def pool_summary(scores, correct, n_tokens, prompt_tokens, budget: float, cal: Calibration, *, repeats: int = 8,
                 **kwargs) -> dict:
    """``repeats`` pool runs averaged per prompt: accuracy, samples and tokens per prompt [P], and the
    per-run totals (``max_draws_total`` ≤ ``budget_total`` always)."""
    runs = [adaptive_from_pool(scores, correct, n_tokens, budget, cal, repeat=j, **kwargs) for j in range(int(repeats))]
    pt = np.asarray(prompt_tokens, dtype=float)
    return {"accuracy": np.mean([x.accuracy for x in runs], axis=0),
            "samples": np.mean([x.draws for x in runs], axis=0),
            "tokens": np.mean([x.completion_tokens + pt * x.rounds for x in runs], axis=0),
            "stopped": np.mean([x.stopped for x in runs], axis=0),
            "draws_total": [int(x.draws.sum()) for x in runs], "budget_total": runs[0].budget_total}


def compare_to_fixed(adaptive_acc, samples, tokens, stopped, scores, correct, n_tokens, prompt_tokens, budget: int,
                     *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """The ``"adaptive"`` block of metrics.json: adaptive vs fixed Bo-N at N = ``budget`` on the same
    prompts (unbiased BoN@N from the pool), with bootstrap CIs over prompts and the paired difference."""
    if int(budget) != budget or not 1 <= budget <= np.shape(scores)[1]:
        raise BonawareError(f"fixed Bo-N at N = budget needs an integer budget <= n = {np.shape(scores)[1]}, "
                            f"got {budget}")
    fixed = bon_at_k_curve(scores, correct, [int(budget)])[:, 0]
    box = {"level": level, "n_boot": n_boot, "seed": seed}
    a, f = bootstrap_ci(adaptive_acc, **box), bootstrap_ci(fixed, **box)
    d = paired_difference(adaptive_acc, fixed, **box)
    fixed_tokens = float(np.mean(prompt_tokens)) + budget * float(np.mean(n_tokens))
    return {"budget": int(budget), "mean_samples": float(np.mean(samples)), "bon": a.mean, "bon_ci": [a.lo, a.hi],
            "fixed_bon": f.mean, "fixed_bon_ci": [f.lo, f.hi], "delta": d.mean, "delta_ci": [d.lo, d.hi],
            "significant": bool(d.lo > 0 or d.hi < 0), "tokens_per_prompt": float(np.mean(tokens)),
            "fixed_tokens_per_prompt": fixed_tokens, "stopped_early": float(np.mean(stopped)),
            "num_prompts": int(np.shape(scores)[0])}


def adaptive_block(group, verifier: str, budget: int, cal: Calibration, *, first_fraction: float = 0.25,
                   rounds: int = 8, priority: str = "uniform", repeats: int = 8, level: float = 0.95,
                   n_boot: int = 2000, seed: int = 0, live: AdaptiveRun | None = None,
                   sweep: Sequence[int] | None = None, cap: int | None = None) -> dict:
    """metrics.json's ``"adaptive"`` block for one temperature's samples (``group``, a
    :class:`~bonaware.evaluation.samples.TemperatureSamples`): the run at ``budget`` (from the pool, or
    the ``live`` run), compared with fixed Bo-N at N = budget, plus a pool ``sweep`` over budgets
    (default 1, 2, 4, …, n) for the report's accuracy-vs-mean-samples plot."""
    if verifier not in group.scores:
        raise BonawareError(f"verifier {verifier!r} is not in the samples (have {', '.join(group.scores)})")
    if getattr(group, "saved", None) is not None:
        raise BonawareError(f"T={group.temperature:g}: adaptive allocation calibrates on raw verifier scores, which a "
                            "compact samples.npz.xz does not keep (only within-prompt ranks); use the run folder "
                            "with samples.jsonl")
    pool = (group.scores[verifier], group.correct, group.n_tokens)
    knobs = {"first_fraction": first_fraction, "rounds": rounds, "priority": priority, "seed": seed}
    box = {"level": level, "n_boot": n_boot, "seed": seed}

    def at(b: int, run: AdaptiveRun | None = None) -> dict:
        if run is None:
            res = pool_summary(*pool, group.prompt_tokens, b, cal, repeats=repeats, **knobs)
            acc, samples, tokens, stopped = res["accuracy"], res["samples"], res["tokens"], res["stopped"]
            extra = {"draws_total_max": max(res["draws_total"]), "budget_total": res["budget_total"]}
        else:
            acc, samples, stopped = run.accuracy, run.draws, run.stopped
            tokens = run.completion_tokens + group.prompt_tokens * run.rounds
            extra = {"draws_total_max": int(run.draws.sum()), "budget_total": run.budget_total}
        return {**compare_to_fixed(acc, samples, tokens, stopped, *pool, group.prompt_tokens, b, **box), **extra}

    block = {**at(int(budget), live), "source": "live" if live is not None else "pool",
             "temperature": group.temperature, "verifier": verifier, "priority": priority, "rounds": int(rounds),
             "first_fraction": first_fraction, "repeats": None if live is not None else int(repeats),
             "cap": int(cap) if cap is not None else group.n,
             "seed": int(seed), "calibration": cal.as_dict()}
    budgets = sweep if sweep is not None else sorted({2 ** j for j in range(int(math.log2(group.n)) + 1)})
    block["sweep"] = [at(int(b)) for b in budgets if 1 <= b <= group.n]
    return block
