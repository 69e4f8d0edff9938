"""``learned``: a trained scorer — a scalar head on a small causal-LM backbone (paper.md §4, verifier r).

The paper's Best-of-N selects by a verifier score r that is only a proxy for the environment reward
R (paper.md §1). This verifier is such a proxy, learned from the policy's own samples by
``bonaware train-verifier`` (:mod:`bonaware.verifiers.learned_train`):

    h(x, y) = final hidden state of the backbone at the last token of  prompt ⊕ completion ⊕ EOS
    r(x, y) = w·h(x, y) + b                         (the logit of P(correct | x, y))
    loss    = BCE(σ(r), R)                          over (prompt, completion, R) from samples files

``LearnedVerifier(task, path=DIR)`` (spec ``learned:path=DIR``) returns ``Verdict(score=r, correct=R,
status)``: the **score** is the learned logit used for Best-of-N selection; **correct** is still the
environment reward R from the task's own checker (its default verifier), so BoN@k with this
verifier measures the true success of the completion the learned scorer picks.

Saved folder (written atomically: temporary sibling, then rename):
``backbone/`` (the causal LM + tokenizer via :func:`bonaware.models.save_model`),
``head.safetensors`` (``weight`` [1, H], ``bias`` [1]) and ``verifier.json`` (held-out AUC,
accuracy, data and config).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from bonaware.errors import BonawareError
from bonaware.io import atomic_folder, write_json_atomic
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, get_verifier, register_verifier

logger = logging.getLogger(__name__)

BACKBONE_DIR = "backbone"
HEAD_FILE = "head.safetensors"
INFO_FILE = "verifier.json"
FORMAT = "bonaware-learned-verifier/1"


class ScalarScorer(nn.Module):
    """A causal LM's trunk (``lm.base_model``) plus a linear head on the last real token: r ∈ ℝ.

    The LM head (vocabulary projection) is never evaluated, so scoring costs one trunk forward pass.
    ``lm`` is kept whole so the backbone can be saved and reloaded as an ordinary HF folder.
    """

    def __init__(self, lm: Any):
        super().__init__()
        self.lm = lm
        hidden = int(lm.config.hidden_size)
        self.head = nn.Linear(hidden, 1)
        # small random init: a zero head would give the trunk no gradient on the first step
        nn.init.normal_(self.head.weight, std=hidden ** -0.5)
        nn.init.zeros_(self.head.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits r [B] for right-padded ``input_ids`` [B, T] with ``attention_mask`` [B, T]."""
        hidden = self.lm.base_model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        last = attention_mask.long().sum(-1) - 1  # right padding: the last real token
        h = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        return self.head(h.float()).squeeze(-1)

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    @torch.no_grad()
    def score_ids(self, ids: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64) -> np.ndarray:
        """Logits for token-id sequences, in batches of similar length (order of ``ids`` kept)."""
        was_training = self.training
        self.eval()
        out = np.empty(len(ids), dtype=np.float64)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # less padding per batch
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            input_ids, mask = collate([ids[i] for i in chunk], pad_id, self.device)
            out[chunk] = self(input_ids, mask).double().cpu().numpy()
        self.train(was_training)
        return out


def max_positions(lm: Any, limit: int) -> int:
    """The longest input the backbone takes: ``limit`` capped by its position table (if any)."""
    table = getattr(lm.config, "max_position_embeddings", None) or getattr(lm.config, "n_positions", None)
    return min(int(limit), int(table)) if table else int(limit)


def encode_pairs(tokenizer: Any, prompts: Sequence[str], completions: Sequence[str],
                 max_length: int) -> list[list[int]]:
    """Token ids of ``prompt ⊕ completion ⊕ EOS`` per pair, cut from the left to ``max_length``.

    Prompt and completion are tokenized separately, as the policy saw them (the completion's tokens
    were generated after the prompt's). EOS marks the end, so the head reads a fixed "done" token;
    the left cut keeps the end of the completion, where the answer is.
    """
    if max_length < 2:
        raise BonawareError(f"learned verifier: max_length must be >= 2, got {max_length}")
    cache: dict[str, list[int]] = {}

    def enc(text: str) -> list[int]:
        if text not in cache:
            cache[text] = list(tokenizer(text, add_special_tokens=False)["input_ids"])
        return cache[text]

    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    return [(enc(p) + list(tokenizer(c, add_special_tokens=False)["input_ids"]) + eos)[-max_length:]
            for p, c in zip(prompts, completions, strict=True)]


