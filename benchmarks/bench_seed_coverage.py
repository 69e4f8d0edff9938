"""Coverage of the seed-aware bootstrap CIs on synthetic data with known seed and prompt variance.

    PYTHONPATH=src python benchmarks/bench_seed_coverage.py [--datasets 1000] [--n_boot 1000] [--prompts 100]

Model (docs/statistics.md): values[s, p] = μ + seed effect a_s + prompt effect b_p + noise e_sp,
all normal and independent, so the target is μ (a new seed of the configuration on new prompts).
For the paired difference, group A and group B have independent seed effects, *share* the prompt
effects b_p (prompt difficulty) and each adds its own noise; the target is μ_A − μ_B.
For each scenario and number of seeds S the script draws ``--datasets`` datasets and prints how
often a nominal 95% interval contains the target:

* ``seed-aware`` — ``seed_bootstrap_ci`` / ``paired_seed_difference`` (default: √(S/(S−1)) rescale);
* ``no rescale`` — the same with ``rescale=False`` (the plain percentile two-level bootstrap);
* ``prompt-only`` — ``bootstrap_ci`` / ``paired_difference`` of the seed-averaged per-prompt values.

A coverage estimate from D datasets has a binomial standard error √(c(1−c)/D) (0.007 at c = 0.95,
D = 1000). Not a speed benchmark: the numbers go to docs/statistics.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from bonaware.estimators import (
    bootstrap_ci,
    paired_difference,
    paired_seed_difference,
    seed_bootstrap_ci,
)

#: name → (σ_seed, σ_prompt, σ_noise); P = --prompts
SCENARIOS = {
    "seed-dominated": (0.05, 0.10, 0.10),
    "balanced": (0.02, 0.15, 0.10),
    "prompt-dominated": (0.0, 0.20, 0.10),
}


def _covers(ci, truth: float) -> bool:
    return bool(ci.lo <= truth <= ci.hi)


def coverage(kind: str, S: int, P: int, sig: tuple[float, float, float], datasets: int, n_boot: int,
             seed: int) -> tuple[float, float, float]:
    """(seed-aware, no rescale, prompt-only) coverage of ``kind`` ∈ {mean, paired} at S seeds."""
    rng = np.random.default_rng([seed, S, P, int(1e6 * sum(sig))])
    sa, sp, se = sig
    hits = np.zeros(3)
    for d in range(datasets):
        prompt = rng.normal(0, sp, (1, P))
        a = 0.5 + rng.normal(0, sa, (S, 1)) + prompt + rng.normal(0, se, (S, P))
        box = {"n_boot": n_boot, "seed": d}
        if kind == "mean":
            cis = [seed_bootstrap_ci(a, **box), seed_bootstrap_ci(a, rescale=False, **box),
                   bootstrap_ci(a.mean(axis=0), **box)]
            truth = 0.5
        else:
            b = 0.45 + rng.normal(0, sa, (S, 1)) + prompt + rng.normal(0, se, (S, P))
            cis = [paired_seed_difference(a, b, **box), paired_seed_difference(a, b, rescale=False, **box),
                   paired_difference(a.mean(axis=0), b.mean(axis=0), **box)]
            truth = 0.05
        hits += [_covers(ci, truth) for ci in cis]
    return tuple(hits / datasets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=1000)
    ap.add_argument("--n_boot", type=int, default=1000)
    ap.add_argument("--prompts", type=int, default=100)
    ap.add_argument("--seeds", default="1,2,3,5,10")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"nominal 95%; {args.datasets} datasets × {args.n_boot} bootstrap draws; P = {args.prompts} prompts; "
          f"binomial s.e. of a coverage near 0.95: {np.sqrt(0.95 * 0.05 / args.datasets):.3f}")
    print("| CI of | scenario (σ_seed, σ_prompt, σ_noise) | seeds S | seed-aware | no rescale | prompt-only |")
    print("|---|---|---|---|---|---|")
    for kind in ("mean", "paired"):
        for name, sig in SCENARIOS.items():
            for S in (int(s) for s in args.seeds.split(",")):
                c = coverage(kind, S, args.prompts, sig, args.datasets, args.n_boot, args.seed)
                label = "mean" if kind == "mean" else "A − B (paired)"
                print(f"| {label} | {name} {sig} | {S} | {c[0]:.3f} | {c[1]:.3f} | {c[2]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
