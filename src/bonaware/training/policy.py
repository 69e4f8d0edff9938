"""The policy as the trainer holds it: the module accelerate wraps, its parameter snapshots, and the loss pieces.

* :class:`PolicyScorer` — the policy whose forward is one unit's per-token log-probs (what
  ``Accelerator.prepare`` wraps, docs/scaling.md);
* :class:`ParamSnapshot` — the EMA anchor and the frozen base policy (paper.md §3.6, Table 2);
* :func:`length_mask`, :func:`k3_kl` — the completion mask and the KL estimator of the loss.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch


class ParamSnapshot:
    """A detached copy of the trainable parameters: the EMA anchor or the frozen base policy.

    ``swap_in`` temporarily loads the copy into the live model (for anchor log-probs or base
    sampling) — one extra copy of the *trainable* parameters only, so LoRA runs stay small.
    """

    def __init__(self, params: list[torch.nn.Parameter]):
        self.tensors = [p.detach().clone() for p in params]

    @torch.no_grad()
    def ema_update(self, params: list[torch.nn.Parameter], rate: float) -> None:
        for t, p in zip(self.tensors, params):
            t.lerp_(p.detach(), rate)

    @contextmanager
    def swap_in(self, params: list[torch.nn.Parameter]):
        live = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, t in zip(params, self.tensors):
                p.copy_(t)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, t in zip(params, live):
                    p.copy_(t)


class PolicyScorer(torch.nn.Module):
    """The policy as one module whose forward is a unit's per-token log-probs (sampling/logprobs.py).

    This is what ``Accelerator.prepare`` wraps: the log-prob code calls the decoder and the head
    separately, and DDP's gradient reduction (FSDP's gathers) hook the wrapped module's forward.
    """

    def __init__(self, policy: torch.nn.Module):
        super().__init__()
        self.policy = policy
        # what accelerate's FSDP auto-wrap policy reads: shard each decoder layer
        self._no_split_modules = getattr(policy, "_no_split_modules", None)

    def tie_weights(self) -> None:
        """Re-tie the embedding and the head after accelerate's FSDP loading (as on a transformers model)."""
        if hasattr(self.policy, "tie_weights"):
            self.policy.tie_weights()

    def forward(self, prompt_ids: list[list[int]], seqs: list[list[int]], *, shared: bool, chunk_size: int,
                temperature: float) -> torch.Tensor:
        from bonaware.sampling import paired_sequence_logprobs, sequence_logprobs

        kw = {"chunk_size": chunk_size, "temperature": temperature}
        if shared:
            return sequence_logprobs(self.policy, prompt_ids[0], seqs, **kw)
        return paired_sequence_logprobs(self.policy, prompt_ids, seqs, **kw)


def length_mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    return (torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]).to(torch.float32)


def k3_kl(logp: torch.Tensor, ref_logp: torch.Tensor, mask: torch.Tensor, kind: str) -> torch.Tensor:
    """KL(π ‖ anchor) per sequence with the k3 estimator e^{d} − d − 1, d = log π_ref − log π (≥ 0, low variance).

    ``token``: summed over tokens; ``sequence``: applied to whole-sequence log-ratios.
    """
    # clamp the log-ratio so one wild sample cannot overflow exp() (the estimator stays >= 0)
    d = ((ref_logp - logp) * mask).clamp(-20.0, 20.0)
    if kind == "sequence":
        d = d.sum(-1).clamp(-20.0, 20.0)
        return torch.exp(d) - d - 1
    return ((torch.exp(d) - d - 1) * mask).sum(-1)
