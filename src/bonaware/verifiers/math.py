"""``math``: final-answer correctness R ∈ {0, 1} (paper.md §4, MATH experiments).

Two paths:

* **exact numbers** — tasks with ``answer_type == "number"`` (``arith``, ``gsm8k``): the task's
  own :meth:`~bonaware.tasks.base.Task.extract_answer` and exact numeric equality. In-process, fast.
* **math-verify** — everything else: ``verify(parse(gold), parse(completion))`` (gold first: the
  library is asymmetric on purpose). A gold answer without ``$``/``\\boxed`` is wrapped as
  ``$\\boxed{gold}$`` before parsing, so ``3, -3`` parses as a set and ``(1,2]`` as an interval
  (prior-art.md §5, Skywork-OR1#16). math-verify uses ``signal.alarm``, which only works in a
  process's main thread, so it runs in a :class:`~bonaware.verifiers.pool.TimeoutPool` with a hard
  per-item limit; a hung item gets ``Verdict(0.0, False, "timeout")``.

The completion's answer must be **anchored** (``anchored=True``, the default): a ``\\boxed{}`` or a
phrase such as "the answer is" / "Final answer:" in front of it, as the tasks' instructions ask.
math-verify's default parse takes any expression anywhere in the text, and on long, rambling samples
that turns a stray "1" into a correct answer whenever the gold is 1: on CHAMP, 13 of the 14 base
SmolLM2-135M samples the unanchored parse judged correct were such false positives (experiment 9b
of round 1: ``git show be652da:docs/results.md``).
``math:anchored=false`` restores the lenient parse (the open-r1 accuracy reward also anchors).

Statuses: ``ok``; ``no_answer`` (nothing parseable in the completion); ``gold_parse_error`` (the
reference answer did not parse — a data problem, logged); ``timeout``; ``error``. Counts accumulate
in :attr:`MathVerifier.counts`; failures are logged to the ``bonaware.verifiers.math`` logger and,
with ``log_path``, appended as JSONL rows (problem id, status, completion head).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bonaware.errors import BonawareError
from bonaware.io import JsonlAppender
from bonaware.tasks.answers import numbers_equal
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, register_verifier
from bonaware.verifiers.pool import TimeoutPool

log = logging.getLogger("bonaware.verifiers.math")

FAILURES = ("no_answer", "gold_parse_error", "timeout", "error")


def gold_for_parsing(answer: str) -> str:
    """``$\\boxed{answer}$`` unless the answer already carries LaTeX delimiters or a box."""
    if "$" in answer or "\\boxed" in answer or "\\(" in answer or "\\[" in answer:
        return answer
    return f"$\\boxed{{{answer}}}$"


def judge(gold: str, completion: str, timeout: int, anchored: bool = True) -> tuple[str, bool]:
    """math-verify on one pair, run in a worker: ``(status, correct)``."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    gold_parsed = parse(gold, parsing_timeout=timeout)
    if not gold_parsed:
        return "gold_parse_error", False
    if anchored:  # only "\boxed{...}" / "the answer is ..." count; boxed first (as open-r1 does)
        config = [LatexExtractionConfig(try_extract_without_anchor=False, boxed_match_priority=0),
                  ExprExtractionConfig(try_extract_without_anchor=False)]
        pred = parse(completion, extraction_config=config, parsing_timeout=timeout)
    else:
        pred = parse(completion, parsing_timeout=timeout)
    if not pred:
        return "no_answer", False
    return "ok", bool(verify(gold_parsed, pred, timeout_seconds=timeout))


def _warm_up() -> None:
    import math_verify  # noqa: F401  (sympy/antlr imports happen before the first timed item)


