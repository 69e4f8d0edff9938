"""The main job: does inference-aware fine-tuning make Best-of-N better?

Evaluates the base policy, trains a BoN-unaware baseline (RL with N'=1, given the same number of
samples) and BoN-aware methods with the same budget, evaluates all on held-out prompts with
Bo-N (verifier) and pass@N for every N <= eval_n (unbiased estimators, 95% CIs over prompts),
prints the table and writes a markdown report with PNG plots to --out.

Examples:
  bonaware demo                       # embedded default: tiny model, arith task, noisy verifier
  bonaware demo --quick               # smoke test in about a minute
  bonaware demo --methods=rl_s,pass_at_k --n_prime=4 --steps=300 --out=runs/demo4
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.demo import DemoConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, DemoConfig)


def run(args: argparse.Namespace) -> int:
    from bonaware.demo import run_demo

    run_demo(config_from_args(DemoConfig, args))
    return 0
