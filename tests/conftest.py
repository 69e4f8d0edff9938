"""Shared test configuration: deterministic seeds and small thread counts for shared CPU machines."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """One torch thread for the whole session, module-scoped fixtures included: CI has 2 shared cores,
    and two spin-waiting threads on a busy machine made small-model tests up to 30x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A saved, seeded random 2-layer Llama with the tiny char tokenizer: a valid ``--model`` folder.

    Tests never build the embedded ``tiny`` (minutes of pre-training); this exercises the same code.
    """
    from bonaware.models import save_model
    from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained

    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64,
                                       max_length=64), tok)
    return str(save_model(model, tok, tmp_path_factory.mktemp("model") / "m"))
