"""Per-token log π(y_t | x, y_<t) of N completions of one prompt, for training (with gradients).

Every objective's loss is ``-Σ_j w_j · log π(y_j | x)`` with the sequence log-probability summed
over completion tokens (docs/architecture.md; paper.md §3). :func:`sequence_logprobs` computes the
per-token terms with two savings over the naive ``model(prompt + completion).logits``:

* **prompt once**: the prompt is run through the decoder once; its KV cache is repeated N times
  along the batch and the N completions are run against it in one batch (gradients flow back
  into the prompt's keys/values, so they equal the naive gradients);
* **chunked head**: only real completion positions are scored, ``chunk_size`` of them at a time:
  ``lm_head`` (in the model's dtype), then fp32 ``logit[target] - logsumexp(logits)``. For a plain
  ``nn.Linear`` head this is one autograd function whose backward recomputes each chunk's logits
  into a single buffer, turns it in place into ``∂/∂logits = g·(onehot - softmax)`` and
  accumulates ``∂W`` in one fp32 buffer (the idea of Liger's fused linear cross-entropy and of Cut
  Cross-Entropy, written for CPU/any device). Any other head (e.g. LoRA on ``lm_head``) runs each
  chunk under ``torch.utils.checkpoint``. Either way the ``[N, T, V]`` logits never exist, forward
  or backward: peak extra memory is about one ``[chunk_size, V]`` fp32 buffer plus ``∂W``.

:func:`naive_sequence_logprobs` is the textbook full-sequence computation, kept as the reference
the tests and ``benchmarks/bench_logprobs.py`` compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from bonaware.errors import BonawareError
from bonaware.sampling import hf_model


def sequence_logprobs(
    model: Any,
    prompt_ids: Sequence[int],
    completion_ids_list: Sequence[Sequence[int]],
    *,
    chunk_size: int = 256,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Per-token log-probabilities of each completion given one prompt.

    Args:
        model: a ``transformers`` causal LM (PEFT-wrapped or not); its train/eval mode is left alone.
        prompt_ids: the prompt's token ids (at least one).
        completion_ids_list: N completions (token-id lists, lengths may differ, may be empty).
        chunk_size: completion tokens (over all N completions) scored per ``lm_head`` chunk; the
            logits buffer is ``chunk_size · vocab · 4`` bytes (50 MB at 256 × 49k).
        temperature: score under π_T, i.e. ``log_softmax(logits / temperature)`` (training at T′).

    Returns:
        ``[N, T_max]`` fp32 tensor (fp64 for a fp64 model); entry ``[j, t]`` is
        log π_T(y_jt | x, y_j<t) and is 0 past the end of completion j, so ``.sum(-1)`` is the
        sequence log-probability. It carries gradients when grad mode is on.

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
    real = tmask.bool()  # score real positions only: padding costs no head compute
    lp = token_logprobs(
        model, head, hidden[real], targets[real], chunk_size=chunk_size, temperature=temperature
    )
    return torch.zeros((n, t_max), dtype=lp.dtype, device=device).index_put((real,), lp)


def paired_sequence_logprobs(
    model: Any,
    prompt_ids_list: Sequence[Sequence[int]],
    completion_ids_list: Sequence[Sequence[int]],
    *,
    chunk_size: int = 256,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Per-token log-probs of one completion per prompt (``completion_ids_list[i]`` after ``prompt_ids_list[i]``).

    The batched counterpart of :func:`sequence_logprobs` for N′ = 1 training (nothing to share
    between different prompts): each ``prompt + completion`` is one right-padded row of a single
    forward pass, and the same chunked head scores only real completion positions. Returns
    ``[B, T_max]`` with zeros past each completion's end; carries gradients when grad mode is on.
    """
    if len(prompt_ids_list) != len(completion_ids_list):
        raise BonawareError(
            f"paired_sequence_logprobs: {len(prompt_ids_list)} prompts but {len(completion_ids_list)} completions"
        )
    if not prompt_ids_list:
        raise BonawareError("paired_sequence_logprobs: no sequences")
    if any(len(p) == 0 for p in prompt_ids_list):
        raise BonawareError("paired_sequence_logprobs: an empty prompt; the first completion token needs a context")
    body, head = hf_model.decoder_and_head(model)
    device = hf_model.model_device(model)
    completions = [[int(t) for t in c] for c in completion_ids_list]
    targets, tmask = hf_model.right_pad(completions, 0, device)
    b, t_max = targets.shape
    if t_max == 0:
        return torch.zeros((b, 0), device=device)
    rows = [[int(t) for t in p] + c[:-1] for p, c in zip(prompt_ids_list, completions)]
    ids, attn = hf_model.right_pad(rows, 0, device)
    hidden = body(input_ids=ids, attention_mask=attn, use_cache=False).last_hidden_state
    # hidden at position len(prompt)-1+t predicts completion token t
    starts = torch.tensor([len(p) - 1 for p in prompt_ids_list], device=device)
    index = (starts[:, None] + torch.arange(t_max, device=device)[None, :]).clamp(max=hidden.shape[1] - 1)
    gathered = hidden.gather(1, index[..., None].expand(b, t_max, hidden.shape[-1]))
    real = tmask.bool()
    lp = token_logprobs(model, head, gathered[real], targets[real], chunk_size=chunk_size, temperature=temperature)
    return torch.zeros((b, t_max), dtype=lp.dtype, device=device).index_put((real,), lp)


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


