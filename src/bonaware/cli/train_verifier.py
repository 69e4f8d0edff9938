"""Train a ``learned`` verifier (scalar head on a small LM) on a policy's own samples; print its held-out AUC.

The samples come from ``bonaware eval`` (OUT/samples.jsonl) or from ``bonaware sample`` scored by
``bonaware verify``: every completion with its environment reward R is one example. Prompts are
split into train and held-out parts (no prompt in both); the held-out ROC-AUC and accuracy are
printed and saved in OUT/verifier.json. Use the result as ``--verifier learned:path=OUT``.
See docs/verifiers.md.

Examples:
  bonaware eval --model tiny --task arith --n 16 --temperatures 1.0 --num_prompts 200 \\
      --verifier oracle --out runs/eval/base
  bonaware train-verifier --samples runs/eval/base/samples.jsonl --model tiny --out runs/verifier
  bonaware eval --model tiny --verifier learned:path=runs/verifier,oracle --out runs/eval/learned
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.evaluation.samples import task_of_samples
from bonaware.verifiers.learned_train import LearnedVerifierConfig, samples_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, LearnedVerifierConfig)


def resolve_task_spec(cfg: LearnedVerifierConfig) -> tuple[str, str]:
    """(task name, task_args) from the flags, else from the first samples file's run file."""
    return task_of_samples(samples_file(cfg.samples[0]), cfg.task, cfg.task_args)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(LearnedVerifierConfig, args)
    from bonaware.config import parse_kv
    from bonaware.tasks import get_task
    from bonaware.verifiers.learned_train import train_learned_verifier

    name, task_args = resolve_task_spec(cfg)
    cfg.task, cfg.task_args = name, task_args
    task = get_task(name, **parse_kv(task_args, "--task_args"))
    result = train_learned_verifier(cfg, task)
    held, train = result.info["heldout"], result.info["train"]

    def fmt(m: dict) -> str:
        def num(x):
            return "undefined" if x is None else f"{x:.4f}"

        return (f"AUC {num(m['auc'])} (within prompt {num(m['auc_within_prompt'])}, over {m['mixed_prompts']} "
                f"prompts with both labels), accuracy {m['accuracy']:.4f} (positive rate {m['positive_rate']:.3f}), "
                f"{m['examples']} completions of {m['prompts']} prompts")

    print(f"held-out: {fmt(held)}\ntrain:    {fmt(train)}")
    print(f"verifier: {result.path}  (use --verifier learned:path={result.path})")
    return 0
