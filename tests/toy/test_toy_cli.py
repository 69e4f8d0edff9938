"""`bonaware toy`: end to end, --help, and config validation."""

import dataclasses
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from bonaware.cli.main import main
from bonaware.config import parse_config
from bonaware.errors import BonawareError
from bonaware.toy import ToyConfig, make_prompts
from bonaware.verifiers.metrics import roc_auc

TINY = ["--num_prompts=3", "--num_candidates=4", "--train_n=3", "--steps=60", "--eval_ns=1,2,4", "--quiet"]


def test_demo_runs_end_to_end_on_a_tiny_config_and_writes_its_files(tmp_path, capsys):
    start = time.perf_counter()
    assert main(["toy", *TINY, f"--out={tmp_path}"]) == 0
    assert time.perf_counter() - start < 10
    out = capsys.readouterr().out
    assert "Bo-N accuracy" in out and "pass@N" in out and "RL (N′=1)" in out
    results = json.loads((tmp_path / "toy_results.json").read_text())
    assert set(results["policies"]) == {"base", *ToyConfig().methods}
    for policy in results["policies"].values():
        assert set(policy["eval"]["bon"]) == {"1", "2", "4"}
        np.testing.assert_allclose(np.sum(policy["eval"]["probs"], axis=1), 1.0)
    for png in ("bon_vs_n.png", "distributions.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "report.md").read_text()
    assert "base policy" in report and "exact ∇BoN@N′" in report
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_help_documents_every_config_field():
    res = subprocess.run([sys.executable, "-m", "bonaware", "toy", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    for f in dataclasses.fields(ToyConfig):
        assert f"--{f.name}" in res.stdout
        assert f.metadata["help"].split()[0] in res.stdout
    for name in ToyConfig().methods:
        assert f"\n  {name} " in res.stdout


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("--num_candidates=1", "num_candidates"),
        ("--num_correct=6", "num_correct must be < num_candidates"),
        ("--p_easy=1.0", "p_easy"),
        ("--p_hard=0.9", "p_hard must be <= p_easy"),
        ("--verifier_auc=0.3", "verifier_auc"),
        ("--score_levels=1", "score_levels"),
        ("--methods=rl,ppo", "unknown method 'ppo'"),
        ("--methods=rl,rl", "without repeats"),
        ("--eval_ns=0,4", "eval_ns"),
        ("--lr=-1", "lr"),
        ("--kl_target=-0.1", "kl_target"),
        ("--steps=ten", "--steps: expected int"),
        ("--optimizer=lbfgs", "--optimizer"),
    ],
)
def test_invalid_config_values_raise_bonaware_error(flag, message):
    with pytest.raises(BonawareError, match=message):
        parse_config(ToyConfig, [flag])


def test_invalid_value_gives_exit_status_2_and_a_one_line_error(tmp_path, capsys):
    assert main(["toy", "--num_correct=9", f"--out={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert "bonaware toy: error: ToyConfig.num_correct" in err and "Traceback" not in err


def test_prompts_span_the_difficulty_range_and_the_verifier_has_the_target_auc():
    cfg = ToyConfig(num_prompts=400, num_candidates=6, num_correct=2, p_easy=0.8, p_hard=0.01, verifier_auc=0.75)
    pr = make_prompts(cfg)
    pi = np.exp(pr.logits)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0)
    np.testing.assert_allclose((pi * pr.rewards).sum(axis=1), np.geomspace(0.8, 0.01, 400))
    assert roc_auc(pr.scores.ravel(), pr.rewards.ravel().astype(bool)) == pytest.approx(0.75, abs=0.02)
    oracle = make_prompts(dataclasses.replace(cfg, verifier_auc=1.0))
    np.testing.assert_array_equal(oracle.scores, oracle.rewards)
    tied = make_prompts(dataclasses.replace(cfg, score_levels=3))
    assert len(np.unique(tied.scores)) <= 3
