"""``public_tests``: rank code samples by the share of the *shown* examples they pass (paper.md §4).

The realistic, imperfect verifier of programming-by-example and competitive programming: before
submitting, a solver can run its candidates on the examples of the problem statement, not on the
hidden tests (AlphaCode's filtering, Li et al. 2022). A candidate that fits the examples but not
the function scores 1 and is wrong, so Best-of-N with this verifier is below pass@N: the gap is
what an imperfect verifier costs.

A problem's public tests are ``meta["public_tests"]``: ``assert candidate(...) == ...`` lines
(``pyfunc`` fills them with its shown examples). Each line runs as its own HumanEval-schema test
(``def check(candidate): <line>``) through the ``code`` verifier's sandbox, so the score is the
share of lines passed; ``mode="all"`` runs them together and scores 1 iff all pass (one sandbox
run per candidate instead of one per example, as AlphaCode's binary filter). ``correct`` and
``status`` are the task checker's verdict on the hidden tests (R, as for every verifier), so
training and reports still see the true reward.

Options (``--verifier public_tests:mode=all``): ``mode`` (``"share"`` default, or ``"all"``);
any other option goes to the task's checker (e.g. ``workers``, ``timeout``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, get_verifier, register_verifier


def public_problems(problem: Problem, mode: str) -> list[Problem]:
    """One HumanEval-schema problem per public test (``mode="share"``) or one with all of them."""
    lines = problem.meta.get("public_tests")
    if not lines or isinstance(lines, str) or not all(isinstance(t, str) for t in lines):
        raise BonawareError(f"public_tests verifier: problem {problem.id!r} has no meta['public_tests'] "
                            "(a list of 'assert candidate(...) == ...' lines)")
    if "entry_point" not in problem.meta:
        raise BonawareError(f"public_tests verifier: problem {problem.id!r} has no meta['entry_point']")
    groups = [lines] if mode == "all" else [[line] for line in lines]
    return [replace(problem, meta={**problem.meta, "format": "humaneval",
                                   "test": "def check(candidate):\n" + "".join(f"    {t}\n" for t in group)})
            for group in groups]


@register_verifier("public_tests")
class PublicTestsVerifier(Verifier):
    """score = share of the public tests passed (or 1/0 for all of them, ``mode="all"``);
    correct/status = the task checker's verdict on the hidden tests.

    Args:
        task: the task; its default verifier is the checker (the hidden tests).
        mode: ``"share"`` or ``"all"``.
        checker: an already built checker to reuse (else one is built with ``kwargs``).
        kwargs: options of the checker and of the ``code`` verifier that runs the public tests.
    """

    name = "public_tests"

    def __init__(self, task: Task | None = None, mode: str = "share", checker: Verifier | None = None,
                 **kwargs: Any):
        super().__init__(task)
        if mode not in ("share", "all"):
            raise BonawareError(f"public_tests verifier: mode must be 'share' or 'all', got {mode!r}")
        if task is None and checker is None:
            raise BonawareError("public_tests verifier: needs a task (its checker gives the correctness R)")
        self.mode = mode
        self._own = checker is None
        self.checker = checker or get_verifier(task.default_verifier, task, **kwargs)
        # the public tests run in the code sandbox; reuse the checker when it is one
        self.runner = self.checker if self.checker.name in ("code", "pyfunc") else get_verifier("code", task, **kwargs)

    def public_scores(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[float]]:
        """The public-test score of every completion (no hidden tests run)."""
        if len(problems) != len(completions):
            raise BonawareError(f"public_tests verifier: {len(problems)} problems but "
                                f"{len(completions)} lists of completions")
        derived, owner = [], []
        for i, problem in enumerate(problems):
            for q in public_problems(problem, self.mode):
                derived.append(q)
                owner.append(i)
        verdicts = self.runner.score(derived, [completions[i] for i in owner])  # one sandbox pool for all
        passed = [[0] * len(row) for row in completions]
        counts = [0] * len(problems)
        for i, row in zip(owner, verdicts):
            counts[i] += 1
            for j, v in enumerate(row):
                passed[i][j] += v.correct
        return [[p / counts[i] for p in row] for i, row in enumerate(passed)]

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        truth = self.checker.score(problems, completions)
        public = self.public_scores(problems, completions)
        return [[Verdict(s, v.correct, v.status) for s, v in zip(ss, vs)] for ss, vs in zip(public, truth)]

    def close(self) -> None:
        if self.runner is not self.checker:
            self.runner.close()
        if self._own:
            self.checker.close()