def collate(ids: Sequence[Sequence[int]], pad_id: int, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token-id lists into ``(input_ids, attention_mask)`` [B, T_max]."""
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), int(pad_id), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, x in enumerate(ids):
        input_ids[i, :len(x)] = torch.tensor(x, dtype=torch.long)
        mask[i, :len(x)] = 1
    return input_ids.to(device), mask.to(device)


def save_scorer(scorer: ScalarScorer, tokenizer: Any, folder: str | Path, info: dict) -> Path:
    """Write ``folder`` = backbone/ + head.safetensors + verifier.json, atomically (temp + rename)."""
    from safetensors.torch import save_file

    from bonaware.models import save_model

    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BonawareError(f"cannot create output folder {str(folder.parent)!r}: {exc.strerror}") from None
    with atomic_folder(folder) as tmp:
        save_model(scorer.lm, tokenizer, tmp / BACKBONE_DIR)
        save_file({k: v.detach().float().cpu().contiguous() for k, v in scorer.head.state_dict().items()},
                  str(tmp / HEAD_FILE))
        write_json_atomic(tmp / INFO_FILE, {"format": FORMAT, **info})
    return folder


def load_scorer(path: str | Path, device: Any = "cpu") -> tuple[ScalarScorer, Any, dict]:
    """Load a folder written by :func:`save_scorer`: ``(scorer in eval mode, tokenizer, info)``."""
    from safetensors.torch import load_file

    from bonaware.models import load_model

    folder = Path(str(path))  # a spec value may have been parsed as a number
    info_path = folder / INFO_FILE
    if not info_path.is_file():
        raise BonawareError(f"learned verifier: {str(folder)!r} is not a trained verifier folder "
                            f"(no {INFO_FILE}; train one with 'bonaware train-verifier')")
    try:
        info = json.loads(info_path.read_text())
    except json.JSONDecodeError as exc:
        raise BonawareError(f"{info_path}: malformed JSON ({exc.msg})") from None
    if info.get("format") != FORMAT:
        raise BonawareError(f"{info_path}: format {info.get('format')!r}, expected {FORMAT!r}")
    lm, tokenizer = load_model(folder / BACKBONE_DIR, device=device, dtype="float32")
    scorer = ScalarScorer(lm)
    try:
        scorer.head.load_state_dict(load_file(str(folder / HEAD_FILE)))
    except (OSError, RuntimeError) as exc:
        raise BonawareError(f"{folder / HEAD_FILE}: cannot load the head ({exc})") from None
    return scorer.to(lm.device).eval(), tokenizer, info


def resolve_device(device: str) -> str:
    """``"auto"`` → ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


@register_verifier("learned")
class LearnedVerifier(Verifier):
    """score = the learned logit r(x, y); correct = R from the task's checker; status from the checker.

    Args:
        task: the task; its :meth:`~bonaware.tasks.base.Task.format_prompt` (with the backbone's
            tokenizer) rebuilds the prompt, and its default verifier gives R.
        path: a folder written by ``bonaware train-verifier``.
        batch_size: sequences per forward pass when scoring.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        kwargs: passed to the task's checker (e.g. ``workers``, ``timeout``).
    """

    name = "learned"

    def __init__(self, task: Task | None = None, path: str | None = None, batch_size: int = 64,
                 device: str = "auto", **kwargs: Any):
        super().__init__(task)
        if path is None or str(path) == "":
            raise BonawareError("learned verifier: needs path=<folder from 'bonaware train-verifier'> "
                                "(spec learned:path=DIR)")
        if task is None:
            raise BonawareError("learned verifier: needs a task (its checker gives the correctness R)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise BonawareError(f"learned verifier: batch_size must be an integer >= 1, got {batch_size!r}")
        self.scorer, self.tokenizer, self.info = load_scorer(path, resolve_device(str(device)))
        self.batch_size = batch_size
        self.max_length = int(self.info["max_length"])
        trained_on = self.info.get("task")
        if trained_on and trained_on != task.name:
            logger.warning("learned verifier %s was trained on task %r, now scoring task %r", path, trained_on,
                           task.name)
        self.truth = get_verifier(task.default_verifier, task, **kwargs)

    def scores(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[float]]:
        """The learned logits r only (no checker call)."""
        prompts = {p.id: self.task.format_prompt(p, self.tokenizer) for p in problems}
        flat_p = [prompts[p.id] for p, row in zip(problems, completions) for _ in row]
        flat_c = [c for row in completions for c in row]
        if not flat_c:
            return [[] for _ in completions]
        ids = encode_pairs(self.tokenizer, flat_p, flat_c, self.max_length)
        flat = self.scorer.score_ids(ids, self.tokenizer.pad_token_id, self.batch_size).tolist()
        out, i = [], 0
        for row in completions:
            out.append(flat[i:i + len(row)])
            i += len(row)
        return out

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        if len(problems) != len(completions):
            raise BonawareError(f"learned verifier: {len(problems)} problems but {len(completions)} completion lists")
        truth = self.truth.score(problems, completions)
        scores = self.scores(problems, completions)
        return [[Verdict(s, v.correct, v.status) for s, v in zip(ss, vs)] for ss, vs in zip(scores, truth)]

    def close(self) -> None:
        self.truth.close()
