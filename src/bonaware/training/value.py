"""Value baseline b(x) (paper.md §3.2 Lemma 2, App. B): a small head on the policy's prompt features.

The head reads the last hidden state of the prompt's final token (detached, so value learning
never moves the policy) and predicts a success probability with a sigmoid: E_π[R] for REINFORCE
baselines and 1 − P_fail (``value_target="mean"``), or E_{π_bon}[R] for BoN-RL (``"bon"``).
It has its own AdamW optimiser and learning rate (paper Table 2: 1e-5).
"""

from __future__ import annotations

import torch
from torch import nn


class ValueHead(nn.Module):
    """Linear probe + sigmoid: prompt features [B, H] → success probability [B]."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden_size)
        self.proj = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)  # starts at 0.5: no prior about prompt difficulty

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.proj(self.norm(features.float())).squeeze(-1))


@torch.no_grad()
def prompt_features(model, prompt_ids: list[list[int]], pad_id: int) -> torch.Tensor:
    """Last-layer hidden state at each prompt's final token, [B, H] (prompts left-padded together)."""
    device = next(model.parameters()).device
    width = max(len(p) for p in prompt_ids)
    ids = torch.full((len(prompt_ids), width), pad_id, dtype=torch.long, device=device)
    mask = torch.zeros_like(ids)
    for i, p in enumerate(prompt_ids):
        ids[i, width - len(p):] = torch.tensor(p, device=device)
        mask[i, width - len(p):] = 1
    position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=position_ids, output_hidden_states=True)
    return out.hidden_states[-1][:, -1, :].detach()