@register_verifier("math")
class MathVerifier(Verifier):
    """Math answer checking; score = 1.0 if correct else 0.0.

    Args:
        task: the task (its ``answer_type`` picks the exact-number path).
        workers: math-verify worker processes.
        timeout: math-verify's own parse/verify limits in seconds; the hard per-item limit of the
            pool is ``3 * timeout + 5`` (two parses and one verify).
        log_path: optional JSONL file that failures are appended to.
        mp_context: start method of the worker processes.
        anchored: only answers behind ``\\boxed{}`` or "the answer is"-style anchors count (see the
            module docstring); ``False`` lets math-verify take any expression in the text.
    """

    name = "math"

    def __init__(self, task: Task | None = None, workers: int = 2, timeout: int = 5,
                 log_path: str | None = None, mp_context: str = "spawn", anchored: bool = True, **kwargs: Any):
        super().__init__(task)
        if kwargs:
            raise BonawareError(f"math verifier: unknown option(s) {', '.join(sorted(kwargs))}; "
                                "known: workers, timeout, log_path, mp_context, anchored")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= 86400:
            raise BonawareError(f"math verifier: timeout must be a number of seconds in [1, 86400], got {timeout!r}")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise BonawareError(f"math verifier: workers must be a positive integer, got {workers!r}")
        self.workers, self.timeout, self.mp_context = workers, math.ceil(timeout), mp_context
        self.log_path = log_path
        if not isinstance(anchored, bool):
            raise BonawareError(f"math verifier: anchored must be true or false, got {anchored!r}")
        self.anchored = anchored
        self.counts: Counter[str] = Counter()
        self._pool: TimeoutPool | None = None

    @property
    def exact(self) -> bool:
        """Whether this task's answers are plain numbers compared exactly (no math-verify)."""
        return self.task is not None and getattr(self.task, "answer_type", "math") == "number"

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        if len(problems) != len(completions):
            raise BonawareError(f"math verifier: {len(problems)} problems but "
                                f"{len(completions)} completion lists")
        verdicts: list[list[Verdict | None]] = [[None] * len(row) for row in completions]
        jobs: list[tuple[int, int]] = []
        for i, (problem, row) in enumerate(zip(problems, completions)):
            for j, text in enumerate(row):
                if self.exact:
                    pred = self.task.extract_answer(text)
                    if pred is None:
                        verdicts[i][j] = Verdict(0.0, False, "no_answer")
                    else:
                        ok = numbers_equal(pred, problem.answer)
                        verdicts[i][j] = Verdict(float(ok), ok, "ok")
                else:
                    jobs.append((i, j))
        if jobs:
            items = [(gold_for_parsing(problems[i].answer), completions[i][j], self.timeout, self.anchored)
                     for i, j in jobs]
            for (i, j), (kind, value) in zip(jobs, self._get_pool().map(items, desc="math-verify")):
                if kind == "ok":
                    status, ok = value
                    verdicts[i][j] = Verdict(float(ok), ok, status)
                else:
                    verdicts[i][j] = Verdict(0.0, False, kind)
                    if kind == "error":
                        log.debug("math-verify error on %s: %s", problems[i].id, value)
        self._record(problems, completions, verdicts)
        return verdicts  # type: ignore[return-value]

    def _get_pool(self) -> TimeoutPool:
        if self._pool is None:
            self._pool = TimeoutPool(judge, workers=self.workers, timeout=3 * self.timeout + 5,
                                     initializer=_warm_up, mp_context=self.mp_context)
        return self._pool

    def _record(self, problems, completions, verdicts) -> None:
        batch = Counter(v.status for row in verdicts for v in row)
        self.counts.update(batch)
        failed = {k: batch[k] for k in FAILURES if batch[k]}
        if failed:
            # unparseable samples are routine at T = 1; bad golds, timeouts and crashes are not
            level = logging.INFO if set(failed) == {"no_answer"} else logging.WARNING
            summary = ", ".join(f"{n} {k}" for k, n in failed.items())
            log.log(level, "math verifier: %s of %d completions", summary, sum(batch.values()))
        if failed and self.log_path:
            with JsonlAppender(self.log_path) as out:
                out.write_many({"problem_id": p.id, "status": v.status, "gold": p.answer,
                                "completion": c[:500]}
                               for p, row, vs in zip(problems, completions, verdicts)
                               for c, v in zip(row, vs) if v.status in FAILURES)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
