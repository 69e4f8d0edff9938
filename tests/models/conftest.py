"""Fixtures for model tests: an isolated cache folder and a small, quickly built tiny model."""

import pytest

from bonaware.models.tiny import TinyConfig

#: a shortened tiny recipe: same code path as the default build, ~1 s on one core
SMALL = dict(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64, steps=12, batch_size=32,
             warmup_steps=3, families="add1,add2", val_problems=16, eval_every=6, target_pass_at_1=0.9)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """BONAWARE_CACHE pointed at an empty temporary folder."""
    root = tmp_path / "cache"
    monkeypatch.setenv("BONAWARE_CACHE", str(root))
    return root


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """An empty Hugging Face hub cache: HF_HUB_CACHE (and huggingface_hub's constant read at import)."""
    from huggingface_hub import constants

    root = tmp_path / "hf" / "hub"
    root.mkdir(parents=True)
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(root))
    return root


@pytest.fixture
def small_config():
    return TinyConfig(**SMALL)


@pytest.fixture(scope="session")
def build_in_cache():
    """``run(root, build)``: call ``build()`` with BONAWARE_CACHE at ``root``, then restore the variable and
    torch's thread count (a build may change both; module- and session-scoped fixtures cannot monkeypatch)."""
    import os

    import torch

    def run(root, build):
        threads = torch.get_num_threads()
        old = os.environ.get("BONAWARE_CACHE")
        os.environ["BONAWARE_CACHE"] = str(root)
        try:
            return build()
        finally:
            torch.set_num_threads(threads)
            if old is None:
                del os.environ["BONAWARE_CACHE"]
            else:
                os.environ["BONAWARE_CACHE"] = old

    return run


@pytest.fixture(scope="session")
def small_tiny_folder(tmp_path_factory, build_in_cache):
    """A built (and evaluated) small tiny model, shared by the tests that only read it."""
    import torch

    from bonaware.models import tiny

    def build():
        torch.set_num_threads(1)
        return tiny.build(TinyConfig(**SMALL), progress=False, evaluate=True, eval_problems=24, eval_samples=4)

    return build_in_cache(tmp_path_factory.mktemp("tiny-cache"), build)
