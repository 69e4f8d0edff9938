"""bonaware demo: seeds × methods trained sample-matched, evaluated on val and test, a seed-aware headline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bonaware.config import parse_config
from bonaware.demo import DemoConfig, budget_line, headline, run_demo, single_sample, train_config_for
from bonaware.errors import BonawareError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evaluation"))
from eval_synth import write_synth  # noqa: E402


def test_demo_runs_end_to_end_with_seeds_and_resumes(tmp_path, model_dir, capsys):
    cfg = DemoConfig(model=str(model_dir), methods=["rl_s", "pass_at_k"], n_prime=2, steps=2, batch_prompts=3,
                     seeds=[0, 1], jobs=1, eval_n=4, eval_prompts=5, max_new_tokens=4, out=str(tmp_path / "demo"),
                     device="cpu")
    report = run_demo(cfg, progress=False)
    assert report.is_file() and report.name == "report.md"
    out = tmp_path / "demo"
    for split in ("val", "test"):
        assert (out / "eval" / split / "base" / "seed0" / "samples.jsonl").is_file()
        for method in ("rl_s", "pass_at_k"):
            for s in (0, 1):
                run = json.loads((out / "eval" / split / method / f"seed{s}" / "run.json").read_text())
                assert run["split"] == split and run["train_seed"] == s and run["name"] == method
    results = (out / "results.md").read_text()
    printed = capsys.readouterr().out
    assert "budget: every method 2 steps" in results and "rl_s) 6 prompts x 1" in results  # 3 prompts x N'=2
    assert "Headline (test, N = N' = 2)" in results and "pass@2: pass_at_k" in results and "vs rl_s" in results
    assert "delta" in results and "P(A>B)" in results and results.strip() in printed
    data = json.loads((out / "report" / "report.json").read_text())
    assert data["tables_markdown"] in results
    assert set(data["groups"]) == {"base", "rl_s", "pass_at_k"} and data["groups"]["rl_s"]["seeds"] == [0, 1]
    # a second run reuses every cached stage (no retraining: the final models are untouched)
    stamp = (out / "train" / "rl_s" / "seed1" / "final" / "config.json").stat().st_mtime_ns
    run_demo(cfg, progress=False)
    assert (out / "train" / "rl_s" / "seed1" / "final" / "config.json").stat().st_mtime_ns == stamp


def test_parallel_jobs_run_in_spawned_processes_and_keep_the_job_order():
    import math

    from bonaware.demo import _run_jobs

    assert _run_jobs(math.sqrt, [(16.0,), (4.0,), (9.0,)], 2, "jobs", progress=False) == [4.0, 2.0, 3.0]
    with pytest.raises(ValueError):  # a failing job fails the demo (not silently skipped)
        _run_jobs(math.sqrt, [(4.0,), (-1.0,)], 2, "jobs", progress=False)


def _synth_eval(root: Path, split: str, name: str, seeds, shift: float) -> None:
    for s in seeds:
        folder = root / "eval" / split / name / f"seed{s}"
        folder.mkdir(parents=True)
        write_synth(folder / "samples.jsonl", num_prompts=40, n=8, temperatures=(1.0,), seed=100 + s,
                    shift=shift)
        (folder / "run.json").write_text(json.dumps({"name": name, "train_seed": s}))


def test_headline_picks_the_best_of_each_family_on_val_and_reports_it_on_test(tmp_path):
    cfg = DemoConfig(methods=["rl_s", "grpo", "bon_rlb_p", "pass_at_k"], n_prime=4, seeds=[0, 1, 2],
                     verifier="noisy", out=str(tmp_path))
    # val: grpo beats rl_s and pass_at_k beats bon_rlb_p; on test the order is reversed within each family
    for split, shifts in (("val", {"rl_s": 0.0, "grpo": 0.2, "bon_rlb_p": 0.0, "pass_at_k": 0.3}),
                          ("test", {"rl_s": 0.4, "grpo": 0.0, "bon_rlb_p": 0.4, "pass_at_k": 0.2})):
        _synth_eval(tmp_path, split, "base", [0], 0.0)
        for name, shift in shifts.items():
            _synth_eval(tmp_path, split, name, cfg.seeds, shift)
    lines = headline(cfg)
    assert "95% CI over 3 training seed(s)" in lines[1]
    bon, pas = lines[2], lines[3]
    assert bon.startswith("  Bo-4 [noisy]: pass_at_k") and "vs grpo" in bon  # chosen on val, not on test
    assert pas.startswith("  pass@4: pass_at_k") and "vs grpo" in pas
    assert "BoN-aware better" in pas  # test: pass_at_k (+0.2) vs grpo (+0.0), 3 seeds x 40 prompts


def test_every_method_draws_the_same_completions_per_step_by_default():
    cfg = DemoConfig(n_prime=8, batch_prompts=16)
    rl, grpo, bon = (train_config_for(cfg, m, seed=2) for m in ("rl_s", "grpo", "bon_rlb_p"))
    assert (rl.n_prime, rl.batch_prompts) == (1, 128)  # N'=1: 8x the prompts, the same 128 samples
    assert (grpo.n_prime, grpo.batch_prompts, grpo.k) == (8, 16, 8)
    assert (bon.n_prime, bon.batch_prompts, bon.k, bon.seed) == (8, 16, 8, 2)
    assert bon.out.endswith("train/bon_rlb_p/seed2")
    same_prompts = train_config_for(DemoConfig(n_prime=8, batch_prompts=16, equal_samples=False), "rl_s")
    assert (same_prompts.n_prime, same_prompts.batch_prompts) == (1, 16)
    assert "NOT sample-matched" in budget_line(DemoConfig(equal_samples=False))
    assert single_sample("rl_s") and single_sample("sft") and not single_sample("grpo")
    assert not single_sample("bon_rlb_p") and not single_sample("pass_at_k")


def test_default_methods_include_grpo_and_both_families():
    from bonaware.training.methods import get_method

    methods = DemoConfig().methods
    assert "grpo" in methods
    assert any(get_method(m).bon_aware for m in methods) and any(not get_method(m).bon_aware for m in methods)


def test_quick_mode_shrinks_the_budget_and_bad_values_are_named():
    quick = DemoConfig(quick=True).effective()
    assert quick.steps <= 30 and quick.eval_prompts <= 48 and quick.eval_n <= 16 and quick.seeds == [0]
    with pytest.raises(BonawareError, match="unknown method 'nope'"):
        parse_config(DemoConfig, ["--methods=rl_s,nope"])
    with pytest.raises(BonawareError, match="--steps must be >= 1"):
        parse_config(DemoConfig, ["--steps=0"])
    with pytest.raises(BonawareError, match="--threads must be >= 0"):
        parse_config(DemoConfig, ["--threads=-1"])
    with pytest.raises(BonawareError, match="--seeds needs distinct"):
        parse_config(DemoConfig, ["--seeds=0,0"])
    with pytest.raises(BonawareError, match="--jobs must be >= 1"):
        parse_config(DemoConfig, ["--jobs=0"])
    with pytest.raises(BonawareError, match="exceeds --eval_n"):
        parse_config(DemoConfig, ["--n_prime=64", "--eval_n=32"])
