"""`bonaware sample`: a killed and resumed run equals an uninterrupted one, settings are checked on
resume, the rows feed `bonaware verify`, and the completions equal `bonaware eval`'s.

The model is a random 2-layer char-level Llama with the tiny model's tokenizer, saved to a
temporary folder (the real tiny model is never built).
"""

import json

import pytest

from bonaware.cli.main import main
from bonaware.cli.sample import SampleConfig, run_file, run_sample
from bonaware.errors import BonawareError

SETTINGS = dict(task="arith", task_args="families=add1,add2", num_prompts=10, n=3, temperature=1.0,
                max_new_tokens=6, batch_prompts=4, seed=5, device="cpu")






@pytest.fixture(scope="module")
def full_run(tmp_path_factory, model_dir):
    """An uninterrupted run (the reference)."""
    out = tmp_path_factory.mktemp("full") / "samples.jsonl"
    path, written = run_sample(SampleConfig(model=model_dir, out=str(out), **SETTINGS), progress=False)
    assert written == 10
    return path


def lines(path):
    return path.read_text().splitlines()


def test_rows_hold_prompt_completions_and_settings(full_run):
    rows = [json.loads(x) for x in lines(full_run)]
    assert len({r["problem_id"] for r in rows}) == 10
    for r in rows:
        assert r["prompt"].endswith("=") and len(r["completions"]) == 3 and r["temperature"] == 1.0
        assert len(r["n_tokens"]) == len(r["finish_reasons"]) == 3 and r["prompt_tokens"] == len(r["prompt"])
    meta = json.loads(run_file(full_run).read_text())
    assert meta["n"] == 3 and meta["seed"] == 5 and meta["task_args"] == "families=add1,add2"


@pytest.mark.parametrize("kept", [0, 4, 5])  # empty file, a whole chunk, a chunk and one row of the next
def test_a_killed_run_resumes_to_the_uninterrupted_file(tmp_path, model_dir, full_run, kept):
    out = tmp_path / "samples.jsonl"
    reference = lines(full_run)
    # a kill leaves whole rows plus, possibly, a torn last line (cut off on resume)
    out.write_text("".join(x + "\n" for x in reference[:kept]) + reference[kept][:17])
    run_file(out).write_text(run_file(full_run).read_text())
    _, written = run_sample(SampleConfig(model=model_dir, out=str(out), **SETTINGS), progress=False)
    assert written == 10 - kept
    assert lines(out) == reference
    _, again = run_sample(SampleConfig(model=model_dir, out=str(out), **SETTINGS), progress=False)
    assert again == 0 and lines(out) == reference


def test_resuming_with_other_settings_is_refused(model_dir, full_run):
    with pytest.raises(BonawareError, match="n=3"):
        run_sample(SampleConfig(model=model_dir, out=str(full_run), **{**SETTINGS, "n": 4}), progress=False)


def test_a_samples_file_without_its_settings_is_not_appended_to(tmp_path, model_dir):
    out = tmp_path / "foreign.jsonl"
    out.write_text('{"problem_id": "x"}\n')
    with pytest.raises(BonawareError, match="cannot tell its settings"):
        run_sample(SampleConfig(model=model_dir, out=str(out), **SETTINGS), progress=False)


def test_round_trip_sample_then_verify(tmp_path, model_dir, capsys):
    out, scored = tmp_path / "s.jsonl", tmp_path / "scored.jsonl"
    flags = [f"--{k}={v}" for k, v in SETTINGS.items()]
    assert main(["sample", f"--model={model_dir}", f"--out={out}", *flags]) == 0
    # the task and its options come from s.run.json, written by bonaware sample
    assert main(["verify", "--samples", str(out), "--out", str(scored)]) == 0
    from bonaware.tasks import get_task

    task = get_task("arith", families="add1,add2")
    for row in map(json.loads, lines(scored)):
        gold = task.get_problem(row["problem_id"]).answer
        assert row["correct"] == [task.extract_answer(c) == gold for c in row["completions"]]
        assert len(row["status"]) == 3
    assert "scored 30 completions of 10 problems" in capsys.readouterr().out


def test_completions_equal_bonaware_eval_with_the_same_settings(tmp_path, model_dir, full_run):
    from bonaware.evaluation.generate import evaluate_model
    from bonaware.models import load_model
    from bonaware.tasks import get_task

    task = get_task("arith", families="add1,add2")
    model, tok = load_model(model_dir)
    problems = task.problems("test", n=10, seed=5)
    result = evaluate_model(model, tok, task, problems, 3, [1.0], ["oracle"], tmp_path / "eval", max_new_tokens=6,
                            seed=5, batch_prompts=4, n_boot=10, progress=False)
    group = result.samples.at(1.0)
    ours = {r["problem_id"]: r["completions"] for r in map(json.loads, lines(full_run))}
    assert {pid: ours[pid] for pid in group.problem_ids} == dict(zip(group.problem_ids, group.completions))
