"""The generic ``jsonl`` task (issue 18): mapped fields, the file tasks' split rule, four checkers,
errors naming file:line and the mapping key."""

from __future__ import annotations

import json
import random

import pytest

from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.tasks.splits import SPLITS, assign_split, val_or_train
from bonaware.verifiers import verifier_from_spec


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return str(path)


QA = [{"question": f"What is {a} + {b}?", "solution": str(a + b), "uid": f"q{a}-{b}"}
      for a in range(1, 7) for b in range(1, 6)]


def test_mapped_fields_become_problems_with_row_ids(tmp_path):
    task = get_task("jsonl", path=write(tmp_path / "d.jsonl", QA[:3]), prompt="question", answer="solution")
    problems = task.problems("test")
    assert [p.id for p in problems] == ["jsonl/0", "jsonl/1", "jsonl/2"]
    assert (problems[0].prompt, problems[0].answer) == ("What is 1 + 1?", "2")
    assert task.problems("train") == [] and task.problems("val") == []  # path alone is the test split
    assert task.kind == "math" and task.default_verifier == "math"


def test_id_field_gives_ids_and_splits_that_do_not_depend_on_row_order(tmp_path):
    args = dict(prompt="question", answer="solution", id="uid", test_fraction=0.3, val_fraction=0.2, split_seed=4)
    shuffled = QA[:]
    random.Random(0).shuffle(shuffled)
    a = get_task("jsonl", path=write(tmp_path / "a.jsonl", QA), **args)
    b = get_task("jsonl", path=write(tmp_path / "b.jsonl", shuffled), **args)
    for split in SPLITS:
        assert sorted(p.id for p in a.problems(split)) == sorted(p.id for p in b.problems(split))
        assert all(assign_split(p.id, 0.3, 0.2, 4) == split for p in a.problems(split))
    assert sum(len(a.problems(s)) for s in SPLITS) == len(QA) and all(a.problems(s) for s in SPLITS)


def test_train_path_rows_are_train_with_a_hashed_val_share(tmp_path):
    task = get_task("jsonl", path=write(tmp_path / "test.jsonl", QA[:5]),
                    train_path=write(tmp_path / "train.jsonl", QA[5:]), prompt="question", answer="solution")
    assert len(task.problems("test")) == 5
    for split in ("train", "val"):
        assert all(p.id.startswith("jsonl/train/") and val_or_train(p.id, 0.1, 0) == split
                   for p in task.problems(split))
    assert len(task.problems("train")) + len(task.problems("val")) == len(QA) - 5


@pytest.mark.parametrize(("rows", "args", "message"), [
    ([QA[0], {"prompt": "x", "solution": "1"}], {"prompt": "question", "answer": "solution"},
     r"d.jsonl:2: missing field 'question' \(the prompt; set prompt=FIELD in --task_args; this row has 'prompt', "
     r"'solution'\)"),
    ([{"prompt": "x"}], {}, r"d.jsonl:1: missing field 'answer' \(the answer; set answer=FIELD"),
    ([{"prompt": ["x"], "answer": "1"}], {}, r"d.jsonl:1: field 'prompt' \(the prompt\) must be str, got list"),
    ([{"prompt": "  ", "answer": "1"}], {}, r"d.jsonl:1: empty field 'prompt'"),
    ([{"prompt": "x", "answer": "one"}], {"checker": "number"}, r"d.jsonl:1: field 'answer' is 'one', not a number"),
    ([{"prompt": "x", "tests": [1]}], {"checker": "code"},
     r"d.jsonl:1: field 'tests' \(the tests\) must be a non-empty"),
    ([{"prompt": "x", "answer": "1"}, "{oops"], {}, r"d.jsonl:2: malformed JSON"),
    ([{"prompt": "x", "answer": "1", "k": 1}, {"prompt": "y", "answer": "2", "k": 1}], {"id": "k"},
     r"d.jsonl:2: duplicate problem id 'jsonl/1' \(first at .*d.jsonl:1\)"),
])
def test_bad_rows_are_errors_naming_file_line_field_and_mapping(tmp_path, rows, args, message):
    task = get_task("jsonl", path=write(tmp_path / "d.jsonl", rows), **args)
    with pytest.raises(BonawareError, match=message):
        task.problems("test")


