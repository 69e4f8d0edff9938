"""How the sampler and the scorer drive a Hugging Face causal LM: KV caches, padding, body/head split.

Kept in one place so :mod:`bonaware.sampling.hf` and :mod:`bonaware.sampling.logprobs` share the
same (small) set of assumptions about ``transformers`` models:

* the KV cache is a ``transformers`` :class:`~transformers.Cache` passed as ``cache=`` (5.2x) or
  ``past_key_values=`` (older 5.x) — :func:`forward` picks the name the model accepts;
* rows of a cache can be gathered with ``batch_select_indices`` (that is how one prefilled prompt
  is shared by its N continuations: gather row i N times instead of recomputing the prompt);
* the logits are ``lm_head(decoder(x))``, optionally soft-capped (Gemma 2/3), divided by
  ``logits_scaling`` (Granite) or multiplied by ``logit_scale`` (Cohere) — :func:`logit_postprocess`.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Sequence
from typing import Any

import torch

from bonaware.errors import BonawareError


def unwrap(model: Any) -> Any:
    """The ``transformers`` model inside a PEFT wrapper (the model itself otherwise)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


def model_device(model: Any) -> torch.device:
    """Where the model's input embeddings live (inputs go there)."""
    return unwrap(model).get_input_embeddings().weight.device


@functools.lru_cache(maxsize=64)
def _accepts(forward_fn: Any, name: str) -> bool:
    try:
        return name in inspect.signature(forward_fn).parameters
    except (TypeError, ValueError):
        return False


def _cache_kwarg(module: Any) -> str:
    # transformers renamed ``past_key_values`` to ``cache`` during 5.x; accept both.
    return "cache" if _accepts(type(module).forward, "cache") else "past_key_values"


def forward(module: Any, *, cache: Any, **kwargs: Any) -> Any:
    """Call ``module`` (a CausalLM, a PEFT wrapper or a decoder body) with ``cache`` and ``use_cache``."""
    inner = unwrap(module)
    kwargs[_cache_kwarg(inner)] = cache
    if "logits_to_keep" in kwargs and not _accepts(type(inner).forward, "logits_to_keep"):
        kwargs.pop("logits_to_keep")  # older heads compute all positions; callers slice [:, -1]
    return module(use_cache=True, **kwargs)


def new_cache(model: Any) -> Any:
    """An empty dynamic KV cache laid out for ``model`` (sliding-window layers included)."""
    from transformers import DynamicCache

    return DynamicCache(config=unwrap(model).config)


def select_rows(cache: Any, index: torch.Tensor, *, inplace: bool = False) -> Any:
    """The cache restricted to batch rows ``index`` (repeats allowed: row i N times = N continuations).

    With ``inplace=False`` the layers are shallow-copied first: ``batch_select_indices`` rebinds
    each layer's key/value tensors, so the original cache keeps its rows and can be gathered again
    (e.g. when N continuations of one prompt do not fit in one decode batch).
    """
    if not hasattr(cache, "batch_select_indices"):
        raise BonawareError(
            f"KV cache {type(cache).__name__} cannot select batch rows; "
            "bonaware needs a transformers Cache (DynamicCache)"
        )
    if not inplace:
        layers = [copy.copy(layer) for layer in cache.layers]
        cache = copy.copy(cache)
        cache.layers = layers
    cache.batch_select_indices(index)
    return cache


def left_pad(seqs: Sequence[Sequence[int]], pad_id: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    """Left-pad token lists: ``(input_ids, attention_mask, position_ids)``, each ``[B, max_len]``.

    Position ids count real tokens only (pads get 0), so a padded row sees the same positions, and
    hence the same rotary / absolute embeddings, as the unpadded sequence.
    """
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        if len(s):
            ids[i, width - len(s) :] = torch.as_tensor(list(s), dtype=torch.long)
            mask[i, width - len(s) :] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids.to(device), mask.to(device), pos.to(device)


def right_pad(
    seqs: Sequence[Sequence[int]], pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token lists: ``(ids [B, T], mask [B, T])`` with ``T`` the longest length."""
    width = max((len(s) for s in seqs), default=0)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.as_tensor(list(s), dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids.to(device), mask.to(device)


def decoder_and_head(model: Any) -> tuple[Any, Any]:
    """The model body (hidden states) and its output projection ``lm_head``."""
    inner = unwrap(model)
    head = inner.get_output_embeddings()
    body = inner.get_decoder() if hasattr(inner, "get_decoder") else None
    if head is None or body is None or body is inner:
        raise BonawareError(
            f"{type(inner).__name__}: cannot split the model into a decoder body and an "
            "lm_head; sequence_logprobs needs a standard *ForCausalLM model"
        )
    return body, head


def logit_postprocess(model: Any) -> tuple[float, float | None]:
    """``(m, cap)``: the model's logits are ``cap·tanh(m·z / cap)`` of ``z = lm_head(h)`` (``m·z`` if no cap).

    ``m`` folds Cohere's ``logit_scale`` (multiply) and Granite's ``logits_scaling`` (divide);
    ``cap`` is Gemma 2/3's ``final_logit_softcapping`` (``None``: no capping).
    """
    config = unwrap(model).config.get_text_config(decoder=True)
    multiplier = 1.0
    if getattr(config, "logit_scale", None) is not None:
        multiplier *= float(config.logit_scale)
    if getattr(config, "logits_scaling", None) is not None:
        multiplier /= float(config.logits_scaling)
    cap = getattr(config, "final_logit_softcapping", None)
    return multiplier, None if cap is None else float(cap)


def head_logits(model: Any, head: Any, hidden: torch.Tensor) -> torch.Tensor:
    """``lm_head(hidden)`` in (at least) fp32, post-processed exactly as the model's forward does."""
    logits = head(hidden)
    logits = logits.to(torch.promote_types(logits.dtype, torch.float32))  # bf16 -> fp32, fp64 stays
    multiplier, cap = logit_postprocess(model)
    if multiplier != 1.0:
        logits = logits * multiplier
    if cap is not None:
        logits = torch.tanh(logits / cap) * cap
    return logits


def hf_checkpointing_active(model: Any) -> bool:
    """True when HF gradient checkpointing will drop the KV cache in this forward (training, grad on)."""
    inner = unwrap(model)
    # transformers 5.2x renamed the flag; read the new name first (the old one warns)
    active = getattr(inner, "is_activation_checkpointing", None)
    if active is None:
        active = getattr(inner, "is_gradient_checkpointing", False)
    return bool(active) and inner.training and torch.is_grad_enabled()
