"""Training the ``learned`` verifier on the policy's own samples (``bonaware train-verifier``).

Data: samples files — ``bonaware eval``'s ``samples.jsonl`` or ``bonaware sample`` output scored by
``bonaware verify`` — i.e. JSONL rows with ``problem_id``, ``completions`` (n strings) and
``correct`` (n labels R ∈ {0, 1}). Every completion is one example (x, y, R); the prompt x is
rebuilt with the task's ``format_prompt`` and the *backbone's* tokenizer, exactly as
:class:`~bonaware.verifiers.learned.LearnedVerifier` does when it scores.

Split: by prompt. A seeded ``heldout_frac`` of the problem ids is held out with all its
completions, so no prompt is in both parts and the held-out ROC-AUC measures how well the scorer
ranks completions of *unseen* prompts — the situation of Best-of-N at test time.

Objective: binary cross-entropy on R of the scalar logit (module docstring of
:mod:`bonaware.verifiers.learned`), AdamW with linear warm-up, batches drawn with replacement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from bonaware.config import option, to_dict
from bonaware.errors import BonawareError
from bonaware.io import iter_jsonl
from bonaware.models.loading import MODEL_HELP
from bonaware.tasks.base import Task
from bonaware.verifiers.learned import (
    FORMAT,
    ScalarScorer,
    collate,
    encode_pairs,
    max_positions,
    resolve_device,
    save_scorer,
)
from bonaware.verifiers.metrics import roc_auc


@dataclass
class LearnedVerifierConfig:
    """Configuration of ``bonaware train-verifier`` (docs/verifiers.md, section ``learned``)."""

    samples: list[str] = option([], "samples files (comma-separated): bonaware eval's samples.jsonl (or its run "
                                "folder), or bonaware sample output scored by bonaware verify")
    task: str | None = option(None, "task of the samples", default_text="the task in run.json next to the samples "
                              "file, or in <file>.run.json written by bonaware sample")
    task_args: str = option("", "task options as KEY=VALUE,... pairs",
                            default_text="'' with --task, else the run file's")
    model: str = option("tiny", f"backbone, usually the policy: {MODEL_HELP}")
    out: str = option("runs/verifier", "output folder: backbone/, head.safetensors, verifier.json")
    steps: int = option(300, "optimiser steps")
    batch_size: int = option(32, "(prompt, completion) examples per step, drawn with replacement")
    lr: float = option(1e-3, "peak AdamW learning rate (linear warm-up, then constant)")
    warmup_steps: int = option(20, "linear warm-up steps")
    weight_decay: float = option(0.0, "AdamW weight decay")
    grad_clip: float = option(1.0, "gradient-norm clipping threshold")
    pair_weight: float = option(1.0, "weight of the within-prompt Bradley-Terry loss -log sigmoid(r+ - r-) added to "
                                 "BCE (0: BCE only); Best-of-N only compares completions of one prompt")
    pairs_per_step: int = option(16, "(correct, incorrect) pairs of one prompt per step for the pairwise loss")
    freeze_backbone: bool = option(False, "train only the scalar head (a linear probe on frozen features)")
    heldout_frac: float = option(0.2, "share of PROMPTS held out (with all their completions) for AUC/accuracy")
    max_length: int = option(256, "longest prompt+completion in tokens (cut from the left; also capped by the "
                              "backbone's position table)")
    eval_batch_size: int = option(64, "sequences per forward pass when scoring the held-out set")
    seed: int = option(0, "seed of the split, the head init and the batch order")
    device: str = option("auto", "cpu, cuda or auto")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        checks = [
            (len(self.samples) >= 1, "--samples needs at least one samples file"),
            (self.steps >= 1, f"--steps must be >= 1, got {self.steps}"),
            (self.batch_size >= 1, f"--batch_size must be >= 1, got {self.batch_size}"),
            (self.lr > 0, f"--lr must be > 0, got {self.lr}"),
            (self.warmup_steps >= 0, f"--warmup_steps must be >= 0, got {self.warmup_steps}"),
            (self.weight_decay >= 0, f"--weight_decay must be >= 0, got {self.weight_decay}"),
            (self.pair_weight >= 0, f"--pair_weight must be >= 0, got {self.pair_weight}"),
            (self.pairs_per_step >= 1, f"--pairs_per_step must be >= 1, got {self.pairs_per_step}"),
            (self.grad_clip > 0, f"--grad_clip must be > 0, got {self.grad_clip}"),
            (0 < self.heldout_frac < 1, f"--heldout_frac must be in (0, 1), got {self.heldout_frac}"),
            (self.max_length >= 2, f"--max_length must be >= 2, got {self.max_length}"),
            (self.eval_batch_size >= 1, f"--eval_batch_size must be >= 1, got {self.eval_batch_size}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)

    def __post_init__(self) -> None:
        self.validate()


@dataclass(frozen=True)
class Example:
    """One training example: completion ``completion`` of problem ``problem_id``, labelled R."""

    problem_id: str
    completion: str
    correct: bool


def samples_file(path: str | Path) -> Path:
    """``path`` itself, or ``path/samples.jsonl`` for a run folder; missing → :class:`BonawareError`."""
    path = Path(path)
    if path.is_dir():
        path = path / "samples.jsonl"
    if not path.is_file():
        raise BonawareError(f"--samples: no such samples file: {str(path)!r}")
    return path


def read_examples(paths: Sequence[str | Path]) -> list[Example]:
    """Every (problem_id, completion, R) in the samples files (rows need problem_id, completions, correct)."""
    examples = []
    for path in map(samples_file, paths):
        for lineno, row in enumerate(iter_jsonl(path, required=("problem_id", "completions", "correct")), 1):
            where = f"{path}: row {lineno}"
            pid, comps, labels = row["problem_id"], row["completions"], row["correct"]
            if not isinstance(pid, str) or not pid:
                raise BonawareError(f"{where}: field 'problem_id' must be a non-empty string")
            if not isinstance(comps, list) or not all(isinstance(c, str) for c in comps):
                raise BonawareError(f"{where}: field 'completions' must be a list of strings")
            if not isinstance(labels, list) or len(labels) != len(comps):
                raise BonawareError(f"{where}: field 'correct' must be a list as long as 'completions'")
            if not all(isinstance(v, (bool, int)) and v in (0, 1) for v in labels):
                raise BonawareError(f"{where}: field 'correct' must hold 0/1 or true/false")
            examples.extend(Example(pid, c, bool(v)) for c, v in zip(comps, labels))
    if not examples:
        raise BonawareError(f"--samples {', '.join(map(str, paths))}: no completions")
    n_pos = sum(e.correct for e in examples)
    if n_pos == 0 or n_pos == len(examples):
        kind = "correct" if n_pos == 0 else "incorrect"
        raise BonawareError(f"--samples: all {len(examples)} completions have the same label (no {kind} one); "
                            "a verifier needs both")
    return examples


def split_by_prompt(examples: Sequence[Example], heldout_frac: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, held-out): a seeded ``heldout_frac`` of the problem ids (≥ 1, < all) is held out whole."""
    ids = sorted({e.problem_id for e in examples})
    if len(ids) < 2:
        raise BonawareError(f"--samples: {len(ids)} prompt(s); a split by prompt needs at least 2")
    n_held = min(len(ids) - 1, max(1, round(heldout_frac * len(ids))))
    held = set(np.random.default_rng(seed).permutation(ids)[:n_held].tolist())
    return [e for e in examples if e.problem_id not in held], [e for e in examples if e.problem_id in held]


