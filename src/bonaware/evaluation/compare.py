"""Paired comparison of runs (checkpoints / methods) on the same prompts (prior-art.md §8 item 2).

Runs are matched by ``problem_id``: the per-prompt curves of run A and the baseline are subtracted
row by row and the mean difference gets a *paired* percentile bootstrap CI over prompts
(``bonaware.estimators.paired_difference``: the same prompt draws for both runs, so shared prompt
difficulty cancels). Different prompt sets are an error, never a silent intersection.

Groups of training seeds (:func:`group_statistics`) get the seed-aware versions: per group a
two-level bootstrap CI over seeds and prompts (``seed_bootstrap_ci``), per comparison the paired
seed-aware difference and rliable's probability of improvement P(A > B) (docs/statistics.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators import (
    paired_difference,
    paired_seed_difference,
    probability_of_improvement,
    seed_bootstrap_ci,
)
from bonaware.evaluation.curves import all_ks, metric_curve
from bonaware.evaluation.samples import SampleSet, TemperatureSamples


def align(a: TemperatureSamples, b: TemperatureSamples, name_a: str = "a",
          name_b: str = "b") -> tuple[TemperatureSamples, TemperatureSamples]:
    """``a`` and ``b`` restricted to the same prompt order; error naming the difference if the sets differ."""
    ia, ib = set(a.problem_ids), set(b.problem_ids)
    if ia != ib:
        only_a, only_b = sorted(ia - ib), sorted(ib - ia)
        parts = []
        if only_a:
            parts.append(f"{len(only_a)} only in {name_a} (e.g. {', '.join(only_a[:3])})")
        if only_b:
            parts.append(f"{len(only_b)} only in {name_b} (e.g. {', '.join(only_b[:3])})")
        raise BonawareError(f"runs {name_a!r} and {name_b!r} were evaluated on different prompts at "
                            f"T={a.temperature:g}: {'; '.join(parts)}. A paired comparison needs the same "
                            "prompts (same --task, --split, --num_prompts, --seed)")
    return a, b.select(a.problem_ids)


def paired_comparison(runs: Mapping[str, SampleSet], baseline: str, *, temperature: float, metric: str = "bon",
                      verifier: str | None = None, ks: Sequence[int] | None = None, level: float = 0.95,
                      n_boot: int = 2000, seed: int = 0) -> dict:
    """Each run minus ``baseline`` on ``metric``@k for every k in ``ks`` (default 1..n), paired over prompts.

    Returns ``{run: {"ks", "mean", "lo", "hi", "significant"}}`` for every run other than the
    baseline; ``significant[k]`` is True when the CI excludes 0.
    """
    if baseline not in runs:
        raise BonawareError(f"baseline {baseline!r} is not one of the runs ({', '.join(runs)})")
    if len(runs) < 2:
        raise BonawareError("a paired comparison needs at least two runs")
    base = runs[baseline].at(temperature)
    out = {}
    for name, run in runs.items():
        if name == baseline:
            continue
        b, other = align(base, run.at(temperature), baseline, name)
        n = min(b.n, other.n)
        use = all_ks(n) if ks is None else np.asarray(ks)
        if use.max() > n:
            raise BonawareError(f"k={int(use.max())} exceeds n={n} of {name!r} or {baseline!r}")
        diff = paired_difference(metric_curve(other, metric, verifier, use, seed=seed),
                                 metric_curve(b, metric, verifier, use, seed=seed),
                                 level=level, n_boot=n_boot, seed=seed)
        lo, hi = np.asarray(diff.lo), np.asarray(diff.hi)
        out[name] = {"ks": [int(k) for k in use], "mean": [float(v) for v in np.asarray(diff.mean)],
                     "lo": [float(v) for v in lo], "hi": [float(v) for v in hi],
                     "significant": [bool(v) for v in (lo > 0) | (hi < 0)]}
    return out


def _lists(x) -> list[float]:
    return [float(v) for v in np.atleast_1d(np.asarray(x, dtype=float))]


def seed_summary(values: np.ndarray, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """``values`` [S, P, K] (seeds × prompts × k) → ``{"per_seed": [S][K] means over prompts, "mean", "lo",
    "hi": [K]}`` with the seed-aware CI (prompt-only when S = 1)."""
    ci = seed_bootstrap_ci(values, level=level, n_boot=n_boot, seed=seed)
    return {"per_seed": [_lists(row) for row in values.mean(axis=1)], "mean": _lists(ci.mean), "lo": _lists(ci.lo),
            "hi": _lists(ci.hi)}


def seed_comparison(a: np.ndarray, b: np.ndarray, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """Group ``a`` [Sa, P, K] minus group ``b`` [Sb, P, K] on the same prompts: ``{"mean", "lo", "hi",
    "significant"}`` (seed-aware paired difference; significant = the CI excludes 0) and ``"p_improve":
    {"mean", "lo", "hi"}`` (P(A > B) over training runs), each a list over k."""
    d = paired_seed_difference(a, b, level=level, n_boot=n_boot, seed=seed)
    pi = probability_of_improvement(a, b, level=level, n_boot=n_boot, seed=seed)
    lo, hi = np.atleast_1d(d.lo), np.atleast_1d(d.hi)
    return {"mean": _lists(d.mean), "lo": _lists(lo), "hi": _lists(hi),
            "significant": [bool(v) for v in (lo > 0) | (hi < 0)],
            "p_improve": {"mean": _lists(pi.mean), "lo": _lists(pi.lo), "hi": _lists(pi.hi)}}


def group_statistics(groups: Mapping[str, Sequence[TemperatureSamples]], baseline: str, *,
                     metrics: Sequence[str] = ("bon", "pass", "maj"), verifier: str | None = None,
                     level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> tuple[dict, dict]:
    """Seed-aware statistics of run groups (``{group: [one TemperatureSamples per training seed]}``) at one
    temperature, every group on the baseline group's prompts (a different prompt set is an error).

    Returns ``(per_group, comparisons)``: ``per_group[g] = {"ks", "metrics": {metric: seed_summary}}`` for
    k = 1..n (n: the group's smallest n) and ``comparisons[g] = {"baseline", "ks", "metrics": {metric:
    seed_comparison}}`` for every group but the baseline (k up to the smaller n of the two groups).
    ``"bon"`` is skipped without a verifier.
    """
    if baseline not in groups:
        raise BonawareError(f"baseline {baseline!r} is not one of the groups ({', '.join(groups)})")
    use = [m for m in metrics if m != "bon" or verifier is not None]
    ref = groups[baseline][0]
    curves, per_group = {}, {}
    for g, runs in groups.items():
        aligned = [align(ref, r, baseline, g)[1] for r in runs]
        ks = all_ks(min(r.n for r in aligned))
        curves[g] = {m: np.stack([metric_curve(r, m, verifier, ks, seed=seed) for r in aligned]) for m in use}
        box = {"level": level, "n_boot": n_boot, "seed": seed}
        per_group[g] = {"ks": [int(k) for k in ks], "metrics": {m: seed_summary(curves[g][m], **box) for m in use}}
    comparisons = {}
    for g in groups:
        if g == baseline:
            continue
        K = min(len(per_group[g]["ks"]), len(per_group[baseline]["ks"]))
        comparisons[g] = {"baseline": baseline, "ks": [int(k) for k in all_ks(K)],
                          "metrics": {m: seed_comparison(curves[g][m][:, :, :K], curves[baseline][m][:, :, :K],
                                                         level=level, n_boot=n_boot, seed=seed) for m in use}}
    return per_group, comparisons


def per_prompt_pfail(before: TemperatureSamples, after: TemperatureSamples) -> dict:
    """P_fail(x) = 1 − mean_j R_j per prompt before and after fine-tuning (paper.md §1), same prompts.

    Also counts prompts that got easier / harder / stayed, and the prompts unsolved before (all n
    samples wrong) that became solvable after.
    """
    before, after = align(before, after, "before", "after")
    pb = 1.0 - before.correct.mean(axis=1)
    pa = 1.0 - after.correct.mean(axis=1)
    return {"problem_ids": list(before.problem_ids), "before": [float(v) for v in pb],
            "after": [float(v) for v in pa], "easier": int(np.sum(pa < pb)), "harder": int(np.sum(pa > pb)),
            "same": int(np.sum(pa == pb)), "newly_solved": int(np.sum((pb == 1.0) & (pa < 1.0))),
            "newly_unsolved": int(np.sum((pb < 1.0) & (pa == 1.0)))}
