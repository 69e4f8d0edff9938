"""Every registered method trains end to end (2 steps, KL penalty on at step 2) and saves its model."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from _train_helpers import FAST, fast_cli_args, fast_config
from safetensors.torch import load_file

from bonaware.config import from_dict, load_yaml
from bonaware.training.config import TrainConfig
from bonaware.training.methods import get_method, list_methods
from bonaware.training.trainer import train

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
ALIASES = {"rl": "rl_s"}  # methods registered under a second name share the first one's config


def method_config(method: str, model_dir, out, **overrides) -> TrainConfig:
    """configs/<method>.yaml with the run shrunk to FAST sizes (its method-specific keys kept)."""
    data = load_yaml(CONFIGS / f"{ALIASES.get(method, method)}.yaml")
    data.update(method=method, n_prime=min(int(data.get("n_prime", 4)), FAST["n_prime"]))
    sizes = {k: v for k, v in FAST.items() if k not in {"n_prime", "verifier"}}
    return from_dict(TrainConfig, {**data, **sizes, "model": str(model_dir), "out": str(out), **overrides})


def read_rows(path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_method_has_a_config_file():
    missing = [m for m in list_methods() if not (CONFIGS / f"{ALIASES.get(m, m)}.yaml").is_file()]
    assert not missing, f"no configs/<method>.yaml for {missing}"


@pytest.mark.parametrize("method", list_methods())
def test_method_trains_end_to_end(method, model_dir, tmp_path):
    cfg = method_config(method, model_dir, tmp_path / "run")
    final = train(cfg, progress=False)

    assert final == tmp_path / "run" / "final"
    rows = read_rows(tmp_path / "run" / "metrics.csv")
    assert [int(r["step"]) for r in rows] == [1, 2]
    assert all(math.isfinite(float(r["loss"])) for r in rows)
    assert float(rows[0]["kl_coef"]) == 0.0 and float(rows[1]["kl_coef"]) > 0  # kl_delay=1: KL on at step 2
    assert all(float(r["kl"]) >= 0 for r in rows)

    before, after = load_file(f"{model_dir}/model.safetensors"), load_file(final / "model.safetensors")
    assert before.keys() == after.keys()
    moved = any(not torch.equal(before[k], after[k]) for k in before)
    # a nonzero per-sample weight means a nonzero policy gradient, so the weights must move
    if any(float(r["weight_abs_mean"]) > 0 for r in rows) or get_method(method).expert:
        assert moved, f"{method}: nonzero weights but the saved model equals the initial one"


def test_sft_imitates_the_expert(model_dir, tmp_path):
    """SFT on expert solutions raises their log-likelihood on a fixed set of problems.

    (Measured on the same problems before and after: the per-step loss is over different prompts each
    step, so comparing two steps' losses tests the batch draw as much as the training.)"""
    from bonaware.models import load_model
    from bonaware.sampling import sequence_logprobs
    from bonaware.tasks import get_task

    task = get_task("arith", families="add1")
    problems = task.problems("train")[:16]

    def expert_loglik(folder) -> float:
        model, tok = load_model(str(folder), device="cpu")
        total = 0.0
        with torch.no_grad():
            for p in problems:
                prompt = tok(task.format_prompt(p, tok), add_special_tokens=False)["input_ids"]
                target = tok(task.expert_solution(p, tok), add_special_tokens=False)["input_ids"]
                total += float(sequence_logprobs(model, prompt, [target]).sum())
        return total / len(problems)

    cfg = fast_config(model_dir, tmp_path / "run", method="sft", n_prime=1, steps=6, lr=3e-3, kl_delay=100,
                      batch_prompts=4)
    final = train(cfg, progress=False)
    before, after = expert_loglik(model_dir), expert_loglik(final)
    assert after > before + 0.5


def test_lora_run_saves_merged_weights(model_dir, tmp_path):
    cfg = fast_config(model_dir, tmp_path / "run", method="sft", n_prime=1, lora=True, lora_r=2, lora_alpha=4,
                      lora_targets="q_proj,v_proj", lr=1e-2)
    final = train(cfg, progress=False)

    assert not (final / "adapter_config.json").exists()  # merged: a plain HF model folder
    before, after = load_file(f"{model_dir}/model.safetensors"), load_file(final / "model.safetensors")
    assert before.keys() == after.keys()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(("q_proj" in k or "v_proj" in k) for k in changed), changed

    from bonaware.models import load_model

    model, _ = load_model(str(final), device="cpu")
    assert type(model).__name__ == "LlamaForCausalLM"


def _cli(*args, timeout=120):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "bonaware", "train", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_cli_main_train_runs_and_saves(model_dir, tmp_path, capsys):
    """``bonaware train --flags`` in-process: flags -> TrainConfig -> training -> final model."""
    from bonaware.cli.main import main

    assert main(["train", *fast_cli_args(model_dir, tmp_path / "run", method="bon_rl_v")]) == 0
    assert f"trained model saved to {tmp_path / 'run' / 'final'}" in capsys.readouterr().out
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["method"] == "bon_rl_v" and config["n_prime"] == FAST["n_prime"]
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file()


@pytest.mark.slow
def test_cli_train_runs_and_saves(model_dir, tmp_path):
    """The real entry point, ``python -m bonaware train`` (slow: a fresh interpreter imports torch)."""
    proc = _cli(*fast_cli_args(model_dir, tmp_path / "run", method="bon_rlb_p"))
    assert proc.returncode == 0, proc.stderr
    assert f"trained model saved to {tmp_path / 'run' / 'final'}" in proc.stdout
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file()
    assert len(read_rows(tmp_path / "run" / "metrics.csv")) == 2


def test_cli_help_documents_every_config_field():
    from dataclasses import fields

    proc = _cli("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())  # argparse wraps help text
    for f in fields(TrainConfig):
        assert f"--{f.name}" in text, f.name
        assert " ".join(f.metadata["help"].split()[:4]) in text, f.name


def test_cli_lists_every_method():
    proc = _cli("--list-methods")
    assert proc.returncode == 0
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert listed == list_methods()


@pytest.mark.parametrize("kl_type", ["token", "sequence"])
def test_kl_to_the_anchor_is_positive_once_the_policy_moved(model_dir, tmp_path, kl_type):
    """Step 1 (β = 0) moves the policy by SFT; at step 2 the k3 estimate against the EMA anchor is > 0."""
    cfg = fast_config(model_dir, tmp_path / "run", method="sft", n_prime=2, lr=1e-2, kl_delay=1, kl_type=kl_type)
    train(cfg, progress=False)
    rows = read_rows(tmp_path / "run" / "metrics.csv")
    assert float(rows[0]["kl"]) == 0.0 and float(rows[1]["kl"]) > 0.0


@pytest.mark.parametrize("options", [
    dict(method="bon_rlb", p_fail_source="value"),
    dict(method="bon_rlb", objective_args="apply_to=all"),
    dict(method="grpo", normalize_weights=True),
    dict(method="bon_rlb_p", loss_agg="token_mean", grad_clip=0),
    dict(method="pass_at_k", k=2),
    dict(method="base_bon_sft", lora=True, lora_r=2, lora_targets="q_proj"),
], ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_config_options_train(model_dir, tmp_path, options):
    train(fast_config(model_dir, tmp_path / "run", **options), progress=False)
    rows = read_rows(tmp_path / "run" / "metrics.csv")
    assert len(rows) == 2 and all(math.isfinite(float(r["loss"])) for r in rows)
