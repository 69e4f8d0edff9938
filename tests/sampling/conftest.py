"""Tiny models and a character-level tokenizer for the sampling tests, built locally (no downloads).

``char_tokenizer()`` — one token per character plus ``<pad> <s> </s> <unk>``; ``tiny_model(arch)`` —
a randomly initialised 2-layer causal LM of the given architecture over that vocabulary
(``llama``: rotary positions, GQA; ``gpt2``: learned absolute positions; ``gemma2``: logit
soft-capping). The fixtures below hand them to the tests of this folder.
"""

from __future__ import annotations

import string

import pytest
import torch

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
CHARS = list(string.ascii_lowercase + string.digits + " .,!?+-=*()\n:")


def char_tokenizer():
    """A ``PreTrainedTokenizerFast`` with one token per character (pad=0, bos=1, eos=2)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIALS + CHARS)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tk.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=tk, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )


def tiny_model(arch: str = "llama", vocab_size: int = len(SPECIALS) + len(CHARS), seed: int = 0):
    """A randomly initialised 2-layer causal LM (fp32, eval mode). Weights are wider than the default
    init (std 0.2) so next-token distributions are peaked enough for greedy decoding to be stable."""
    import transformers as tf

    common = dict(
        vocab_size=vocab_size, pad_token_id=0, bos_token_id=1, eos_token_id=2, initializer_range=0.2
    )
    if arch == "llama":
        config = tf.LlamaConfig(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=512,
            **common,
        )
        cls = tf.LlamaForCausalLM
    elif arch == "gpt2":
        config = tf.GPT2Config(n_embd=64, n_layer=2, n_head=4, n_positions=512, **common)
        cls = tf.GPT2LMHeadModel
    elif arch == "gemma2":
        config = tf.Gemma2Config(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            max_position_embeddings=512,
            final_logit_softcapping=5.0,
            sliding_window=256,
            **common,
        )
        cls = tf.Gemma2ForCausalLM
    else:
        raise ValueError(arch)
    torch.manual_seed(seed)
    model = cls(config)
    model.eval()
    return model


@pytest.fixture(scope="session")
def tokenizer():
    return char_tokenizer()


@pytest.fixture(scope="session")
def llama():
    return tiny_model("llama")


@pytest.fixture(scope="session", params=["llama", "gpt2", "gemma2"])
def any_model(request):
    """The tiny model of each supported architecture family."""
    return tiny_model(request.param)
