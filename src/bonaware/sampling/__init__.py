"""Sampling N completions per prompt, and log-prob scoring for training (docs/sampling.md).

    from bonaware.sampling import SamplingParams, get_sampler, sequence_logprobs

    sampler = get_sampler("auto", model=model, tokenizer=tokenizer)     # HF unless vLLM + GPU
    out = sampler.sample(prompts, SamplingParams(n=16, temperature=0.7, max_new_tokens=128, seed=0))
    out[i][k].text, out[i][k].token_ids, out[i][k].logprobs, out[i][k].finish_reason

    lp = sequence_logprobs(model, prompt_ids, [c.token_ids for c in out[i]])   # [N, T], with grad
    seq_logp = lp.sum(-1)                                                      # log π(y_j | x)

Backends are registered in :data:`SAMPLERS`; ``get_sampler(name, ...)`` builds one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bonaware.errors import BonawareError, unknown_name
from bonaware.sampling.base import Completion, FinishReason, Prompt, Sampler, SamplingParams
from bonaware.sampling.hf import HFSampler
from bonaware.sampling.logprobs import (
    naive_sequence_logprobs,
    paired_sequence_logprobs,
    sequence_logprobs,
    token_logprobs,
)
from bonaware.sampling.vllm_backend import VLLMSampler, require_vllm, vllm_available


def _build_hf(model: Any = None, tokenizer: Any = None, **kw: Any) -> Sampler:
    if model is None or tokenizer is None or isinstance(model, str):
        raise BonawareError("backend 'hf' needs a loaded model and tokenizer (bonaware.models.load_model)")
    return HFSampler(model, tokenizer, **kw)


def _build_vllm(model: Any = None, tokenizer: Any = None, **kw: Any) -> Sampler:
    if model is not None and not isinstance(model, str):
        # an in-memory HF model: vLLM loads weights from its folder
        path = getattr(getattr(model, "config", None), "_name_or_path", None) or getattr(
            model, "name_or_path", None
        )
        if not path:
            raise BonawareError("backend 'vllm' needs a model folder path (save the model first)")
        model = path
    if isinstance(tokenizer, str) or tokenizer is None:
        return VLLMSampler(model, tokenizer, **kw)
    return VLLMSampler(model, getattr(tokenizer, "name_or_path", None) or None, **kw)


#: name -> builder(model=..., tokenizer=..., **backend options) -> Sampler
SAMPLERS: dict[str, Callable[..., Sampler]] = {"hf": _build_hf, "vllm": _build_vllm}


def get_sampler(backend: str = "auto", *, model: Any = None, tokenizer: Any = None, **kwargs: Any) -> Sampler:
    """Build a sampler. ``backend``: ``"hf"``, ``"vllm"`` or ``"auto"``.

    ``"auto"`` picks vLLM when ``model`` is a folder path (or a ``vllm.LLM``), vllm imports and a GPU
    is visible; otherwise HF. An in-memory model always gets HF under ``"auto"``: vLLM loads weights
    from disk and would not see in-memory (e.g. training) updates. ``kwargs`` go to the backend
    (``batch_size`` for HF, ``gpu_memory_utilization`` for vLLM ...).
    """
    if backend == "auto":
        in_memory = model is not None and not isinstance(model, str) and type(model).__name__ != "LLM"
        backend = "vllm" if not in_memory and vllm_available() else "hf"
    if backend not in SAMPLERS:
        raise unknown_name("sampling backend", backend, [*SAMPLERS, "auto"])
    return SAMPLERS[backend](model=model, tokenizer=tokenizer, **kwargs)


__all__ = [
    "SAMPLERS",
    "Completion",
    "FinishReason",
    "HFSampler",
    "Prompt",
    "Sampler",
    "SamplingParams",
    "VLLMSampler",
    "token_logprobs",
    "get_sampler",
    "naive_sequence_logprobs",
    "paired_sequence_logprobs",
    "require_vllm",
    "sequence_logprobs",
    "vllm_available",
]
