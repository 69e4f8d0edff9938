"""List the registered tasks with their split sizes, kind and default verifier.

Tasks that read local files need ``--task_args path=...`` to be counted; without it they are listed
with the schema they expect. ``jsonl`` is the generic task for your own data (docs/tasks.md).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bonaware.config import add_config_arguments, config_from_args, option, parse_kv
from bonaware.errors import BonawareError
from bonaware.tasks import get_task, list_tasks
from bonaware.tasks.splits import SPLITS


@dataclass
class TasksConfig:
    """Configuration of ``bonaware tasks``."""

    names: list[str] = option([], "tasks to show", default_text="all", positional=True)
    task_args: str = option("", "task options passed to every shown task as KEY=VALUE,... pairs, "
                            "e.g. 'path=data/gsm8k.jsonl'", aliases={"--task-arg": ","})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, TasksConfig)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(TasksConfig, args)
    options = parse_kv(cfg.task_args, "--task_args")
    names = cfg.names or list_tasks()
    print(f"{'task':<10} {'kind':<5} {'verifier':<8} {'train':>7} {'val':>7} {'test':>7}")
    for name in names:
        try:
            task = get_task(name, **options)
            sizes = [len(task.problems(split)) for split in SPLITS]
        except BonawareError as exc:
            if cfg.names:
                raise
            print(f"{name:<10} {'':<5} {'':<8} {'-':>7} {'-':>7} {'-':>7}  ({exc})")
            continue
        print(f"{name:<10} {task.kind:<5} {task.default_verifier:<8} " + " ".join(f"{n:>7}" for n in sizes))
    return 0
