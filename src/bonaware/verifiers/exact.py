"""``exact``: R = 1 iff the task's extracted final answer equals the gold answer as text.

For answers that are neither numbers nor LaTeX (labels, names, short strings; the ``jsonl`` task's
``checker=exact``). The task's :meth:`~bonaware.tasks.base.Task.extract_answer` finds the answer in
the completion; both sides are compared after :func:`normalize_text` (whitespace runs collapsed,
outer ``$``/``**``/quotes and a final period dropped), case-sensitively unless ``ignore_case``.
Statuses: ``ok``, ``no_answer`` (the task found none). score = R (this is a checker, like ``math``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, register_verifier


def normalize_text(text: str, ignore_case: bool = False) -> str:
    """``"  **Paris.** "`` → ``"Paris"``: collapsed whitespace, no outer ``$ * " '`` or final period."""
    out = " ".join(text.split())
    for _ in range(3):  # "**'x'**." → x
        out = out.rstrip(".").strip().strip("*$\"'`").strip()
    return out.casefold() if ignore_case else out


@register_verifier("exact")
class ExactVerifier(Verifier):
    """Exact text match of the extracted answer; ``ignore_case`` compares case-insensitively."""

    name = "exact"

    def __init__(self, task: Task | None = None, ignore_case: bool = False, **kwargs: Any):
        super().__init__(task)
        if kwargs:
            raise BonawareError(f"exact verifier: unknown option(s) {', '.join(sorted(kwargs))}; known: ignore_case")
        if task is None:
            raise BonawareError("the exact verifier needs a task (it extracts the answers)")
        if not isinstance(ignore_case, bool):
            raise BonawareError(f"exact verifier: ignore_case must be true or false, got {ignore_case!r}")
        self.ignore_case = ignore_case

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        if len(problems) != len(completions):
            raise BonawareError(f"exact verifier: {len(problems)} problems but {len(completions)} completion lists")
        out = []
        for problem, row in zip(problems, completions):
            gold = normalize_text(problem.answer, self.ignore_case)
            verdicts = []
            for text in row:
                pred = self.task.extract_answer(text)
                if pred is None or not normalize_text(pred):
                    verdicts.append(Verdict(0.0, False, "no_answer"))
                else:
                    ok = normalize_text(pred, self.ignore_case) == gold
                    verdicts.append(Verdict(float(ok), ok, "ok"))
            out.append(verdicts)
        return out
