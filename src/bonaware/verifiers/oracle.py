"""``oracle``: the environment reward R itself as the verifier score (paper.md §1; pass@N).

With r = R, Best-of-N selection picks a correct completion whenever one exists, so BoN@N equals
pass@N (paper.md §3.4). Correctness comes from the task's checker, i.e. its default verifier
(``math`` for math tasks, ``code`` for code tasks); the score is that correctness as 0.0/1.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, get_verifier, register_verifier


@register_verifier("oracle")
class OracleVerifier(Verifier):
    """score = correct ∈ {0.0, 1.0}; ``kwargs`` go to the task's checker (e.g. ``workers``, ``timeout``)."""

    name = "oracle"

    def __init__(self, task: Task | None = None, **kwargs: Any):
        super().__init__(task)
        if task is None:
            raise BonawareError("the oracle verifier needs a task (its checker defines correctness)")
        if task.default_verifier == "oracle":
            raise BonawareError(f"task {task.name!r} names 'oracle' as its own checker")
        self.checker = get_verifier(task.default_verifier, task, **kwargs)

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        return [[Verdict(float(v.correct), v.correct, v.status) for v in row]
                for row in self.checker.score(problems, completions)]

    def close(self) -> None:
        self.checker.close()
