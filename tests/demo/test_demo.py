"""bonaware demo: the whole pipeline (base eval → train each method → eval → report) on a small random model."""

from __future__ import annotations

import json

import pytest

from bonaware.config import parse_config
from bonaware.demo import DemoConfig, run_demo, train_config_for
from bonaware.errors import BonawareError


def test_demo_runs_end_to_end_and_writes_table_and_report(tmp_path, model_dir, capsys):
    import torch

    cfg = DemoConfig(model=str(model_dir), methods=["rl_s", "pass_at_k"], n_prime=2, steps=2, batch_prompts=3,
                     eval_n=4, eval_prompts=5, max_new_tokens=4, out=str(tmp_path / "demo"), device="cpu", threads=2)
    before = torch.get_num_threads()
    try:
        report = run_demo(cfg, progress=False)
        assert torch.get_num_threads() == 2  # --threads is applied
    finally:
        torch.set_num_threads(before)
    assert report.is_file() and report.name == "report.md"
    results = (tmp_path / "demo" / "results.md").read_text()
    assert "| base | pass |" in results and "| pass_at_k | BoN [noisy:target_auc=0.85] |" in results
    assert "bonaware demo" in capsys.readouterr().out
    data = json.loads((tmp_path / "demo" / "report" / "report.json").read_text())
    assert data["tables_markdown"] in results
    for name in ("base", "rl_s", "pass_at_k"):
        assert (tmp_path / "demo" / "eval" / name / "samples.jsonl").is_file()
    # a second run reuses every cached stage (no retraining: the final models are untouched)
    stamp = (tmp_path / "demo" / "train" / "rl_s" / "final" / "config.json").stat().st_mtime_ns
    run_demo(cfg, progress=False)
    assert (tmp_path / "demo" / "train" / "rl_s" / "final" / "config.json").stat().st_mtime_ns == stamp


def test_rl_baseline_uses_one_sample_and_same_prompts_unless_equal_samples():
    cfg = DemoConfig(n_prime=8, batch_prompts=16)
    rl, bon = train_config_for(cfg, "rl_s"), train_config_for(cfg, "bon_rlb_p")
    assert (rl.n_prime, rl.batch_prompts) == (1, 16) and (bon.n_prime, bon.batch_prompts, bon.k) == (8, 16, 8)
    eq = train_config_for(DemoConfig(n_prime=8, batch_prompts=16, equal_samples=True), "rl_s")
    assert (eq.n_prime, eq.batch_prompts) == (1, 128)


def test_quick_mode_shrinks_the_budget_and_bad_values_are_named():
    quick = DemoConfig(quick=True).effective()
    assert quick.steps <= 30 and quick.eval_prompts <= 48 and quick.eval_n <= 16
    with pytest.raises(BonawareError, match="unknown method 'nope'"):
        parse_config(DemoConfig, ["--methods=rl_s,nope"])
    with pytest.raises(BonawareError, match="--steps must be >= 1"):
        parse_config(DemoConfig, ["--steps=0"])
    with pytest.raises(BonawareError, match="--threads must be >= 0"):
        parse_config(DemoConfig, ["--threads=-1"])
