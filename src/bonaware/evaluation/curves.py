"""Per-prompt k-curves from saved samples: pass@k, BoN@k per verifier, maj@k (prior-art.md §2.1).

Every curve is ``[P, K]`` (prompts × k) and every entry is the exact expectation over uniformly
random k-subsets of that prompt's n samples (``bonaware.estimators``), never "the first k samples"
and never a bootstrap over samples. Summaries over prompts use a percentile bootstrap that resamples
*prompts* (:func:`summarize`); every curve of one temperature shares the same prompt draws.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from bonaware.errors import BonawareError, unknown_name
from bonaware.estimators import bon_at_k_curve, bootstrap_ci, maj_at_k_curve, pass_at_k_curve
from bonaware.evaluation.samples import TemperatureSamples

METRICS = ("pass", "bon", "maj", "distinct")


def all_ks(n: int) -> np.ndarray:
    """Every k in 1..n (the report's N axis)."""
    return np.arange(1, int(n) + 1)


def pass_curve(group: TemperatureSamples, ks=None) -> np.ndarray:
    """pass@k per prompt [P, K]: c = Σ_j R_ij correct of n (unbiased Codex estimator)."""
    c = group.correct.sum(axis=1).astype(np.int64)
    return pass_at_k_curve(group.n, c, all_ks(group.n) if ks is None else ks)


def bon_curve(group: TemperatureSamples, verifier: str, ks=None) -> np.ndarray:
    """BoN@k per prompt [P, K]: the R of the top-``verifier``-scored member of a random k-subset,
    score ties broken uniformly (``bonaware.estimators.bon_at_k_curve``)."""
    if verifier not in group.scores:
        raise unknown_name("verifier in the samples", verifier, group.scores)
    return bon_at_k_curve(group.scores[verifier], group.correct, all_ks(group.n) if ks is None else ks)


def maj_curve(group: TemperatureSamples, ks=None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """maj@k per prompt [P, K] and its Monte-Carlo standard error [P, K] (0 where exact).

    Answers are the saved extracted answers; ``None`` never wins a vote (estimators.majority).
    """
    est = maj_at_k_curve(group.answers, group.correct.astype(np.int64), all_ks(group.n) if ks is None else ks,
                         seed=seed)
    return np.asarray(est.value, dtype=float), np.asarray(est.stderr, dtype=float)


def distinct_curve(group: TemperatureSamples, ks=None) -> np.ndarray:
    """distinct@k per prompt [P, K]: the expected number of distinct extracted answers (``None`` — no
    answer — not counted) among a uniformly random k-subset of the n samples, exactly:
    Σ_a [1 − C(n − c_a, k)/C(n, k)] over the answers a with counts c_a (the chance a appears at least once).
    A diversity measure on the same k-subset footing as pass@k (paper.md §3.3–3.4: BoN-aware training
    should keep several candidate answers alive)."""
    n = group.n
    use = all_ks(n) if ks is None else np.asarray(ks, dtype=np.int64)
    if use.size and (use.min() < 1 or use.max() > n):
        raise BonawareError(f"distinct@k needs 1 <= k <= n = {n}, got k = {use.tolist()}")
    out = np.zeros((group.num_prompts, use.size))
    for i, answers in enumerate(group.answers):
        counts = np.array([c for a, c in Counter(answers).items() if a is not None], dtype=np.int64)
        for j, k in enumerate(use):
            # C(n − c, k)/C(n, k) = Π_{i<c} (n − k − i)/(n − i): the chance a random k-subset misses all c copies
            miss = np.array([np.prod((n - k - np.arange(c)) / (n - np.arange(c))) if c <= n - k else 0.0
                             for c in counts])
            out[i, j] = float(np.sum(1.0 - miss))
    return out


def metric_curve(group: TemperatureSamples, metric: str, verifier: str | None = None, ks=None,
                 seed: int = 0) -> np.ndarray:
    """``metric`` ∈ {"pass", "bon", "maj", "distinct"} per prompt [P, K] (``verifier`` only for "bon")."""
    if metric == "pass":
        return pass_curve(group, ks)
    if metric == "bon":
        if verifier is None:
            raise BonawareError("metric 'bon' needs a verifier label")
        return bon_curve(group, verifier, ks)
    if metric == "maj":
        return maj_curve(group, ks, seed=seed)[0]
    if metric == "distinct":
        return distinct_curve(group, ks)
    raise unknown_name("metric", metric, METRICS)


def summarize(values, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """Mean over prompts with a percentile-bootstrap CI over prompts, as JSON-ready lists.

    ``values``: [P] → floats, [P, K] → lists of K.
    """
    ci = bootstrap_ci(values, level=level, n_boot=n_boot, seed=seed)
    if np.ndim(ci.mean) == 0:
        return {"mean": float(ci.mean), "lo": float(ci.lo), "hi": float(ci.hi)}
    return {"mean": _floats(ci.mean), "lo": _floats(ci.lo), "hi": _floats(ci.hi)}


def _floats(x) -> list[float]:
    return [float(v) for v in np.asarray(x, dtype=float)]
