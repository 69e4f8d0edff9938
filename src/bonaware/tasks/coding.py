"""Shared behaviour of code tasks (``humaneval``, ``mbpp``; paper.md §4 code experiments).

A code task's completion is turned into one Python *program* by :meth:`CodeTask.program`; the
completion is correct iff that program exits with status 0 (every test assertion passed). The
``code`` verifier runs it in a sandbox. ``meta`` keeps the dataset's raw fields as well
(HumanEval: ``test``, ``entry_point``, ``canonical_solution``; MBPP: ``test_list``, ...).

Completions come in two shapes, both handled by :func:`extract_code`:

* a continuation of the prompt (base models / no chat template): used as is, up to a closing fence;
* a chat answer with a fenced ```` ```python ```` block: the first fenced block's content.
"""

from __future__ import annotations

import re
from typing import Any

from bonaware.tasks.base import Problem, Task

_FENCE_RE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(completion: str) -> str:
    """The code in ``completion``: the first complete fenced block if there is one; else the text
    before a closing fence (a continuation that ended its block); else the whole completion."""
    block = _FENCE_RE.search(completion)
    if block:
        return block.group(1)
    if "```" in completion:
        return completion.split("```", 1)[0]
    return completion


def has_chat_template(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


class CodeTask(Task):
    """Base class for code tasks: ``kind="code"``, judged by the ``code`` verifier."""

    kind = "code"
    default_verifier = "code"
    answer_type = "code"

    def program(self, problem: Problem, completion: str) -> str:
        """The complete Python program that exits 0 iff ``completion`` solves ``problem``."""
        raise NotImplementedError

    def extract_answer(self, completion: str) -> str | None:
        """The code of ``completion`` (see :func:`extract_code`); None when it is blank."""
        code = extract_code(completion)
        return code if code.strip() else None

    def format_prompt(self, problem: Problem, tokenizer: Any = None) -> str:
        """Chat template → :meth:`instruction` in a user turn; otherwise the raw continuation prompt."""
        if has_chat_template(tokenizer):
            return super().format_prompt(problem, tokenizer)
        return self.continuation_prompt(problem)

    def continuation_prompt(self, problem: Problem) -> str:
        """The prompt for models without a chat template."""
        return problem.prompt
