"""Per-token log π(y_t | x, y_<t) of N completions of one prompt, for training (with gradients).

Every objective's loss is ``-Σ_j w_j · log π(y_j | x)`` with the sequence log-probability summed
over completion tokens (docs/architecture.md; paper.md §3). :func:`sequence_logprobs` computes the
per-token terms with two savings over the naive ``model(prompt + completion).logits``:

* **prompt once**: the prompt is run through the decoder once; its KV cache is repeated N times
  along the batch and the N completions are run against it in one batch (gradients flow back
  into the prompt's keys/values, so they equal the naive gradients);
* **chunked head**: the decoder's hidden states are projected by ``lm_head`` ``chunk_size``
  positions at a time, in fp32, and reduced to ``logit[target] - logsumexp(logits)`` at once; each
  chunk runs under ``torch.utils.checkpoint`` so the backward pass recomputes its logits instead of
  storing them. The full ``[N, T, V]`` fp32 logits tensor never exists, forward or backward.

:func:`naive_sequence_logprobs` is the textbook full-sequence computation, kept as the reference
the tests and ``benchmarks/bench_logprobs.py`` compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.checkpoint import checkpoint

from bonaware.errors import BonawareError
from bonaware.sampling import hf_model


def sequence_logprobs(
    model: Any,
    prompt_ids: Sequence[int],
    completion_ids_list: Sequence[Sequence[int]],
    *,
    chunk_size: int = 128,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Per-token log-probabilities of each completion given one prompt.

    Args:
        model: a ``transformers`` causal LM (PEFT-wrapped or not); its train/eval mode is left alone.
        prompt_ids: the prompt's token ids (at least one).
        completion_ids_list: N completions (token-id lists, lengths may differ, may be empty).
        chunk_size: positions projected through ``lm_head`` at a time; peak logits memory is
            ``N · chunk_size · vocab · 4`` bytes.
        temperature: score under π_T, i.e. ``log_softmax(logits / temperature)`` (training at T′).

    Returns:
        ``[N, T_max]`` fp32 tensor; entry ``[j, t]`` is log π_T(y_jt | x, y_j<t) and is 0 past the
        end of completion j, so ``.sum(-1)`` is the sequence log-probability. It carries gradients
        when grad mode is on.

    With Hugging Face gradient checkpointing active (training mode), ``transformers`` refuses KV
    caches, so the prompt is then recomputed with each completion (the head is still chunked).
    """
    if chunk_size < 1:
        raise BonawareError(f"sequence_logprobs: chunk_size must be >= 1, got {chunk_size}")
    if not temperature > 0.0:
        raise BonawareError(f"sequence_logprobs: temperature must be > 0, got {temperature}")
    prompt = [int(t) for t in prompt_ids]
    completions = [[int(t) for t in c] for c in completion_ids_list]
    if not prompt:
        raise BonawareError(
            "sequence_logprobs: prompt_ids is empty; the first completion token needs a context"
        )
    if not completions:
        raise BonawareError("sequence_logprobs: completion_ids_list is empty")
    body, head = hf_model.decoder_and_head(model)
    device = hf_model.model_device(model)
    targets, tmask = hf_model.right_pad(completions, 0, device)
    n, t_max = targets.shape
    if t_max == 0:
        return torch.zeros((n, 0), device=device)  # nothing to score
    if hf_model.hf_checkpointing_active(model):
        hidden = _hidden_recompute_prompt(body, prompt, targets, tmask)
    else:
        hidden = _hidden_shared_prompt(model, body, prompt, targets, tmask)
    return (
        chunked_token_logprobs(model, head, hidden, targets, chunk_size=chunk_size, temperature=temperature)
        * tmask
    )


