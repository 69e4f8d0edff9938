"""Exact resume: a run interrupted after a checkpoint and resumed equals an uninterrupted run (CPU, fixed seed)."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from _train_helpers import fast_cli_args, fast_config
from safetensors.torch import load_file

from bonaware.training.checkpoint import list_checkpoints
from bonaware.training.trainer import Trainer, train

#: wall-clock columns: the only ones allowed to differ between two runs of the same config
TIMING = {"tokens_per_s", "step_seconds"}
#: bon_rlb_p exercises the value head (value_target="mean"); bon_rl_v the verifier; the KL is on from step 2
RUN = dict(method="bon_rlb_p", steps=5, ckpt_every=2, kl_delay=1)


def read_rows(folder: Path) -> list[dict]:
    with open(folder / "metrics.csv", newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(fh)]


def assert_same_run(a: Path, b: Path) -> None:
    wa, wb = load_file(a / "final" / "model.safetensors"), load_file(b / "final" / "model.safetensors")
    assert wa.keys() == wb.keys()
    different = [k for k in wa if not torch.equal(wa[k], wb[k])]
    assert not different, f"final weights differ in {different}"
    assert read_rows(a) == read_rows(b)


@pytest.fixture(scope="module")
def uninterrupted(model_dir, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("full") / "run"
    train(fast_config(model_dir, out, **RUN), progress=False)
    return out


class Crash(Exception):
    pass


def test_resume_from_mid_checkpoint_equals_uninterrupted_run(model_dir, uninterrupted, tmp_path, monkeypatch):
    out = tmp_path / "run"
    real_step = Trainer.train_step

    def crashing_step(self):
        if self.step == 3:  # after ckpt-2, in the middle of the run
            raise Crash
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", crashing_step)
    with pytest.raises(Crash):
        train(fast_config(model_dir, out, **RUN), progress=False)
    assert [p.name for p in list_checkpoints(out)] == ["ckpt-2.pt"]
    monkeypatch.setattr(Trainer, "train_step", real_step)

    # steps 1-3 ran before the crash; the resumed run must redo step 3 from ckpt-2 and match exactly
    train(fast_config(model_dir, out, resume=True, **RUN), progress=False)
    assert_same_run(uninterrupted, out)


def test_resume_from_different_run_would_differ(model_dir, uninterrupted, tmp_path):
    """Guard against a comparison that cannot fail: another seed gives other weights and rows."""
    out = tmp_path / "run"
    train(fast_config(model_dir, out, **{**RUN, "seed": 1}), progress=False)
    with pytest.raises(AssertionError):
        assert_same_run(uninterrupted, out)


def test_resume_without_checkpoint_starts_fresh(model_dir, uninterrupted, tmp_path):
    out = tmp_path / "run"
    train(fast_config(model_dir, out, resume=True, **RUN), progress=False)
    assert_same_run(uninterrupted, out)


def test_resume_of_finished_run_keeps_it(model_dir, tmp_path):
    out = tmp_path / "run"
    cfg = dict(RUN, steps=2)
    train(fast_config(model_dir, out, **cfg), progress=False)
    before = read_rows(out)
    train(fast_config(model_dir, out, resume=True, **cfg), progress=False)
    assert read_rows(out) == before


@pytest.mark.slow
def test_sigkilled_cli_run_resumes_to_the_same_result(model_dir, uninterrupted, tmp_path):
    """``bonaware train`` killed (SIGKILL) at a random moment after its first checkpoint, then ``--resume``."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "bonaware", "train", *fast_cli_args(model_dir, out, **RUN)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not list_checkpoints(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list_checkpoints(out), "no checkpoint appeared"
        time.sleep(random.Random().uniform(0.0, 0.3))  # somewhere in steps 3-5 or a save (~0.2 s a step)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    resumed = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(uninterrupted, out)


def test_lora_run_resumes_exactly(model_dir, tmp_path, monkeypatch):
    run = dict(method="bon_sft", steps=3, ckpt_every=1, kl_delay=1, lora=True, lora_r=2, lora_targets="q_proj,v_proj",
               lr=1e-2)
    train(fast_config(model_dir, tmp_path / "full", **run), progress=False)
    real_step = Trainer.train_step

    def crashing_step(self):
        if self.step == 2:
            raise Crash
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", crashing_step)
    with pytest.raises(Crash):
        train(fast_config(model_dir, tmp_path / "part", **run), progress=False)
    monkeypatch.setattr(Trainer, "train_step", real_step)
    train(fast_config(model_dir, tmp_path / "part", resume=True, **run), progress=False)
    assert_same_run(tmp_path / "full", tmp_path / "part")
