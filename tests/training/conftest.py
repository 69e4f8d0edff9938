"""Fixtures for training tests: a small random Llama + the tiny char tokenizer, saved as a folder.

Training tests never build the embedded ``tiny`` model (minutes); an untrained 2-layer Llama with
the same tokenizer exercises every code path of the trainer in about a second per run.
"""

from __future__ import annotations

import pytest
from _train_helpers import make_model_folder


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A saved tiny random model shared by every test (read-only)."""
    return make_model_folder(tmp_path_factory.mktemp("model") / "m")