def evaluate(scores: np.ndarray, labels: np.ndarray, groups: Sequence[str]) -> dict[str, Any]:
    """ROC-AUC over all pairs and within prompts, accuracy at σ(r) > ½, BCE, size and positive rate.

    ``auc`` pools every (correct, incorrect) pair, also across prompts, so a scorer that only knows
    which prompts are easy already gets > ½. Best-of-N compares completions of ONE prompt, so
    ``auc_within_prompt`` — the mean over prompts with both labels of the per-prompt AUC — is the
    number that predicts BoN gains. AUCs are None when undefined (one class).
    """
    auc = roc_auc(scores, labels.astype(bool))
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    within = [roc_auc(scores[idx], labels[idx].astype(bool)) for idx in by_group.values()]
    within = [a for a in within if not math.isnan(a)]
    bce = np.logaddexp(0.0, -scores) * labels + np.logaddexp(0.0, scores) * (1 - labels)
    return {"auc": None if math.isnan(auc) else auc,
            "auc_within_prompt": float(np.mean(within)) if within else None, "mixed_prompts": len(within),
            "accuracy": float(((scores > 0) == (labels > 0.5)).mean()),
            "bce": float(bce.mean()), "examples": int(len(labels)), "positive_rate": float(labels.mean())}


def mixed_groups(examples: Sequence[Example]) -> list[tuple[list[int], list[int]]]:
    """Per prompt with both labels: (indices of its correct examples, indices of its incorrect ones)."""
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for i, e in enumerate(examples):
        groups.setdefault(e.problem_id, ([], []))[0 if e.correct else 1].append(i)
    return [g for g in groups.values() if g[0] and g[1]]


