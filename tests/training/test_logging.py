"""metrics.csv has the documented columns (docs/training.md "Logs") and TensorBoard events are written."""

from __future__ import annotations

import csv
import math

import pytest
import torch
from _train_helpers import fast_config

from bonaware.training.trainer import STATUS_COLUMNS, status_counts, train

#: docs/training.md, "Logs": one column per metric
COLUMNS = ["step", "loss", "reward", "pass_at_n_batch", "bon_reward", "kl", "kl_coef", "grad_norm", "lr",
           "value_loss", "frac_zero_info", "weight_abs_mean", "weight_max", "weight_min", "tokens_per_s",
           "step_seconds"]


@pytest.fixture(scope="module")
def run(model_dir, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("log") / "run"
    train(fast_config(model_dir, out, method="bon_rlb_p", steps=3, kl_delay=1), progress=False)
    return out


def test_metrics_csv_has_documented_columns(run):
    with open(run / "metrics.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames[: len(COLUMNS)] == COLUMNS
    assert any(name.startswith("obj/") for name in reader.fieldnames)  # the objective's own statistics
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    for r in rows:
        for key in ("reward", "pass_at_n_batch", "bon_reward", "frac_zero_info"):
            assert 0.0 <= float(r[key]) <= 1.0, key
        assert float(r["reward"]) <= float(r["pass_at_n_batch"])
        assert float(r["kl"]) >= 0 and float(r["tokens_per_s"]) > 0 and float(r["step_seconds"]) > 0
        assert float(r["weight_min"]) <= float(r["weight_max"])
        assert math.isfinite(float(r["value_loss"]))  # bon_rlb_p trains the value head


def test_verdict_status_shares_are_logged_every_step_and_sum_to_one(run):
    with open(run / "metrics.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = [f"status/{s}" for s in (*STATUS_COLUMNS["math"], "other")]  # arith is judged by the math verifier
    for r in rows:
        assert sum(float(r[c]) for c in columns) == pytest.approx(1.0)
        assert float(r["status/ok"]) + float(r["status/no_answer"]) == pytest.approx(1.0)


def test_status_counts_keep_a_fixed_column_order_and_lump_unknown_statuses():
    from bonaware.verifiers.base import Verdict

    verdicts = [[Verdict(1, True, "passed"), Verdict(0, False, "timeout")], [Verdict(0, False, "weird")]]
    assert status_counts(verdicts, "code") == [1, 0, 0, 1, 0, 1]
    assert status_counts(verdicts, "other-kind") == [3]


def test_tensorboard_events_hold_scalars_and_histograms(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = list((run / "tb").glob("events.out.tfevents.*"))
    assert events
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    tags = acc.Tags()
    assert {"loss", "reward", "kl", "frac_zero_info", "tokens_per_s"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("loss")] == [1, 2, 3]
    assert {"weights", "p_fail"} <= set(tags["histograms"])


def test_log_every_thins_rows_but_keeps_the_last_step(model_dir, tmp_path):
    train(fast_config(model_dir, tmp_path / "run", method="grpo", steps=3, log_every=2), progress=False)
    with open(tmp_path / "run" / "metrics.csv", newline="") as fh:
        assert [int(r["step"]) for r in csv.DictReader(fh)] == [2, 3]
