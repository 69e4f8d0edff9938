"""The ``code`` verifier: run each completion in the sandbox and judge it with its problem's unit tests.

The environment reward of paper.md §4 (HumanEval / MBPP): R = 1 iff the program passes every test,
with r = R as the Best-of-N score. The program runs in a fresh sandboxed process; the tests run in
a separate trusted judge process that calls the program's functions through a data-only channel
(docs/security.md, docs/verifiers.md §code), so the program can choose its outputs but never the
verdict. ``workers`` threads each drive one warm sandbox worker.

Problem formats, chosen by ``meta["format"]`` or else by which keys ``meta`` has:

* ``"humaneval"`` (``meta["test"]`` defines ``check(candidate)``, ``meta["entry_point"]`` names the
  function): the completion continues ``problem.prompt`` (the function body, or a whole function);
  the sandbox runs ``prompt + completion``; the judge runs the prompt as a trusted prelude (its
  helper functions, e.g. HumanEval/38's ``encode_cyclic``, stay the task's own), then ``test``,
  then ``check(<entry_point>)`` with the program's entry point.
* ``"mbpp"`` (``meta["test_list"]`` holds assert statements, optional ``meta["test_setup_code"]``):
  the completion is a whole program; the sandbox runs ``test_setup_code`` and the completion, the
  judge runs ``test_setup_code`` as its prelude and then the asserts, whose references to the
  program's functions (and other names it defines) call into the sandbox.

A completion holding a Markdown code fence is reduced to the first fenced block. ``meta["timeout"]``,
if present, overrides the verifier's CPU budget for that problem (per-problem limits, as in evalplus).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass, replace
from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, register_verifier
from bonaware.verifiers.sandbox import SandboxConfig, SandboxResult, run_program
from bonaware.verifiers.sandbox.config import MAX_SECONDS

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)
_SELF_TESTED: set[tuple] = set()


def extract_code(completion: str) -> str:
    """The first Markdown-fenced block of ``completion`` if it has one, else ``completion`` itself."""
    match = _FENCE.search(completion)
    return match.group(1) if match else completion


def problem_format(problem: Problem) -> str:
    """``"humaneval"`` or ``"mbpp"`` for ``problem`` (see the module docstring)."""
    meta = problem.meta
    fmt = meta.get("format")
    if fmt is None:
        if "test" in meta and "entry_point" in meta:
            fmt = "humaneval"
        elif "test_list" in meta:
            fmt = "mbpp"
    if fmt not in ("humaneval", "mbpp"):
        raise BonawareError(f"problem {problem.id!r}: meta needs format='humaneval' (with test, entry_point) "
                            f"or format='mbpp' (with test_list); got format={fmt!r}, keys {sorted(meta)}")
    required = ("test", "entry_point") if fmt == "humaneval" else ("test_list",)
    missing = [key for key in required if key not in meta]
    if missing:
        raise BonawareError(f"problem {problem.id!r}: format {fmt!r} needs meta[{missing[0]!r}]")
    return fmt


@dataclass(frozen=True)
class CodeProgram:
    """What :func:`run_program` runs for one completion: ``program`` units in the sandbox, ``tests``
    and the trusted ``prelude`` in the judge, ``entry_point`` always taken from the program."""

    program: tuple[str, ...]
    tests: tuple[str, ...]
    prelude: tuple[str, ...] = ()
    entry_point: str | None = None


def build_program(problem: Problem, completion: str) -> CodeProgram:
    """The :class:`CodeProgram` of one completion (see the module docstring)."""
    meta = problem.meta
    fence = _FENCE.search(completion)
    code = fence.group(1) if fence else completion
    if problem_format(problem) == "humaneval":
        entry = meta["entry_point"]
        if not isinstance(entry, str) or not entry.isidentifier():
            raise BonawareError(f"problem {problem.id!r}: meta['entry_point'] must be a Python name, got {entry!r}")
        if not isinstance(meta["test"], str) or not meta["test"].strip():
            raise BonawareError(f"problem {problem.id!r}: meta['test'] is empty (a problem without tests)")
        head = problem.prompt + ("\n" + code if fence else completion)
        return CodeProgram((head,), (meta["test"], f"check({entry})"), (problem.prompt,), entry)
    tests = meta["test_list"]
    if isinstance(tests, str) or not all(isinstance(t, str) for t in tests):
        raise BonawareError(f"problem {problem.id!r}: meta['test_list'] must be a list of assert strings")
    if not any(t.strip() for t in tests):
        raise BonawareError(f"problem {problem.id!r}: meta['test_list'] is empty (a problem without tests)")
    setup = meta.get("test_setup_code") or ""
    prelude = (setup,) if setup.strip() else ()
    return CodeProgram(prelude + (code,), ("\n".join(tests),), prelude)


@register_verifier("code")
class CodeVerifier(Verifier):
    """Unit-test verifier: ``Verdict(score=1.0, correct=True, status="passed")`` iff all tests pass.

    Args:
        task: the task the problems come from (unused: the problems carry their tests).
        timeout: CPU seconds per program, and per program for its tests (default 3.0; a wall-clock
            backstop of ``3 × timeout + 5`` s applies too; see :class:`SandboxConfig`).
        memory_mb: address-space limit per process (default 1024).
        workers: sandboxes run in parallel (default: the number of CPUs).
        config: a full :class:`SandboxConfig`; ``timeout``/``memory_mb``/``sandbox_options`` override it.
        progress: show a tqdm bar while scoring.
        sandbox_options: any other :class:`SandboxConfig` field, e.g. ``isolation="userns"``.

    Building one runs a self-test (a passing program, a failing one, and one returning an object
    equal to everything; once per configuration and process) so that a broken sandbox fails loudly
    instead of scoring everything 0 — or 1.
    """

    name = "code"

    def __init__(self, task: Task | None = None, *, timeout: float | None = None,
                 memory_mb: int | None = None, workers: int | None = None,
                 config: SandboxConfig | None = None, progress: bool = False, **sandbox_options: Any):
        super().__init__(task)
        overrides = {k: v for k, v in (("timeout", timeout), ("memory_mb", memory_mb)) if v is not None}
        unknown = sorted(set(sandbox_options) - set(SandboxConfig.__dataclass_fields__))
        if unknown:
            raise BonawareError(f"code verifier: unknown option(s) {', '.join(unknown)}; "
                                f"known: {', '.join(SandboxConfig.__dataclass_fields__)}")
        self.config = replace(config or SandboxConfig(), **overrides, **sandbox_options)
        self.config.validate()
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise BonawareError(f"code verifier: workers must be a positive integer, got {workers!r}")
        self.progress = progress
        self._pool: ThreadPoolExecutor | None = None
        self._self_test()

    def _self_test(self) -> None:
        key = astuple(self.config)
        if key in _SELF_TESTED:
            return
        good = run_program("def f(x):\n    return 2 * x", self.config, tests="assert f(2) == 4", entry_point="f")
        bad = run_program("def f(x):\n    return 2 * x", self.config, tests="assert f(2) == 5", entry_point="f")
        forged = run_program("class E:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return E()",
                             self.config, tests="assert f(2) == 5", entry_point="f")
        if not (good.passed and bad.status == "failed" and forged.status == "error"):
            raise BonawareError(f"code sandbox self-test failed: a passing program -> {good.status} "
                                f"{good.detail}; a failing program -> {bad.status} {bad.detail}; an always-equal "
                                f"return value -> {forged.status} {forged.detail}")
        _SELF_TESTED.add(key)

    def results(self, problems: Sequence[Problem],
                completions: Sequence[Sequence[str]]) -> list[list[SandboxResult]]:
        """Run every completion; ``results[i][j]`` is the :class:`SandboxResult` of ``completions[i][j]``.

        Identical programs (frequent among Best-of-N samples) run once per call.
        """
        if len(problems) != len(completions):
            raise BonawareError(f"code verifier: {len(problems)} problems but "
                                f"{len(completions)} lists of completions")
        jobs: dict[tuple, list[tuple[int, int]]] = {}
        for i, (problem, group) in enumerate(zip(problems, completions)):
            if isinstance(group, str) or not all(isinstance(c, str) for c in group):
                raise BonawareError(f"code verifier: completions[{i}] must be a list of str")
            timeout = problem.meta.get("timeout", self.config.timeout)
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
                    not 0 < timeout <= MAX_SECONDS:
                raise BonawareError(f"problem {problem.id!r}: meta['timeout'] must be a number of seconds in "
                                    f"(0, {MAX_SECONDS:g}], got {timeout!r}")
            for j, completion in enumerate(group):
                jobs.setdefault((build_program(problem, completion), timeout), []).append((i, j))
        out: list[list[SandboxResult | None]] = [[None] * len(group) for group in completions]
        futures = {self._executor().submit(self._run, program, timeout, places[0]): places
                   for (program, timeout), places in jobs.items()}
        pending = futures
        if self.progress:
            from concurrent.futures import as_completed

            from tqdm.auto import tqdm

            pending = tqdm(as_completed(futures), total=len(futures), desc="code verifier", unit="program")
        for future in pending:
            result = future.result()
            for i, j in futures[future]:
                out[i][j] = result
        return out  # type: ignore[return-value]

    def _run(self, program: CodeProgram, timeout: float, where: tuple[int, int]) -> SandboxResult:
        for _ in range(2):  # a sandbox_error is a start-up failure (e.g. fork under load): retry once
            result = run_program(program.program, self.config, tests=program.tests, prelude=program.prelude,
                                 entry_point=program.entry_point, timeout=timeout)
            if result.status != "sandbox_error":
                break
        if result.status == "sandbox_error":
            raise BonawareError(f"code sandbox could not run completions[{where[0]}][{where[1]}]: "
                                f"{result.detail}")
        return result

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        """``Verdict(1.0, True, "passed")`` or ``Verdict(0.0, False, status)`` per completion."""
        return [[Verdict(float(r.passed), r.passed, r.status) for r in row]
                for row in self.results(problems, completions)]

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="bonaware-sandbox")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
