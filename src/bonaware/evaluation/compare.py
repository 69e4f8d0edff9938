"""Paired comparison of runs (checkpoints / methods) on the same prompts (prior-art.md §8 item 2).

Runs are matched by ``problem_id``: the per-prompt curves of run A and the baseline are subtracted
row by row and the mean difference gets a *paired* percentile bootstrap CI over prompts
(``bonaware.estimators.paired_difference``: the same prompt draws for both runs, so shared prompt
difficulty cancels). Different prompt sets are an error, never a silent intersection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators import paired_difference
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