def token_logprobs(
    model: Any,
    head: Any,
    hidden: torch.Tensor,
    targets: torch.Tensor,
    *,
    chunk_size: int = 256,
    temperature: float = 1.0,
) -> torch.Tensor:
    """``log_softmax(post(head(hidden)) / T)[targets]`` for ``hidden [M, H]``, ``targets [M]``, in chunks.

    ``post`` is the model's logit post-processing (:func:`hf_model.logit_postprocess`).
    """
    multiplier, cap = hf_model.logit_postprocess(model)
    if type(head) is torch.nn.Linear:
        return _LinearTokenLogprob.apply(
            hidden, head.weight, head.bias, targets, chunk_size, (multiplier, cap, temperature)
        )
    pieces = []
    for s in range(0, hidden.shape[0], chunk_size):
        h, tgt = hidden[s : s + chunk_size], targets[s : s + chunk_size]
        if torch.is_grad_enabled() and h.requires_grad:
            pieces.append(checkpoint(_generic_chunk, model, head, h, tgt, temperature, use_reentrant=False))
        else:
            pieces.append(_generic_chunk(model, head, h, tgt, temperature))
    return torch.cat(pieces)


def _generic_chunk(
    model: Any, head: Any, h: torch.Tensor, tgt: torch.Tensor, temperature: float
) -> torch.Tensor:
    logits = hf_model.head_logits(model, head, h) / temperature
    return logits.gather(-1, tgt[:, None]).squeeze(-1) - logits.logsumexp(-1)


def _post(z: torch.Tensor, post: tuple[float, float | None, float], derivative: bool = False):
    """In place: ``z -> cap·tanh(m·z/cap)/T``; with ``derivative`` also return d(out)/dz (else None)."""
    multiplier, cap, temperature = post
    if cap is None:
        return (z if multiplier == temperature else z.mul_(multiplier / temperature)), None
    t = z.mul_(multiplier / cap).tanh_()
    d = t.square().neg_().add_(1.0).mul_(multiplier / temperature) if derivative else None
    return t.mul_(cap / temperature), d


class _LinearTokenLogprob(torch.autograd.Function):
    """Chunked ``log_softmax(post(h W^T + b))[target]`` whose backward recomputes logits per chunk."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, targets, chunk_size, post):
        acc = torch.promote_types(weight.dtype, torch.float32)
        out = torch.empty(hidden.shape[0], dtype=acc, device=hidden.device)
        lse = torch.empty_like(out)
        for s in range(0, hidden.shape[0], chunk_size):
            y, _ = _post(F.linear(hidden[s : s + chunk_size], weight, bias).to(acc), post)
            out[s : s + chunk_size] = y.gather(-1, targets[s : s + chunk_size, None]).squeeze(-1)
            # logsumexp in place (torch.logsumexp would allocate a second [chunk, V] buffer)
            peak = y.amax(-1, keepdim=True)
            lse[s : s + chunk_size] = y.sub_(peak).exp_().sum(-1).log_().add_(peak.squeeze(-1))
        ctx.save_for_backward(hidden, weight, bias, targets, lse)
        ctx.chunk_size, ctx.post = chunk_size, post
        return out - lse

    @staticmethod
    def backward(ctx, grad_out):
        hidden, weight, bias, targets, lse = ctx.saved_tensors
        need_h, need_w, need_b = ctx.needs_input_grad[:3]
        acc = lse.dtype
        grad_h = torch.empty_like(hidden) if need_h else None
        grad_w = torch.zeros(weight.shape, dtype=acc, device=weight.device) if need_w else None
        grad_b = torch.zeros(bias.shape, dtype=acc, device=bias.device) if need_b else None
        for s in range(0, hidden.shape[0], ctx.chunk_size):
            h, g = hidden[s : s + ctx.chunk_size], grad_out[s : s + ctx.chunk_size, None].to(acc)
            y, dy = _post(F.linear(h, weight, bias).to(acc), ctx.post, derivative=True)
            # one [chunk, V] buffer: logits -> softmax -> g·(onehot - softmax) -> ∂/∂(h W^T + b)
            dz = y.sub_(lse[s : s + ctx.chunk_size, None]).exp_().mul_(-g)
            dz.scatter_add_(1, targets[s : s + ctx.chunk_size, None], g)
            if dy is not None:
                dz.mul_(dy)
            elif ctx.post[0] != ctx.post[2]:
                dz.mul_(ctx.post[0] / ctx.post[2])
            if need_h:
                grad_h[s : s + ctx.chunk_size] = dz.to(weight.dtype) @ weight
            if need_w:
                grad_w.addmm_(dz.T, h.to(acc))
            if need_b:
                grad_b += dz.sum(0)
        grad_w = grad_w.to(weight.dtype) if need_w else None
        grad_b = grad_b.to(bias.dtype) if need_b else None
        return grad_h, grad_w, grad_b, None, None, None


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
