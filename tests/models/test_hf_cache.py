"""Hugging Face ids load from the local HF cache only (issue 18): offline, never a download, and a
clear error naming the cache folder when the model is not there."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bonaware.errors import BonawareError
from bonaware.models import load_model
from bonaware.models.loading import resolve_folder

REPO = Path(__file__).resolve().parents[2]
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def put_in_hf_cache(hub: Path, repo_id: str, folder: Path, commit: str = COMMIT, ref: str = "main") -> Path:
    """Write ``folder`` into ``hub`` the way ``huggingface_hub`` lays out a download: content-addressed
    blobs, a snapshot of symlinks named by commit, and ``refs/<ref>`` holding the commit."""
    entry = hub / f"models--{repo_id.replace('/', '--')}"
    snapshot = entry / "snapshots" / commit
    (entry / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True)
    for file in folder.iterdir():
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        shutil.copyfile(file, entry / "blobs" / digest)
        (snapshot / file.name).symlink_to(Path("..") / ".." / "blobs" / digest)
    (entry / "refs").mkdir(exist_ok=True)
    (entry / "refs" / ref).write_text(commit)
    return snapshot


def test_a_hub_id_in_the_hf_cache_loads_offline(model_dir, hf_cache):
    snapshot = put_in_hf_cache(hf_cache, "acme/tiny-test", Path(model_dir))
    assert resolve_folder("acme/tiny-test") == snapshot
    assert resolve_folder(f"acme/tiny-test@{COMMIT}") == snapshot
    assert resolve_folder("acme/tiny-test@main") == snapshot
    model, tok = load_model("acme/tiny-test")
    reference, ref_tok = load_model(model_dir)
    assert model.state_dict().keys() == reference.state_dict().keys()
    for name, weight in reference.state_dict().items():
        assert torch.equal(model.state_dict()[name], weight), name
    assert tok("1+2=").input_ids == ref_tok("1+2=").input_ids


def test_a_missing_hub_id_names_the_cache_folder_and_downloads_nothing(hf_cache):
    with pytest.raises(BonawareError) as info:
        load_model("acme/not-there")
    message = str(info.value)
    assert str(hf_cache) in message and "models--acme--not-there does not exist" in message
    assert "never downloads" in message and "hf download acme/not-there" in message
    assert list(hf_cache.iterdir()) == []


def test_a_missing_revision_is_named(model_dir, hf_cache):
    put_in_hf_cache(hf_cache, "acme/tiny-test", Path(model_dir))
    with pytest.raises(BonawareError, match="has no snapshot of that revision"):
        resolve_folder("acme/tiny-test@v2")


def test_a_cached_repo_without_config_json_is_a_clear_error(tmp_path, hf_cache):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "README.md").write_text("weights elsewhere")
    put_in_hf_cache(hf_cache, "acme/readme-only", tmp_path / "repo")
    with pytest.raises(BonawareError, match="acme/readme-only.*no config.json"):
        resolve_folder("acme/readme-only")


def _cli(*argv: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    # no offline switch, and a hub endpoint that refuses connections: only a purely local lookup succeeds
    full = {**base, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "HF_ENDPOINT": "http://127.0.0.1:9",
            **env}
    return subprocess.run([sys.executable, "-m", "bonaware", *argv], capture_output=True, text=True, env=full,
                          timeout=300)


def test_cli_samples_from_a_hub_id_in_the_hf_cache(model_dir, hf_cache, tmp_path, capsys):
    from bonaware.cli.main import main

    put_in_hf_cache(hf_cache, "acme/tiny-test", Path(model_dir))
    out = tmp_path / "s.jsonl"
    assert main(["sample", "--model=acme/tiny-test", "--num_prompts=2", "--n=2", "--max_new_tokens=3",
                 f"--out={out}", "--device=cpu"]) == 0
    assert len(out.read_text().splitlines()) == 2
    assert main(["sample", "--model=acme/other", f"--out={tmp_path / 'o.jsonl'}"]) == 2
    assert f"local Hugging Face cache {hf_cache}" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.slow
def test_python_m_bonaware_finds_a_hub_id_under_hf_home_with_no_offline_switch(model_dir, tmp_path):
    hf_home = tmp_path / "hf_home"
    put_in_hf_cache(hf_home / "hub", "acme/tiny-test", Path(model_dir))
    out = tmp_path / "s.jsonl"
    proc = _cli("sample", "--model=acme/tiny-test", "--num_prompts=2", "--n=2", "--max_new_tokens=3",
                f"--out={out}", "--device=cpu", env={"HF_HOME": str(hf_home)})
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text().splitlines()) == 2
    proc = _cli("sample", "--model=acme/other", f"--out={tmp_path / 'o.jsonl'}", env={"HF_HOME": str(hf_home)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"local Hugging Face cache {hf_home / 'hub'}" in proc.stderr
    assert not (tmp_path / "o.jsonl").exists()
