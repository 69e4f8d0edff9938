"""CodeVerifier: problem formats, verdicts, de-duplication, per-problem timeouts, clear errors."""

from __future__ import annotations

import pytest

import bonaware.verifiers.code as code_module
from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem
from bonaware.verifiers.base import Verdict, get_verifier
from bonaware.verifiers.code import CodeVerifier, build_program, extract_code
from bonaware.verifiers.sandbox import SandboxResult

HUMANEVAL = Problem(
    "toy/add", 'def add(a, b):\n    """Return a + b."""\n', "",
    {"test": "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n",
     "entry_point": "add"},
)
MBPP = Problem(
    "toy/mbpp", "Write a function add(a, b).", "",
    {"test_list": ["assert add(2, 3) == 5", "assert add(-1, 1) == OFFSET"], "test_setup_code": "OFFSET = 0"},
)


@pytest.fixture(scope="module")
def verifier():
    with CodeVerifier(timeout=3.0, workers=2) as v:
        yield v


def test_registered_under_the_name_code():
    verifier = get_verifier("code", timeout=2.0, workers=1)
    assert isinstance(verifier, CodeVerifier) and verifier.config.timeout == 2.0


def test_humaneval_completions_body_whole_function_or_fenced(verifier):
    completions = [
        "    return a + b\n",
        "    return a - b\n",
        "def add(a, b):\n    return b + a\n",
        "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.",
        "    return a + b\n'''\n",  # tries to turn the tests into a string literal
        "    return a +\n",
    ]
    verdicts = verifier.score([HUMANEVAL], [completions])[0]
    assert [v.correct for v in verdicts] == [True, False, True, True, False, False]
    assert verdicts[0] == Verdict(1.0, True, "passed")
    assert verdicts[1] == Verdict(0.0, False, "failed")
    assert verdicts[5].status == "error"  # SyntaxError


def test_mbpp_completions_run_setup_then_code_then_asserts(verifier):
    completions = ["def add(a, b):\n    return a + b", "def add(a, b):\n    return 5",
                   "```\ndef add(a, b):\n  return a+b\n```"]
    assert [v.correct for v in verifier.score([MBPP], [completions])[0]] == [True, False, True]
    tests = "assert add(2, 3) == 5\nassert add(-1, 1) == OFFSET"
    assert build_program(MBPP, "x") == (["OFFSET = 0", "x"], [tests])


def test_explicit_format_wins_over_detection():
    problem = Problem("p", "", "", {"format": "mbpp", "test_list": ["assert f() == 1"], "test": "ignored",
                                    "entry_point": "f"})
    code = "def f():\n    return 1"
    assert build_program(problem, code) == ([code], ["assert f() == 1"])


def test_extract_code_takes_the_first_fenced_block_or_everything():
    assert extract_code("a\n```py\nx = 1\n```\n```\ny = 2\n```") == "x = 1\n"
    assert extract_code("```python\nunterminated = 1\n") == "unterminated = 1\n"
    assert extract_code("    return 1\n") == "    return 1\n"


def test_identical_programs_run_once(monkeypatch):
    calls = []
    real = code_module.run_program

    def counting(program, config=None, **kw):
        calls.append(program)
        return real(program, config, **kw)

    verifier = CodeVerifier(timeout=3.0, workers=2)
    monkeypatch.setattr(code_module, "run_program", counting)
    good, bad = "    return a + b\n", "    pass\n"
    verdicts = verifier.score([HUMANEVAL, HUMANEVAL], [[good] * 3, [good, bad]])
    assert [[v.correct for v in row] for row in verdicts] == [[True] * 3, [True, False]]
    assert len(calls) == 2


def test_meta_timeout_overrides_the_verifier_timeout(verifier):
    slow = "    import time\n    time.sleep(1.0)\n    return a + b\n"
    fast_problem = Problem(HUMANEVAL.id, HUMANEVAL.prompt, "", {**HUMANEVAL.meta, "timeout": 0.3})
    assert verifier.score([HUMANEVAL], [[slow]])[0][0].status == "passed"
    assert verifier.score([fast_problem], [[slow]])[0][0].status == "timeout"


def test_progress_bar_mode_gives_the_same_verdicts():
    with CodeVerifier(timeout=3.0, workers=1, progress=True) as verifier:
        verdicts = verifier.score([HUMANEVAL], [["    return a + b\n", "    pass\n"]])[0]
    assert [v.correct for v in verdicts] == [True, False]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({}, "meta needs format='humaneval'"),
        ({"format": "apps"}, "got format='apps'"),
        ({"format": "humaneval", "test": "x"}, "needs meta\\['entry_point'\\]"),
        ({"test_list": "assert f() == 1"}, "must be a list of assert strings"),
    ],
)
def test_malformed_problems_are_clear_errors(meta, message):
    with pytest.raises(BonawareError, match=message):
        build_program(Problem("bad/1", "", "", meta), "pass")


def test_malformed_calls_are_clear_errors(verifier):
    with pytest.raises(BonawareError, match="1 problems but 2 lists"):
        verifier.score([HUMANEVAL], [[], []])
    with pytest.raises(BonawareError, match=r"completions\[0\] must be a list of str"):
        verifier.score([HUMANEVAL], ["    return a + b\n"])
    with pytest.raises(BonawareError, match="meta\\['timeout'\\] must be a positive number"):
        verifier.score([Problem("p", HUMANEVAL.prompt, "", {**HUMANEVAL.meta, "timeout": "fast"})], [["x"]])
    with pytest.raises(BonawareError, match="unknown option"):
        CodeVerifier(time_limit=3)
    with pytest.raises(BonawareError, match="workers must be a positive integer"):
        CodeVerifier(workers=0)


def test_broken_sandbox_fails_loudly_not_with_zero_rewards(monkeypatch):
    monkeypatch.setattr(code_module, "_SELF_TESTED", set())
    monkeypatch.setattr(code_module, "run_program", lambda *a, **k: SandboxResult("failed", "always"))
    with pytest.raises(BonawareError, match="self-test failed"):
        CodeVerifier(timeout=1.0)
    verifier = CodeVerifier.__new__(CodeVerifier)  # skip the self-test to reach scoring
    verifier.config, verifier.workers, verifier.progress = code_module.SandboxConfig(), 1, False
    verifier._pool = None
    monkeypatch.setattr(code_module, "run_program", lambda *a, **k: SandboxResult("sandbox_error", "no fork"))
    with pytest.raises(BonawareError, match=r"could not run completions\[0\]\[0\]: no fork"):
        verifier.score([HUMANEVAL], [["    return a + b\n"]])
