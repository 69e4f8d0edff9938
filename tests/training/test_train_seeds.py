"""``bonaware train --seeds``: one normal run folder per training seed, resumable, never mixed with other settings;
then ``bonaware eval`` on the seed folder and ``bonaware report`` on its evaluations (the whole seed pipeline)."""

from __future__ import annotations

import json

import pytest
from _train_helpers import fast_cli_args, fast_config
from test_resume import assert_same_run

from bonaware.cli.main import main
from bonaware.config import parse_config
from bonaware.errors import BonawareError
from bonaware.training.checkpoint import list_checkpoints
from bonaware.training.config import TrainConfig
from bonaware.training.seeds import seed_configs, train_seeds
from bonaware.training.trainer import train


def test_seed_configs_put_each_seed_in_its_own_folder():
    cfg = TrainConfig(seeds=[0, 2], out="runs/x", lr=1e-3)
    a, b = seed_configs(cfg)
    assert (a.seed, a.out, b.seed, b.out) == (0, "runs/x/seed0", 2, "runs/x/seed2")
    assert a.seeds is None and a.resume and a.lr == 1e-3
    assert parse_config(TrainConfig, ["--seeds=0,1,2"]).seeds == [0, 1, 2]
    for bad, message in (("--seeds=1,1", "--seeds repeats a seed"), ("--seeds=-1", "--seeds must be >= 0")):
        with pytest.raises(BonawareError, match=message):
            parse_config(TrainConfig, [bad])
    with pytest.raises(BonawareError, match="train\\(\\) trains one run"):
        train(cfg)


def test_seeds_train_separately_skip_finished_and_resume_unfinished(model_dir, tmp_path):
    cfg = fast_config(model_dir, tmp_path / "x", seeds=[0, 1], steps=2, ckpt_every=1)
    finals = train_seeds(cfg, progress=False)
    assert finals == [tmp_path / "x" / "seed0" / "final", tmp_path / "x" / "seed1" / "final"]
    for s in (0, 1):  # each seed folder is exactly the single run of that seed
        train(fast_config(model_dir, tmp_path / f"single{s}", seed=s, steps=2, ckpt_every=1), progress=False)
        assert_same_run(tmp_path / f"single{s}", tmp_path / "x" / f"seed{s}")
        assert json.loads((tmp_path / "x" / f"seed{s}" / "config.json").read_text())["seed"] == s

    # seed 1 "interrupted" after its last checkpoint: rerunning trains only seed 1, from the checkpoint
    import shutil

    shutil.rmtree(tmp_path / "x" / "seed1" / "final")
    assert [p.name for p in list_checkpoints(tmp_path / "x" / "seed1")] == ["ckpt-1.pt", "ckpt-2.pt"]
    trained = []

    def spy(c):
        trained.append(c.seed)
        return train(c, progress=False)

    assert train_seeds(cfg, progress=False, train_fn=spy) == finals
    assert trained == [1]
    assert_same_run(tmp_path / "single1", tmp_path / "x" / "seed1")

    with pytest.raises(BonawareError, match=r"seed0 already holds a training run with other settings: lr=0.0003"):
        train_seeds(fast_config(model_dir, tmp_path / "x", seeds=[0, 1], steps=2, ckpt_every=1, lr=1e-2),
                    progress=False, train_fn=spy)
    assert trained == [1]  # nothing trained: every folder is checked first


def test_seed_pipeline_train_eval_report_from_the_cli(model_dir, tmp_path, capsys):
    runs, evals = tmp_path / "runs" / "x", tmp_path / "eval" / "x"
    assert main(["train", *fast_cli_args(model_dir, runs, steps=1), "--seeds=0,1"]) == 0
    assert "trained 2 seeds" in capsys.readouterr().out
    assert main(["eval", f"--model={runs}", "--num_prompts=4", "--n=2", "--temperatures=1.0", "--max_new_tokens=4",
                 f"--out={evals}", "--device=cpu", "--n_boot=50", "--verifier=oracle", "--task_args=families=add1",
                 "--name=fast"]) == 0
    for s in (0, 1):
        meta = json.loads((evals / f"seed{s}" / "run.json").read_text())
        assert meta["train_seed"] == s and meta["group"] == meta["name"] == "fast"
        assert meta["model"] == str(runs / f"seed{s}" / "final") and meta["train_dir"] == str(runs / f"seed{s}")
    assert main(["report", str(evals), "--out", str(tmp_path / "report"), "--n_boot=50"]) == 0
    rep = json.loads((tmp_path / "report" / "report.json").read_text())
    assert rep["groups"]["fast"]["seeds"] == [0, 1] and rep["groups"]["fast"]["seed_aware"]
    assert rep["comparisons"] == {}
