"""Evaluate a model with Best-of-N / pass@N / majority voting on a task, at several temperatures.

Samples n completions per prompt once per temperature, scores each with the task's checker (the
environment reward R) and with the verifiers (the scores r that Best-of-N ranks by), and saves them
to OUT/samples.jsonl (cached: rerunning the same command resumes where it stopped). From the saved
samples it computes, for every k <= n, pass@k, BoN@k per verifier and maj@k with bootstrap CIs over
prompts, co-scaling fits, compute and diversity, into OUT/metrics.json and OUT/summary.md.
Evaluating any checkpoint on any task by name is the cross-domain check. See docs/evaluation.md.

Examples:
  bonaware eval --out runs/eval/base
  bonaware eval --model runs/bon_rlb_p/final --task arith --n 64 --temperatures 0.3,0.7,1.0,1.3 \\
      --verifier noisy:target_auc=0.85,oracle --out runs/eval/bon_rlb_p
  bonaware report runs/eval/base runs/eval/bon_rlb_p --out runs/report
  bonaware eval --model runs/x --out runs/eval/x   # runs/x from `train --seeds 0,1,2`: runs/eval/x/seed<s>
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.evaluation.config import EvalConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, EvalConfig)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(EvalConfig, args)
    from bonaware.evaluation.groups import eval_seed_group, is_seed_folder

    if is_seed_folder(cfg.model, marker="final"):  # runs/x from `bonaware train --seeds`: every seed
        results = eval_seed_group(cfg)
        for r in results:
            print(r.summary_path.read_text())
        print("evaluated training seeds: " + ", ".join(str(r.out_dir) for r in results))
        print(f"seed-aware statistics: bonaware report {cfg.out} --out <report folder>")
        return 0
    from bonaware.evaluation.generate import run_eval

    result = run_eval(cfg)
    print(result.summary_path.read_text())
    print(f"samples: {result.samples_path}\nmetrics: {result.metrics_path}")
    return 0
