"""Exact tabular demo of every objective, in seconds (docs/toy.md).

Several prompts of graded difficulty, each a categorical policy over a few candidate answers with a
verifier of set quality (ROC-AUC). Each method is trained with its exact expected gradient (all
N′-samples enumerated, no sampling noise) under the same KL budget to the initial policy, then evaluated
exactly. Prints Bo-N accuracy and pass@N tables and writes toy_results.json, bon_vs_n.png,
distributions.png and report.md into --out.

Examples:
  bonaware toy
  bonaware toy --verifier_auc=1.0 --out=runs/toy_oracle        # oracle verifier: Bo-N = pass@N
  bonaware toy --methods=rl,pass_at_k,bon_at_k --train_n=4 --kl_target=0.5
  bonaware toy --kl_target=none --kl_coef=0.5                  # fixed KL penalty instead of a budget
  bonaware toy --list-methods
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.toy.config import ToyConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bonaware.toy.methods import METHODS

    parser.add_argument("--list-methods", action="store_true", help="list the toy methods and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_config_arguments(parser, ToyConfig)
    parser.epilog = "methods:\n" + "\n".join(f"  {k:<10} {m.label}: {m.description}" for k, m in METHODS.items())


def run(args: argparse.Namespace) -> int:
    from bonaware.toy import METHODS, run_toy

    if args.list_methods:
        for name, spec in METHODS.items():
            print(f"{name:<10} {spec.label:<16} {spec.description}")
        return 0
    cfg = config_from_args(ToyConfig, args)
    results = run_toy(cfg, progress=not args.quiet)
    print(results["tables"])
    files = ["toy_results.json", "report.md"] + (["bon_vs_n.png", "distributions.png"] if cfg.plots else [])
    print(f"\nwrote {', '.join(files)} to {cfg.out} ({results['wall_time_s']:.1f} s)")
    return 0