def _hidden_shared_prompt(
    model: Any, body: Any, prompt: list[int], targets: torch.Tensor, tmask: torch.Tensor
) -> torch.Tensor:
    """Hidden states predicting each completion token, ``[N, T, H]``, with the prompt computed once."""
    n, t_max = targets.shape
    device = targets.device
    p = torch.tensor([prompt], device=device)
    cache = hf_model.new_cache(model)
    h_prompt = hf_model.forward(
        body,
        cache=cache,
        input_ids=p,
        attention_mask=torch.ones_like(p),
        position_ids=torch.arange(len(prompt), device=device)[None],
    ).last_hidden_state
    hf_model.select_rows(cache, torch.zeros(n, dtype=torch.long, device=device), inplace=True)
    attn = torch.cat([torch.ones(n, len(prompt), dtype=tmask.dtype, device=device), tmask], dim=-1)
    pos = (len(prompt) + torch.arange(t_max, device=device)).expand(n, t_max)
    # The last completion token predicts nothing we score: feed T-1 tokens.
    h_comp = (
        hf_model.forward(
            body,
            cache=cache,
            input_ids=targets[:, :-1],
            attention_mask=attn[:, :-1],
            position_ids=pos[:, :-1],
        ).last_hidden_state
        if t_max > 1
        else None
    )
    first = h_prompt[:, -1:].expand(n, 1, h_prompt.shape[-1])
    return first if h_comp is None else torch.cat([first, h_comp], dim=1)


def _hidden_recompute_prompt(
    body: Any, prompt: list[int], targets: torch.Tensor, tmask: torch.Tensor
) -> torch.Tensor:
    """Same as :func:`_hidden_shared_prompt` with prompt + completion run as one (right-padded) sequence."""
    n, t_max = targets.shape
    p = torch.tensor(prompt, device=targets.device).expand(n, len(prompt))
    ids = torch.cat([p, targets[:, :-1]], dim=-1)
    attn = torch.cat([torch.ones_like(p), tmask[:, :-1]], dim=-1)
    hidden = body(input_ids=ids, attention_mask=attn, use_cache=False).last_hidden_state
    return hidden[:, len(prompt) - 1 :]


def chunked_token_logprobs(
    model: Any,
    head: Any,
    hidden: torch.Tensor,
    targets: torch.Tensor,
    *,
    chunk_size: int = 128,
    temperature: float = 1.0,
) -> torch.Tensor:
    """``log_softmax(head(hidden) / T)[targets]`` for ``hidden [N, T, H]``, chunk by chunk of positions.

    Each chunk's fp32 logits live only inside the chunk; with grad enabled the chunk is
    checkpointed so backward recomputes them rather than keeping all chunks' logits alive.
    """

    def chunk_fn(h: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        logits = hf_model.head_logits(model, head, h) / temperature
        return logits.gather(-1, tgt[..., None]).squeeze(-1) - logits.logsumexp(-1)

    pieces = []
    for s in range(0, hidden.shape[1], chunk_size):
        h, tgt = hidden[:, s : s + chunk_size], targets[:, s : s + chunk_size]
        if torch.is_grad_enabled() and h.requires_grad:
            pieces.append(checkpoint(chunk_fn, h, tgt, use_reentrant=False))
        else:
            pieces.append(chunk_fn(h, tgt))
    return torch.cat(pieces, dim=1)


def naive_sequence_logprobs(
    model: Any,
    prompt_ids: Sequence[int],
    completion_ids_list: Sequence[Sequence[int]],
    *,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Reference: ``model(prompt + completion)`` for each completion, full fp32 log-softmax.

    Same output as :func:`sequence_logprobs`, materialising ``[N, P + T, V]`` logits.
    """
    device = hf_model.model_device(model)
    prompt = [int(t) for t in prompt_ids]
    completions = [[int(t) for t in c] for c in completion_ids_list]
    targets, tmask = hf_model.right_pad(completions, 0, device)
    ids, attn = hf_model.right_pad([prompt + c for c in completions], 0, device)
    logits = model(input_ids=ids, attention_mask=attn, use_cache=False).logits
    logits = logits.to(torch.promote_types(logits.dtype, torch.float32)) / temperature
    logp = torch.log_softmax(logits[:, len(prompt) - 1 : len(prompt) - 1 + targets.shape[1]], dim=-1)
    return logp.gather(-1, targets[..., None]).squeeze(-1) * tmask
