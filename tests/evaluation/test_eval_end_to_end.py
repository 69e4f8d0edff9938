"""``bonaware eval`` end to end: a randomly initialised char-level Llama on arith (seconds, no cached model).

The real sampler, task, oracle and noisy verifier run; the result must match what the saved samples
say, resuming must not resample, and a second temperature can be added to a finished folder.
"""

import json

import numpy as np
import pytest
import torch

from bonaware.cli.main import main
from bonaware.estimators import pass_at_k_curve
from bonaware.evaluation import evaluate_model, load_samples
from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained
from bonaware.tasks import get_task


@pytest.fixture(scope="module")
def tiny_random(tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 13k-parameter model: thread start-up costs more than it saves
    torch.manual_seed(0)
    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64), tok)
    folder = tmp_path_factory.mktemp("model") / "m"
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    yield model, tok, folder
    torch.set_num_threads(threads)


def test_evaluate_model_writes_samples_and_metrics_that_agree(tiny_random, tmp_path):
    model, tok, _ = tiny_random
    task = get_task("arith")
    problems = task.problems("test", n=5, seed=0)
    res = evaluate_model(model, tok, task, problems, n=6, temperatures=[0.7, 1.3],
                         verifiers=["noisy:target_auc=0.9", "oracle"], out_dir=tmp_path, max_new_tokens=6,
                         batch_prompts=2, n_boot=100, progress=False)
    rows = [json.loads(line) for line in res.samples_path.read_text().splitlines()]
    assert len(rows) == 10 and {r["temperature"] for r in rows} == {0.7, 1.3}
    for r in rows:
        p = next(p for p in problems if p.id == r["problem_id"])
        assert len(r["completions"]) == 6 and r["prompt_tokens"] == len(task.format_prompt(p, tok))  # 1 char = 1 token
        assert r["answers"] == [task.extract_answer(c) for c in r["completions"]]
        assert r["correct"] == [int(a == p.answer) for a in r["answers"]]
        assert r["scores"]["oracle"] == [float(c) for c in r["correct"]]
        assert all(t <= 6 for t in r["n_tokens"])
    g = load_samples(tmp_path).at(1.3)
    want = pass_at_k_curve(6, g.correct.sum(axis=1)).mean(axis=0)
    np.testing.assert_allclose(res.metrics["per_temperature"]["1.3"]["pass"]["mean"], want)
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["num_params"] == sum(p.numel() for p in model.parameters()) and meta["task"] == "arith"
    before = res.samples_path.read_text()
    # same call again: everything cached, nothing resampled; a new temperature only adds its rows
    again = evaluate_model(model, tok, task, problems, n=6, temperatures=[0.7, 1.3, 0.3],
                           verifiers=["noisy:target_auc=0.9", "oracle"], out_dir=tmp_path, max_new_tokens=6,
                           batch_prompts=2, n_boot=100, progress=False)
    after = res.samples_path.read_text()
    assert after.startswith(before) and len(after.splitlines()) == 15
    assert again.samples.temperatures == [0.3, 0.7, 1.3]


def test_eval_cli_on_a_model_folder_and_resume_guard(tiny_random, tmp_path, capsys):
    _, _, folder = tiny_random
    args = ["eval", f"--model={folder}", "--num_prompts=3", "--n=4", "--temperatures=1.0", "--max_new_tokens=5",
            f"--out={tmp_path}", "--device=cpu", "--n_boot=50", "--verifier=noisy:target_auc=0.8"]
    assert main(args) == 0
    assert "pass@k" in capsys.readouterr().out
    assert (tmp_path / "metrics.json").is_file() and (tmp_path / "summary.md").is_file()
    assert main([*args[:-1], "--verifier=oracle"]) == 2
    assert "already holds samples with verifiers=" in capsys.readouterr().err
