"""CodeVerifier: problem formats, verdicts, what crosses between the judge and the program (mutated
arguments, generators, expected exceptions, names the tests use), de-duplication, per-problem CPU
budgets, clear errors."""

from __future__ import annotations

import pytest

import bonaware.verifiers.code as code_module
from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem
from bonaware.verifiers.base import Verdict, get_verifier
from bonaware.verifiers.code import CodeProgram, CodeVerifier, build_program, extract_code
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
    assert build_program(MBPP, "x") == CodeProgram(("OFFSET = 0", "x"), (tests,), ("OFFSET = 0",), None)


def test_humaneval_program_runs_prompt_and_completion_and_the_judge_gets_the_prompt_as_prelude():
    program = build_program(HUMANEVAL, "    return a + b\n")
    assert program.program == (HUMANEVAL.prompt + "    return a + b\n",)
    assert program.tests == (HUMANEVAL.meta["test"], "check(add)")
    assert (program.prelude, program.entry_point) == ((HUMANEVAL.prompt,), "add")


def test_explicit_format_wins_over_detection():
    problem = Problem("p", "", "", {"format": "mbpp", "test_list": ["assert f() == 1"], "test": "ignored",
                                    "entry_point": "f"})
    code = "def f():\n    return 1"
    assert build_program(problem, code) == CodeProgram((code,), ("assert f() == 1",))


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


def test_meta_timeout_overrides_the_verifier_cpu_budget(verifier):
    slow = "    import time\n    while time.process_time() < 0.6:\n        pass\n    return a + b\n"
    fast_problem = Problem(HUMANEVAL.id, HUMANEVAL.prompt, "", {**HUMANEVAL.meta, "timeout": 0.3})
    assert verifier.score([HUMANEVAL], [[slow]])[0][0].status == "passed"
    assert verifier.results([fast_problem], [[slow]])[0][0].detail == "CPU limit of 0.3 s"


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
        ({"test_list": []}, "a problem without tests"),
        ({"test": " ", "entry_point": "f"}, "a problem without tests"),
        ({"test": "def check(c): pass", "entry_point": "f(x)"}, "must be a Python name"),
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
    for bad in ("fast", float("inf"), 1e300, 0, float("nan")):
        with pytest.raises(BonawareError, match="meta\\['timeout'\\] must be a number of seconds"):
            verifier.score([Problem("p", HUMANEVAL.prompt, "", {**HUMANEVAL.meta, "timeout": bad})], [["x"]])
    with pytest.raises(BonawareError, match="timeout must be a number of seconds"):
        CodeVerifier(timeout=float("inf"))
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


def _judge(verifier, problem, completions):
    return [(r.status, r.detail) for r in verifier.results([problem], [completions])[0]]


def test_tests_see_arguments_the_program_mutated(verifier):
    problem = Problem("toy/sort", "def sort_in_place(xs):\n    \"\"\"Sort xs in place.\"\"\"\n", "", {
        "entry_point": "sort_in_place",
        "test": "def check(candidate):\n    xs = [3, 1, 2]\n    assert candidate(xs) is None\n"
                "    assert xs == [1, 2, 3]\n    nested = {'a': [2, 1]}\n    inner = nested['a']\n"
                "    candidate(inner)\n    assert nested == {'a': [1, 2]}\n",
    })
    verdicts = _judge(verifier, problem, ["    xs.sort()\n", "    return sorted(xs)\n"])
    assert verdicts[0] == ("passed", "")
    assert verdicts[1][0] == "failed"


def test_generators_iterators_and_expected_exceptions_cross_the_channel(verifier):
    prompt = "def evens(n):\n    \"\"\"Yield even numbers below n; n < 0 is a ValueError.\"\"\"\n"
    test = ("def check(candidate):\n    assert list(candidate(7)) == [0, 2, 4, 6]\n"
            "    it = candidate(10 ** 9)\n    assert next(it) == 0 and next(it) == 2\n"
            "    try:\n        list(candidate(-1))\n    except ValueError as exc:\n"
            "        assert 'negative' in str(exc)\n    else:\n        raise AssertionError('no error')\n")
    problem = Problem("toy/gen", prompt, "", {"entry_point": "evens", "test": test})
    generator = ("    if n < 0:\n        raise ValueError('negative n')\n    i = 0\n    while i < n:\n"
                 "        yield i\n        i += 2\n")
    custom = "    class Negative(ValueError):\n        pass\n    if n < 0:\n        raise Negative('negative')\n" \
             "    return iter(range(0, n, 2))\n"
    wrong = "    if n < 0:\n        raise TypeError('negative')\n    return range(0, n, 2)\n"
    assert [v[0] for v in _judge(verifier, problem, [generator, custom, wrong])] == ["passed", "passed", "error"]


def test_mbpp_tests_reach_every_name_the_program_defines(verifier):
    problem = Problem("toy/mbpp-names", "", "", {
        "test_list": ["assert area(2) == PI_ISH * 4", "assert math.isclose(root(2.0), 2 ** 0.5)",
                      "assert total([Item(2), Item(3)]) == 5"]})
    code = ("import math\nPI_ISH = 3\ndef area(r):\n    return PI_ISH * r * r\ndef root(x):\n"
            "    return math.sqrt(x)\nclass Item:\n    def __init__(self, v):\n        self.v = v\n"
            "def total(items):\n    return sum(i.v for i in items)\n")
    assert _judge(verifier, problem, [code])[0] == ("passed", "")
    # the program's Item objects go back to the program as handles; comparing one is refused
    returns_item = code + "def area(r):\n    return Item(r)\n"
    status, detail = _judge(verifier, problem, [returns_item])[0]
    assert status == "error" and "not data" in detail


def test_data_subclasses_without_their_own_comparison_cross_as_their_base_type(verifier):
    problem = Problem("toy/counts", "", "", {"test_list": [
        "assert counts('abca') == {'a': 2, 'b': 1, 'c': 1}", "assert pair() == (1, 2)", "assert code() == 3"]})
    code = ("import collections, enum\ndef counts(s):\n    d = collections.defaultdict(int)\n    for c in s:\n"
            "        d[c] += 1\n    return d\nP = collections.namedtuple('P', 'x y')\ndef pair():\n"
            "    return P(1, 2)\nclass Code(enum.IntEnum):\n    THREE = 3\ndef code():\n    return Code.THREE\n")
    assert _judge(verifier, problem, [code])[0] == ("passed", "")