@dataclass
class TrainedVerifier:
    """What :func:`train_learned_verifier` wrote: the folder and its ``verifier.json`` contents."""

    path: Path
    info: dict


def train_learned_verifier(cfg: LearnedVerifierConfig, task: Task, progress: bool = True) -> TrainedVerifier:
    """Train a scalar-head verifier on ``cfg.samples`` for ``task``; save it to ``cfg.out``.

    Returns the folder and its info (``heldout["auc"]`` is the held-out ROC-AUC).
    """
    from bonaware.models import load_model

    examples = read_examples(cfg.samples)
    train_set, held_set = split_by_prompt(examples, cfg.heldout_frac, cfg.seed)
    problems = {pid: task.get_problem(pid) for pid in sorted({e.problem_id for e in examples})}
    device = resolve_device(cfg.device)
    lm, tokenizer = load_model(cfg.model, device=device, dtype="float32", progress=progress)
    max_length = max_positions(lm, cfg.max_length)
    prompts = {pid: task.format_prompt(p, tokenizer) for pid, p in problems.items()}

    def encode(part: list[Example]) -> tuple[list[list[int]], np.ndarray]:
        ids = encode_pairs(tokenizer, [prompts[e.problem_id] for e in part], [e.completion for e in part], max_length)
        return ids, np.array([float(e.correct) for e in part])

    train_ids, train_y = encode(train_set)
    held_ids, held_y = encode(held_set)

    torch.manual_seed(cfg.seed)
    scorer = ScalarScorer(lm).to(device)
    for p in scorer.lm.parameters():
        p.requires_grad_(not cfg.freeze_backbone)
    with torch.no_grad():  # start at the base rate: the first steps then learn ranking, not the prior
        rate = float(train_y.mean()) if 0 < train_y.mean() < 1 else 0.5
        scorer.head.bias.fill_(math.log(rate / (1 - rate)))
    params = [p for p in scorer.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, cfg.warmup_steps)))
    rng = np.random.default_rng(cfg.seed)
    pad = tokenizer.pad_token_id
    scorer.train()
    losses = []
    bar = tqdm(range(cfg.steps), desc="train verifier", disable=not progress)
    pairs = mixed_groups(train_set)
    n_pairs = cfg.pairs_per_step if cfg.pair_weight > 0 and pairs else 0
    for _ in bar:
        idx = rng.integers(0, len(train_ids), size=cfg.batch_size)
        # one forward pass: the BCE batch, then n_pairs (correct, incorrect) pairs of shared prompts
        chosen = [pairs[g] for g in rng.integers(0, len(pairs), size=n_pairs)]
        pos = [int(rng.choice(p)) for p, _ in chosen]
        neg = [int(rng.choice(n)) for _, n in chosen]
        input_ids, mask = collate([train_ids[i] for i in [*idx, *pos, *neg]], pad, device)
        r = scorer(input_ids, mask)
        target = torch.as_tensor(train_y[idx], dtype=torch.float32, device=device)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(r[:len(idx)], target)
        if n_pairs:  # Bradley–Terry: −log σ(r⁺ − r⁻) within a prompt, what Best-of-N ranks by
            margin = r[len(idx):len(idx) + n_pairs] - r[len(idx) + n_pairs:]
            loss = loss + cfg.pair_weight * torch.nn.functional.softplus(-margin).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.4f}")
    scorer.eval()
    heldout = evaluate(scorer.score_ids(held_ids, pad, cfg.eval_batch_size), held_y,
                       [e.problem_id for e in held_set])
    train_metrics = evaluate(scorer.score_ids(train_ids, pad, cfg.eval_batch_size), train_y,
                             [e.problem_id for e in train_set])
    info = {
        "task": task.name, "task_args": cfg.task_args, "backbone": cfg.model, "max_length": max_length,
        "heldout": {**heldout, "prompts": len({e.problem_id for e in held_set})},
        "train": {**train_metrics, "prompts": len({e.problem_id for e in train_set}),
                  "final_loss": float(np.mean(losses[-20:]))},
        "data": {"samples": [str(samples_file(p)) for p in cfg.samples], "examples": len(examples),
                 "prompts": len(problems)},
        "heldout_problem_ids": sorted({e.problem_id for e in held_set}),
        "config": to_dict(cfg),
    }
    path = save_scorer(scorer, tokenizer, cfg.out, info)
    return TrainedVerifier(path, {"format": FORMAT, **info})
