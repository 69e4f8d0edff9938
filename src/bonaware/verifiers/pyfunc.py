"""``pyfunc``: the ``pyfunc`` task's checker — the ``code`` verifier, with known bodies judged exactly
without a sandbox run.

Training against the code sandbox costs one sandboxed interpreter per distinct program (tens of ms
each, docs/benchmarks.md), which dominated an RL step on ``tiny-code``. Most samples of a model
trained on ``pyfunc`` are a single ``return <body>`` line whose body is one that a pyfunc family
spells (:func:`bonaware.tasks.pyfunc_space.known_bodies`); for those the verdict is known without
running the sample: bonaware evaluates **its own** compiled function for that body on the test's
inputs, in the order of the test's asserts, and reports what the sandbox would (``passed``; the
first mismatch ``failed``; an exception first ``error``). No model text runs outside the sandbox:
the completion is only compared, as a string, with bonaware's own bodies. Every other completion
(an unknown body, several lines, a syntax error, a chat answer) goes to the ``code`` verifier with
the sandbox's limits unchanged.

The test is read, not run: it must be HumanEval's schema with literal calls only
(``def check(candidate):`` then ``assert candidate(<literals>) == <literal>`` lines, parsed with
``ast.literal_eval``); any other test sends the completion to the sandbox. So derived problems (the
``public_tests`` verifier's one-example tests) take the fast path too.

Options: those of the ``code`` verifier (``timeout``, ``workers``, ...), plus ``fast=False`` to
send everything to the sandbox (then it equals ``--verifier code``).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence
from typing import Any

from bonaware.tasks.base import Problem, Task
from bonaware.tasks.pyfunc import INDENT
from bonaware.verifiers.base import Verdict, Verifier, get_verifier, register_verifier

#: a completion that is one ``return`` line of the body's indentation (trailing blanks allowed)
RETURN_LINE = re.compile(re.escape(INDENT) + r"return ([^\n]*?)[ \t]*\n?")


@functools.lru_cache(maxsize=4096)
def literal_cases(test: str) -> tuple[tuple[tuple, Any], ...] | None:
    """``((args, expected), ...)`` of a test made only of ``assert candidate(<literals>) == <literal>``
    lines inside ``def check(candidate):``; None for any other test."""
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef) or tree.body[0].name != "check":
        return None
    out = []
    for stmt in tree.body[0].body:
        if not (isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare) and stmt.msg is None
                and len(stmt.test.ops) == 1 and isinstance(stmt.test.ops[0], ast.Eq)):
            return None
        call = stmt.test.left
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "candidate"
                and not call.keywords):
            return None
        try:
            args = tuple(ast.literal_eval(a) for a in call.args)
            expected = ast.literal_eval(stmt.test.comparators[0])
        except ValueError:
            return None
        out.append((args, expected))
    return tuple(out) if out else None


def known_verdict(problem: Problem, completion: str) -> Verdict | None:
    """The verdict of ``completion`` if it is a known pyfunc body and the test is literal; else None."""
    from bonaware.tasks.pyfunc_space import FAMILIES, call, known_bodies

    family = problem.meta.get("family")
    match = RETURN_LINE.fullmatch(completion)
    if family not in FAMILIES or not match or problem.meta.get("entry_point") != "f":
        return None
    if not problem.prompt.startswith(f"def f({', '.join(FAMILIES[family][1])}):\n"):
        return None  # the program would not define f(<args>) as pyfunc's header does
    body = match.group(1)
    owner = known_bodies(FAMILIES[family][1]).get(body)
    cases = literal_cases(problem.meta.get("test", ""))
    if owner is None or cases is None:
        return None
    for args, expected in cases:
        try:
            ok = call(owner, body, args) == expected
        except Exception:  # the sandbox would see this exception escape check(): status "error"
            return Verdict(0.0, False, "error")
        if not ok:
            return Verdict(0.0, False, "failed")
    return Verdict(1.0, True, "passed")


@register_verifier("pyfunc")
class PyFuncVerifier(Verifier):
    """``code`` verifier verdicts; known bodies judged without the sandbox (module docstring).

    ``known`` counts the completions judged on the fast path, ``sandboxed`` the others (for the
    cost report of ``benchmarks/pyfunc_training_step.py``).
    """

    name = "pyfunc"

    def __init__(self, task: Task | None = None, fast: bool = True, **kwargs: Any):
        super().__init__(task)
        self.fast = bool(fast)
        self.code = get_verifier("code", task, **kwargs)
        self.known = self.sandboxed = 0

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        out: list[list[Verdict | None]] = [
            [known_verdict(p, c) if self.fast else None for c in row] for p, row in zip(problems, completions)]
        todo = [(i, j) for i, row in enumerate(out) for j, v in enumerate(row) if v is None]
        self.known += sum(len(row) for row in out) - len(todo)
        self.sandboxed += len(todo)
        if todo:
            rows = sorted({i for i, _ in todo})
            sub = self.code.score([problems[i] for i in rows],
                                  [[completions[i][j] for j, v in enumerate(out[i]) if v is None] for i in rows])
            for i, verdicts in zip(rows, sub):
                it = iter(verdicts)
                out[i] = [v if v is not None else next(it) for v in out[i]]
        return out  # type: ignore[return-value]

    def close(self) -> None:
        self.code.close()
