"""Training tests use the session fixture ``model_dir`` from tests/conftest.py: a small random Llama with
the tiny char tokenizer (never the embedded ``tiny``, which takes minutes to pre-train); it exercises every
code path of the trainer in about a second per run. Shared run settings live in ``_train_helpers``."""
