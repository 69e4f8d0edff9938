"""Bad-input contract fixtures: bad input files (the model folder is tests/conftest.py's ``model_dir``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def inputs(tmp_path):
    """Bad (and one good) input files in ``tmp_path/in``; tests write outputs elsewhere under tmp_path."""
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "ok.jsonl": '{"problem_id": "arith/add1/6+7", "completion": "13\\n"}\n',
        "malformed.jsonl": '{"problem_id": "arith/add1/6+7", "completion": "13"}\n{bad json\n',
        "missing_field.jsonl": '{"completion": "13"}\n',
        "wrong_type.jsonl": '{"problem_id": 3.5, "completion": "13"}\n',
        "completions_not_strings.jsonl": '{"problem_id": "arith/add1/6+7", "completions": ["1", 2]}\n',
        "empty_completions.jsonl": '{"problem_id": "arith/add1/6+7", "completions": []}\n',
        "unknown_problem.jsonl": '{"problem_id": "arith/nope", "completion": "13"}\n',
        "empty.jsonl": "",
        "bad.yaml": "method: [1, 2\n",
        "unknown_key.yaml": "no_such_key: 1\n",
        "not_mapping.yaml": "- 1\n- 2\n",
        "samples.jsonl": '{"temperature": 1.0\n',
    }
    files.update({
        "nan_field.jsonl": '{"problem_id": "arith/add1/6+7", "completion": "13", "logprob": NaN}\n',
        "inf_field.jsonl": '{"problem_id": "arith/add1/6+7", "completion": "13"}\n'
                           '{"problem_id": "arith/add1/6+7", "completion": "13", "extra": [-Infinity]}\n',
        "overflow_field.jsonl": '{"problem_id": "arith/add1/6+7", "completion": "13", "score": 1e999}\n',
        "nan_field.json": '[{"problem_id": "arith/add1/6+7", "completion": "13", "x": NaN}]',
        "humaneval.jsonl": '{"task_id": "HumanEval/0", "completion": "    return False\\n"}\n',
        "inf_lr.yaml": "lr: .inf\n",
    })
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "not_utf8.jsonl").write_bytes(b'{"problem_id": "arith/add1/6+7", "completion": "13"}\n'
                                            b'{"problem_id": "arith/add1/6+7", "completion": "1\xff3"}\n')
    (folder / "not_utf8.yaml").write_bytes(b"lr: 0.001\nmethod: \"\xc3\x28\"\n")
    (folder / "run_without_samples").mkdir()
    (folder / "run_bad_samples").mkdir()
    (folder / "run_bad_samples" / "samples.jsonl").write_text("{not json\n")
    return folder
