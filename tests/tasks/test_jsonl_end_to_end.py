"""A user's own JSONL through every command, no code (issue 18): tasks → sample → verify → eval → report,
and train, on a tiny random model; the report's default folder is announced."""

from __future__ import annotations

import json

from bonaware.cli.main import main


def test_mapped_jsonl_runs_sample_verify_eval_report_and_train(tmp_path, model_dir, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rows = [{"uid": f"r{a}{b}", "q": f"{a}+{b}=", "sol": a + b} for a in range(1, 7) for b in range(1, 5)]
    (tmp_path / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    task_args = "path=mine.jsonl,prompt=q,answer=sol,id=uid,checker=number,instruction=none,test_fraction=0.5"
    common = [f"--model={model_dir}", "--task=jsonl", f"--task_args={task_args}", "--device=cpu",
              "--max_new_tokens=3"]

    assert main(["tasks", "jsonl", f"--task_args={task_args}"]) == 0
    line = capsys.readouterr().out.splitlines()[1].split()
    assert line[:3] == ["jsonl", "math", "math"] and sum(map(int, line[3:])) == len(rows)

    assert main(["sample", *common, "--num_prompts=4", "--n=3", "--out=s.jsonl"]) == 0
    samples = [json.loads(x) for x in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert len(samples) == 4 and all(r["problem_id"].startswith("jsonl/r") for r in samples)
    assert "bonaware verify --samples s.jsonl" in capsys.readouterr().out

    assert main(["verify", "--samples=s.jsonl", "--out=scored.jsonl"]) == 0  # task and its options from s.run.json
    scored = [json.loads(x) for x in (tmp_path / "scored.jsonl").read_text().splitlines()]
    gold = {f"jsonl/{r['uid']}": str(r["sol"]) for r in rows}
    for row in scored:  # the number checker: the stated number equals the mapped answer
        from bonaware.tasks.answers import extract_number

        assert row["correct"] == [extract_number(c) == gold[row["problem_id"]] for c in row["completions"]]
    assert "scored 12 completions of 4 problems" in capsys.readouterr().out

    assert main(["eval", *common, "--num_prompts=4", "--n=3", "--temperatures=1.0", "--verifier=oracle",
                 "--n_boot=20", "--out=runs/eval/mine"]) == 0
    capsys.readouterr()
    metrics = json.loads((tmp_path / "runs/eval/mine/metrics.json").read_text())
    assert metrics and (tmp_path / "runs/eval/mine/samples.jsonl").is_file()

    assert main(["report", "runs/eval/mine", "--n_boot=20"]) == 0  # no --out: the default folder, announced
    out = capsys.readouterr().out
    assert "runs/report" in out and (tmp_path / "runs/report/report.md").is_file()

    assert main(["train", *common, "--method=pass_at_k", "--n_prime=2", "--batch_prompts=2", "--steps=1",
                 "--out=runs/train"]) == 0
    assert (tmp_path / "runs/train/final/config.json").is_file()


def test_training_on_a_test_only_file_says_how_to_get_a_train_split(tmp_path, model_dir, capsys):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"prompt": "1+1=", "answer": "2"}\n')
    code = main(["train", f"--model={model_dir}", "--task=jsonl", f"--task_args=path={data}", "--device=cpu",
                 f"--out={tmp_path / 'run'}"])
    err = capsys.readouterr().err
    assert code == 2 and "task 'jsonl' has no train problems" in err and "train_path= or test_fraction=" in err
    assert not (tmp_path / "run").exists()
