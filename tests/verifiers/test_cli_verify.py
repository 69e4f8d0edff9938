"""`bonaware verify` and `bonaware tasks`: scored rows, atomic output, errors naming file:line."""

import json
import re
from pathlib import Path

import pytest

from bonaware.cli.main import main
from bonaware.cli.verify import _problem_of
from bonaware.errors import BonawareError
from bonaware.tasks import get_task

FIX = Path(__file__).parent.parent / "fixtures"


def write_rows(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def read(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_verify_adds_correct_score_status_and_keeps_the_row(tmp_path, capsys):
    src = write_rows(tmp_path / "s.jsonl", [
        {"problem_id": "arith/add2/23+45", "completion": "23 + 45 = 68. The answer is 68.", "temp": 1.0},
        {"problem_id": "arith/add1/1+2", "completions": ["1 + 2 equals 3.", "4", "no idea"]},
    ])
    out = tmp_path / "scored.jsonl"
    argv = ["verify", "--task", "arith", "--task_args", "style=chat", "--samples", str(src), "--out", str(out)]
    assert main(argv) == 0
    a, b = read(out)
    assert a == {"problem_id": "arith/add2/23+45", "completion": "23 + 45 = 68. The answer is 68.",
                 "temp": 1.0, "correct": True, "score": 1.0, "status": "ok"}
    assert b["correct"] == [True, False, False] and b["status"] == ["ok", "ok", "no_answer"]
    assert "scored 4 completions of 2 problems" in capsys.readouterr().out


def test_verify_passes_task_and_verifier_options(tmp_path):
    src = write_rows(tmp_path / "s.jsonl", [
        {"problem_id": "math/test/prealgebra/2.json", "completions": ["$\\boxed{0.5}$", "$\\boxed{2}$"]},
    ])
    out = tmp_path / "o.jsonl"
    assert main(["verify", "--task", "math", "--task_args", f"path={FIX / 'math500.jsonl'}",
                 "--verifier", "noisy:flip_rate=0:workers=1", "--samples", str(src), "--out", str(out)]) == 0
    (row,) = read(out)
    assert row["correct"] == [True, False] and row["score"] == [1.0, 0.0]


OK = {"problem_id": "arith/add1/1+2", "completion": "3"}


@pytest.mark.parametrize(("rows", "message"), [
    ([OK, "{not json"], r"s.jsonl:2: malformed JSON"),
    ([OK, {"problem_id": "arith/add1/99+1", "completion": "3"}],
     r"s.jsonl:2: unknown problem id 'arith/add1/99\+1' for task 'arith'"),
    ([{"completion": "3"}], r"s.jsonl:1: missing field 'problem_id' \(or 'task_id'\)"),
    ([{"problem_id": "arith/add1/1+2"}], r"s.jsonl:1: missing field 'completion' \(or 'completions'\)"),
    ([{"problem_id": "arith/add1/1+2", "completions": "3"}],
     r"s.jsonl:1: field 'completions' must be a list"),
    ([{"problem_id": "arith/add1/1+2", "completion": 3}], r"s.jsonl:1: field 'completion' must be a string"),
])
def test_bad_rows_fail_naming_file_line_and_leave_the_output_alone(tmp_path, capsys, rows, message):
    src = write_rows(tmp_path / "s.jsonl", rows)
    out = write_rows(tmp_path / "o.jsonl", [{"old": 1}])
    assert main(["verify", "--task", "arith", "--samples", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bonaware verify: error:" in err
    assert re.search(message, err), err
    assert read(out) == [{"old": 1}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl", "s.jsonl"]  # no temp file left


def test_bad_options_are_clear_errors(tmp_path, capsys):
    src = write_rows(tmp_path / "s.jsonl", [{"problem_id": "arith/add1/1+2", "completion": "3"}])
    assert main(["verify", "--task", "arith", "--task_args", "style", "--samples", str(src), "--out", "o"]) == 2
    assert "--task_args: expected key=value, got 'style'" in capsys.readouterr().err
    assert main(["verify", "--task", "nope", "--samples", str(src), "--out", "o"]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
    assert main(["verify", "--task", "arith", "--verifier", "nope", "--samples", str(src), "--out", "o"]) == 2
    assert "unknown verifier 'nope'" in capsys.readouterr().err


def test_human_eval_task_ids_and_integer_mbpp_ids_resolve():
    he = get_task("humaneval")
    assert _problem_of(he, {"task_id": "HumanEval/3", "completion": ""}, "f:1").id == "HumanEval/3"
    mbpp = get_task("mbpp", path=str(FIX / "mbpp.jsonl"))
    assert _problem_of(mbpp, {"task_id": 11}, "f:1").id == "mbpp/11"
    with pytest.raises(BonawareError, match="f:1: field 'task_id' must be a string or an integer"):
        _problem_of(mbpp, {"task_id": [11]}, "f:1")


def test_tasks_command_lists_counts_and_what_file_tasks_need(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert "humaneval  code  code           0       0     164" in out
    assert "gsm8k" in out and "path= is required" in out
    assert main(["tasks", "gsm8k", "--task_args", f"path={FIX / 'gsm8k.jsonl'}"]) == 0
    assert "gsm8k      math  math           0       0       4" in capsys.readouterr().out