def test_bad_options_are_clear_errors(tmp_path):
    path = write(tmp_path / "d.jsonl", QA[:1])
    with pytest.raises(BonawareError, match="checker must be one of math, number, exact, code; got 'regex'"):
        get_task("jsonl", path=path, checker="regex")
    with pytest.raises(BonawareError, match="task 'jsonl'.*promt"):
        get_task("jsonl", path=path, promt="question")
    with pytest.raises(BonawareError, match="jsonl: path= is required"):
        get_task("jsonl")


def test_instruction_default_template_and_verbatim(tmp_path):
    path = write(tmp_path / "d.jsonl", QA[:1])
    base = dict(path=path, prompt="question", answer="solution")
    p = get_task("jsonl", **base).problems()[0]
    assert get_task("jsonl", **base).instruction(p) == "What is 1 + 1?\nPlease reason step by step, and put your " \
                                                       "final answer within \\boxed{}."
    assert get_task("jsonl", **base, instruction="Q: {prompt}\nA:").instruction(p) == "Q: What is 1 + 1?\nA:"
    assert get_task("jsonl", **base, instruction=None).format_prompt(p) == "What is 1 + 1?"


def _judge(task, spec, completions):
    with verifier_from_spec(spec, task) as verifier:
        return [v.correct for v in verifier.score([task.problems()[0]], [completions])[0]]


def test_number_checker_compares_the_stated_number_exactly(tmp_path):
    task = get_task("jsonl", path=write(tmp_path / "d.jsonl", QA[:1]), prompt="question", answer="solution",
                    checker="number")
    assert task.answer_type == "number"
    assert _judge(task, task.default_verifier, ["1 + 1 = 2. The answer is 2.", "The answer is 3.", "2.0", "no"]) == \
        [True, False, True, False]
    assert _judge(task, "oracle", ["The answer is 2."]) == [True]


def test_exact_checker_compares_the_answer_text(tmp_path):
    rows = [{"q": "Capital of France?", "a": "Paris"}]
    task = get_task("jsonl", path=write(tmp_path / "d.jsonl", rows), prompt="q", answer="a", checker="exact")
    assert task.default_verifier == "exact"
    assert _judge(task, "exact", ["The answer is **Paris**.", "Paris\nmore text", "The answer is paris.", "Lyon"]) == \
        [True, True, False, False]
    assert _judge(task, "exact:ignore_case=true", ["The answer is paris."]) == [True]
    assert task.expert_solution(task.problems()[0]) == "The answer is Paris."
    assert task.extract_answer(task.expert_solution(task.problems()[0])) == "Paris"


def test_code_checker_runs_the_rows_tests_in_the_sandbox(tmp_path):
    rows = [{"text": "Write double(x).", "asserts": ["assert double(2) == 4", "assert double(0) == 0"],
             "ref": "def double(x):\n    return 2 * x"}]
    task = get_task("jsonl", path=write(tmp_path / "d.jsonl", rows), prompt="text", tests="asserts",
                    solution="ref", checker="code")
    assert (task.kind, task.default_verifier) == ("code", "code")
    continued = "def double(x):\n    return 2 * x\n"  # a continuation of the open block (stop at ```)
    fenced = "Here:\n```python\ndef double(x):\n    return x * 2\n```"
    wrong = "```python\ndef double(x):\n    return x + 1\n```"
    assert _judge(task, "code:workers=1", [continued, fenced, wrong]) == [True, True, False]
    assert task.expert_solution(task.problems()[0]) == "def double(x):\n    return 2 * x\n```"
    assert task.format_prompt(task.problems()[0]).endswith("```python\n")  # no chat template: continue a block
