"""Experiment 6's meta-strategy table: do easy prompts stay sharp while hard ones spread?

Prompts are split into thirds by the *base* model's P_fail (fraction of its n samples that are wrong)
at one temperature (easiest, middle and hardest third: equal counts, ties broken by problem order);
per bin and model: mean P_fail and answer entropy (bits) over the bin's prompts, and the change in
entropy against base with a 95% percentile-bootstrap CI over the bin's prompts (scipy).
The paper's meta-strategy (§3.3–3.4) predicts entropy falling on easy prompts and rising on hard ones
for BoN-aware models.

    python experiments/06_diversity/meta_strategy.py docs/results/06_diversity/data base rl_s np4 np8 np16
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

from bonaware.evaluation.diversity import answer_entropy
from bonaware.evaluation.report import load_run

BINS = ("easiest third", "middle third", "hardest third")


def per_prompt(run_dir: Path, temperature: float, problem_ids=None):
    """(name, problem ids, P_fail, answer entropy) per prompt; for a folder of seed<s>/ runs (a group of
    training seeds) each prompt's values are the mean over the seeds."""
    from bonaware.evaluation.claims import group_runs

    runs = group_runs(run_dir)
    if not runs:
        raise SystemExit(f"error: no evaluation runs in {run_dir} (run the experiment first)")
    pfs, hs, name = [], [], run_dir.name
    for d in runs:
        s = load_run(d)
        g = s.at(temperature)
        g = g.select(problem_ids if problem_ids is not None else g.problem_ids)
        problem_ids = g.problem_ids
        name = s.meta.get("name", run_dir.name)
        pfs.append(1.0 - g.correct.mean(axis=1))
        hs.append(np.array([answer_entropy(a) for a in g.answers]))
    label = name if len(runs) == 1 else f"{name} ({len(runs)} seeds)"
    return label, problem_ids, np.mean(pfs, axis=0), np.mean(hs, axis=0)


def _ci(x: np.ndarray) -> str:
    if len(x) < 2:
        return f"{x.mean():+.2f}"
    r = bootstrap((x,), np.mean, confidence_level=0.95, n_resamples=2000, method="percentile", random_state=0)
    lo, hi = r.confidence_interval
    return f"{x.mean():+.2f} [{lo:+.2f}, {hi:+.2f}]" + (" *" if lo > 0 or hi < 0 else "")


def table(eval_dir: Path, runs: list[str], temperature: float) -> str:
    base_name, ids, base_pf, base_h = per_prompt(eval_dir / runs[0], temperature)
    lines = ["| prompts | model | mean P_fail | answer entropy (bits) | Δ entropy vs base |", "|---|---|---|---|---|"]
    order = np.argsort(base_pf, kind="stable")
    for label, part in zip(BINS, np.array_split(order, len(BINS))):
        mask = np.zeros(len(base_pf), dtype=bool)
        mask[part] = True
        span = f"{base_pf[mask].min():.2f}–{base_pf[mask].max():.2f}"
        lines.append(f"| {label} ({int(mask.sum())}, base P_fail {span}) | {base_name} | "
                     f"{base_pf[mask].mean():.2f} | {base_h[mask].mean():.2f} | |")
        for r in runs[1:]:
            name, _, pf, h = per_prompt(eval_dir / r, temperature, ids)
            lines.append(f"| | {name} | {pf[mask].mean():.2f} | {h[mask].mean():.2f} | {_ci(h[mask] - base_h[mask])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval_dir", type=Path)
    ap.add_argument("runs", nargs="+", help="run folders under eval_dir; the first is the base model")
    ap.add_argument("--temperature", type=float, default=1.0)
    args = ap.parse_args(argv)
    print(table(args.eval_dir, args.runs, args.temperature))
    return 0


if __name__ == "__main__":
    sys.exit(main())
