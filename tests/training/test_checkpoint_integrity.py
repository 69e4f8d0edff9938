"""A truncated or corrupted checkpoint is detected with an error naming it and the previous good one."""

from __future__ import annotations

import pytest
from _train_helpers import fast_config

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.training.checkpoint import latest_checkpoint, list_checkpoints, load_checkpoint, save_checkpoint
from bonaware.training.trainer import train


def test_checkpoint_roundtrip_and_pruning(tmp_path):
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, step, {"step": step, "x": list(range(step))})
    assert [p.name for p in list_checkpoints(tmp_path)] == ["ckpt-2.pt", "ckpt-3.pt"]  # keep=2
    assert latest_checkpoint(tmp_path) == {"step": 3, "x": [0, 1, 2]}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def _two_checkpoints(tmp_path):
    save_checkpoint(tmp_path, 2, {"step": 2})
    return save_checkpoint(tmp_path, 4, {"step": 4})


def test_truncated_checkpoint_names_file_and_previous_good_one(tmp_path):
    newest = _two_checkpoints(tmp_path)
    newest.write_bytes(newest.read_bytes()[:-10])
    with pytest.raises(BonawareError, match=r"ckpt-4\.pt.*(corrupted|truncated).*ckpt-2\.pt is intact"):
        latest_checkpoint(tmp_path)


def test_flipped_byte_is_a_checksum_mismatch(tmp_path):
    newest = _two_checkpoints(tmp_path)
    data = bytearray(newest.read_bytes())
    data[-1] ^= 0xFF
    newest.write_bytes(bytes(data))
    with pytest.raises(BonawareError, match=r"ckpt-4\.pt: checkpoint is corrupted or truncated \(checksum"):
        load_checkpoint(newest)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint at all", b"BONAWARE-CKPT-1\n" + b"0" * 10])
def test_header_damage_is_detected(tmp_path, content):
    path = tmp_path / "ckpt-7.pt"
    path.write_bytes(content)
    with pytest.raises(BonawareError, match=r"ckpt-7\.pt: not a bonaware checkpoint"):
        latest_checkpoint(tmp_path)


def test_single_bad_checkpoint_has_no_previous_to_name(tmp_path):
    (tmp_path / "ckpt-1.pt").write_bytes(b"garbage")
    with pytest.raises(BonawareError) as info:
        latest_checkpoint(tmp_path)
    assert "previous" not in str(info.value)


def test_cli_resume_from_truncated_checkpoint_exits_2_with_clear_message(model_dir, tmp_path, capsys):
    out = tmp_path / "run"
    train(fast_config(model_dir, out, method="grpo", steps=4, ckpt_every=2), progress=False)
    ckpt4 = out / "ckpt-4.pt"
    ckpt4.write_bytes(ckpt4.read_bytes()[: len(ckpt4.read_bytes()) // 2])
    metrics = (out / "metrics.csv").read_bytes()
    files = sorted(out.rglob("*"))
    capsys.readouterr()

    args = [f"--{k}={v}" for k, v in vars(fast_config(model_dir, out, method="grpo", steps=6, ckpt_every=2)).items()
            if v is not None]
    code = main(["train", *args, "--resume"])
    err = capsys.readouterr().err
    assert code == 2
    last = err.strip().splitlines()[-1]  # earlier stderr lines: transformers' weight-loading progress bar
    assert last.startswith("bonaware train: error: ") and "ckpt-4.pt" in last, err
    assert str(ckpt4) in err and "ckpt-2.pt is intact" in err
    assert "Traceback" not in err
    assert (out / "metrics.csv").read_bytes() == metrics  # nothing rewritten by the failed resume
    assert sorted(out.rglob("*")) == files  # and nothing added (no new TensorBoard file)
