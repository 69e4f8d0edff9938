"""List the registered tasks with their split sizes, kind and default verifier.

Tasks that read local files need ``--task-arg path=...`` to be counted; without it they are listed
with the schema they expect.
"""

from __future__ import annotations

import argparse

from bonaware.cli.verify import parse_key_values
from bonaware.errors import BonawareError
from bonaware.tasks import get_task, list_tasks
from bonaware.tasks.splits import SPLITS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", help="tasks to show (default: all)")
    parser.add_argument("--task-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="option passed to every shown task (e.g. path=data/gsm8k.jsonl)")


def run(args: argparse.Namespace) -> int:
    options = parse_key_values(args.task_arg, "--task-arg")
    names = args.names or list_tasks()
    print(f"{'task':<10} {'kind':<5} {'verifier':<8} {'train':>7} {'val':>7} {'test':>7}")
    for name in names:
        try:
            task = get_task(name, **options)
            sizes = [len(task.problems(split)) for split in SPLITS]
        except BonawareError as exc:
            if args.names:
                raise
            print(f"{name:<10} {'':<5} {'':<8} {'-':>7} {'-':>7} {'-':>7}  ({exc})")
            continue
        print(f"{name:<10} {task.kind:<5} {task.default_verifier:<8} " + " ".join(f"{n:>7}" for n in sizes))
    return 0
