"""Fine-tune a policy so Best-of-N / pass@N get better (paper.md §3).

Each step samples N' completions per prompt, scores them (environment reward R and verifier r),
turns them into per-sample weights with the method's registered objective, and takes an AdamW
step with a KL penalty toward an EMA anchor. Every option below is a TrainConfig field; a YAML
file (--config configs/<method>.yaml) sets several at once and flags override it.

Examples:
  bonaware train --method=bon_rlb_p --n_prime=8 --steps=200 --out=runs/bon_rlb_p
  bonaware train --config configs/pass_at_k.yaml --out=runs/pak --resume
  bonaware train --method=bon_rlb_p --seeds 0,1,2 --out=runs/bon_rlb_p   # runs/bon_rlb_p/seed0, seed1, seed2
  bonaware train --list-methods
"""

from __future__ import annotations

import argparse
import os

from bonaware.config import add_config_arguments, config_from_args
from bonaware.training.config import TrainConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list-methods", action="store_true", help="list the training methods and exit")
    add_config_arguments(parser, TrainConfig)


def run(args: argparse.Namespace) -> int:
    from bonaware.training.methods import get_method, list_methods

    if args.list_methods:
        for name in list_methods():
            spec = get_method(name)
            print(f"{name:<18} {spec.description}")
        return 0
    cfg = config_from_args(TrainConfig, args)
    main = int(os.environ.get("RANK", "0")) == 0  # under accelerate/torchrun only rank 0 saves and prints
    if cfg.seeds is not None:
        from bonaware.training.seeds import train_seeds

        finals = train_seeds(cfg, progress=main)
        if main:
            print(f"trained {len(finals)} seeds: " + ", ".join(str(f) for f in finals))
        return 0
    from bonaware.training.trainer import train

    final = train(cfg)
    if main:
        print(f"trained model saved to {final}")
    return 0
