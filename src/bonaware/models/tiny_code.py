"""``tiny-code``: the ``tiny`` architecture pre-trained by bonaware on the ``pyfunc`` code task.

The code counterpart of ``tiny`` (paper.md §4's code experiments at CPU cost): a char-level Llama
that writes the body of a small Python function from the input/output examples in its docstring
(``pyfunc``, docs/tasks.md), pre-trained from scratch on the pyfunc TRAIN functions and stopped once
its sampled pass@1 on held-out train functions reaches a target, so that its samples are uncertain
but often right: pass@16 ≫ pass@1 (the Best-of-N regime, paper.md §2). Its pass@1/4/16 on the val
split, per family, judged by the real ``code`` verifier (sandbox), are measured at build time and
stored in the cache entry (docs/models.md).

Same tokenizer, model class, recipe loop and cache mechanics as ``tiny``
(:mod:`bonaware.models.tiny`, :mod:`bonaware.models.pretrain`); what differs is the data
(:class:`PyFuncData`) and the defaults (:class:`TinyCodeConfig`). Data specifics:

* every pass over the train functions draws **fresh examples** for each (``make_problem(...,
  variant=pass)``), so the model learns to read examples, not to recall a function from its prompt;
* validation (the stop rule) uses the first ``val_problems`` train functions, never trained on,
  with their canonical examples, judged by :func:`bonaware.verifiers.pyfunc.known_verdict` — exact for every body a
  pyfunc family spells, and a lower bound otherwise (an unknown body counts as wrong; no model text
  is run outside the sandbox);
* ``label_noise = q`` replaces a training body, w.p. q, by another function of the same family.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bonaware.config import to_dict
from bonaware.models.cache import cache_root, is_complete, write_entry
from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained
from bonaware.tasks.base import Problem

NAME = "tiny-code"
DESCRIPTION = "char-level Llama pre-trained by bonaware on pyfunc (Python functions from examples) to pass@1 ~0.1"
#: bump when the recipe changes in a way the config does not capture (invalidates cached builds)
VERSION = 1
#: longest pyfunc body line (31 characters) plus slack
MAX_NEW_TOKENS = 40
#: the pyfunc families the default build learns (numeric: short prompts, learnt within minutes)
DEFAULT_FAMILIES = "affine,pair,nonlin,cond"


def _f(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass
class TinyCodeConfig(TinyConfig):
    """:class:`~bonaware.models.tiny.TinyConfig` with the ``tiny-code`` defaults (every field enters
    the cache key); ``families`` and ``label_noise`` mean pyfunc families / another body."""

    hidden_size: int = _f(64, "model width")
    intermediate_size: int = _f(256, "SwiGLU hidden width")
    max_length: int = _f(256, "max positions (prompt + completion tokens); 256 covers every pyfunc prompt")
    families: str = _f(DEFAULT_FAMILIES, "pyfunc families to pre-train on (comma list or 'all'); 'string' and "
                       "'list' are left out by default: their longer prompts cost twice the compute and the "
                       "model did not learn them within minutes (docs/models.md)")
    label_noise: float = _f(0.0, "probability that a training body is replaced by another function of its family")
    val_problems: int = _f(128, "train functions held out to validate on (the stop rule); 0: none")
    target_pass_at_1: float = _f(0.1, "stop once the validation pass@1 (T=1) reaches this (0: train all steps)")
    eval_every: int = _f(200, "steps between validation pass@1 checks")
    steps: int = _f(6000, "maximum optimiser steps")
    batch_size: int = _f(32, "sequences per step")
    lr: float = _f(5e-3, "AdamW learning rate (constant after warm-up)")
    warmup_steps: int = _f(50, "linear warm-up steps")


class PyFuncData:
    """The pre-training data of ``tiny-code`` (the interface of :class:`~bonaware.models.pretrain.ArithData`)."""

    name = NAME
    max_new_tokens = MAX_NEW_TOKENS

    def __init__(self, cfg: TinyCodeConfig):
        from bonaware.tasks.pyfunc import PyFuncTask

        self.task = PyFuncTask(families=cfg.families, style="plain")
        functions = self.task.functions("train")
        self.val = [self.task.make_problem(f, b) for f, b in functions[:cfg.val_problems]]
        self.functions = functions[cfg.val_problems:]
        self.label_noise = cfg.label_noise
        self.train = self.epoch(0)

    def epoch(self, index: int) -> list[Problem]:
        """Every training function with examples of variant ``index + 1`` (never the val ones)."""
        return [self.task.make_problem(f, b, variant=index + 1) for f, b in self.functions]

    def label(self, problem: Problem, rng: random.Random) -> str:
        if self.label_noise > 0 and rng.random() < self.label_noise:
            from bonaware.tasks.pyfunc import INDENT
            from bonaware.tasks.pyfunc_space import space

            return f"{INDENT}return {rng.choice(space()[problem.meta['family']])}\n"
        return self.task.expert_solution(problem)

    def correct(self, problem: Problem, text: str) -> bool:
        from bonaware.verifiers.pyfunc import known_verdict

        verdict = known_verdict(problem, text)
        return verdict is not None and verdict.correct


def config_key(cfg: TinyCodeConfig) -> str:
    """The cache key: recipe version + a hash of every config field."""
    blob = json.dumps({"model": NAME, "version": VERSION, **to_dict(cfg)}, sort_keys=True)
    return f"v{VERSION}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def cache_folder(cfg: TinyCodeConfig) -> Path:
    return cache_root() / f"{NAME}-{config_key(cfg)}"


def evaluate_pass_at_k(model: Any, tokenizer: Any, cfg: TinyCodeConfig, split: str = "val",
                       n_problems: int | None = None, n_samples: int = 16, temperature: float = 1.0,
                       ks: tuple[int, ...] = (1, 4, 16), seed: int = 0, progress: bool = True,
                       verifier: Any = None) -> dict[str, Any]:
    """pass@k of ``model`` on a pyfunc split (``val`` by default; ``test`` for final numbers only),
    overall and per family, judged by the ``code`` verifier (the sandbox, as in training).

    Besides pass@k: ``public_only`` — the share of samples that pass every shown example but fail
    the hidden tests (what fools the public-tests verifier); ``malformed`` — the share that is not
    a single ``return`` line of the body's indentation; ``statuses`` — the sandbox verdict shares.
    """
    import numpy as np
    import torch

    from bonaware.estimators import pass_at_k
    from bonaware.models.pretrain import sample_completions
    from bonaware.tasks.pyfunc import PyFuncTask
    from bonaware.verifiers import get_verifier
    from bonaware.verifiers.pyfunc import RETURN_LINE

    task = PyFuncTask(families=cfg.families, style="plain", n_val=n_problems, n_test=n_problems)
    problems = task.problems(split)
    gen = torch.Generator().manual_seed(seed)
    texts: list[list[str]] = []
    per_batch = max(1, 256 // n_samples)
    with torch.no_grad():
        for start in range(0, len(problems), per_batch):
            chunk = problems[start:start + per_batch]
            texts += sample_completions(model, tokenizer, [task.format_prompt(p) for p in chunk], n_samples,
                                        temperature, max_new_tokens=MAX_NEW_TOKENS, generator=gen)
    texts = [[_cut(t) for t in row] for row in texts]
    own = verifier is None
    verifier = verifier or get_verifier(task.default_verifier, task)
    try:
        verdicts = verifier.score(problems, texts)
        public = get_verifier("public_tests", task, checker=verifier).public_scores(problems, texts)
    finally:
        if own:
            verifier.close()
    rows: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    for p, row, vs, pub in zip(problems, texts, verdicts, public):
        correct = sum(v.correct for v in vs)
        fooled = sum(s == 1.0 and not v.correct for s, v in zip(pub, vs))
        malformed = sum(RETURN_LINE.fullmatch(t) is None for t in row)
        rows[p.meta["family"]].append((correct, fooled, malformed))
        rows["all"].append((correct, fooled, malformed))
        for v in vs:
            statuses[v.status] += 1

    def summary(items: list[tuple[int, int, int]]) -> dict[str, float]:
        out: dict[str, float] = {"problems": len(items)}
        for k in ks:
            if k <= n_samples:
                c = np.array([i[0] for i in items])
                out[f"pass@{k}"] = round(float(np.mean(pass_at_k(n_samples, c, k))), 4)
        total = len(items) * n_samples
        out["public_only"] = round(sum(i[1] for i in items) / total, 4)
        out["malformed"] = round(sum(i[2] for i in items) / total, 4)
        return out

    total = sum(statuses.values())
    return {"split": split, "temperature": temperature, "samples": n_samples, "all": summary(rows.pop("all")),
            "families": {f: summary(r) for f, r in sorted(rows.items())},
            "statuses": {s: round(n / total, 4) for s, n in sorted(statuses.items())}}


def _cut(text: str) -> str:
    """The sampled text as the trainer's sampler returns it: cut at the first HumanEval stop string."""
    from bonaware.tasks.humaneval import HUMANEVAL_STOP

    cuts = [i for i in (text.find(s) for s in HUMANEVAL_STOP) if i >= 0]
    return text[:min(cuts)] if cuts else text


def build(cfg: TinyCodeConfig | None = None, progress: bool = True, evaluate: bool = True,
          eval_problems: int | None = None, eval_samples: int = 16) -> Path:
    """The cached folder of ``tiny-code`` for ``cfg``, pre-training it on first use (as
    :func:`bonaware.models.tiny.build`; the val pass@k is stored under ``"eval"``)."""
    from bonaware.models import pretrain

    cfg = cfg or TinyCodeConfig()
    folder = cache_folder(cfg)
    if is_complete(folder):
        return folder

    def fill(tmp: Path) -> dict[str, Any]:
        tokenizer = build_tokenizer()
        model = build_untrained(cfg, tokenizer)
        model.generation_config.max_new_tokens = MAX_NEW_TOKENS
        start = time.perf_counter()
        with pretrain.one_thread():
            stats = pretrain.pretrain(model, tokenizer, cfg, progress=progress, data=PyFuncData(cfg))
            stats["seconds"] = round(time.perf_counter() - start, 1)
            meta = {"name": NAME, "version": VERSION, "key": config_key(cfg), "config": to_dict(cfg),
                    "parameters": sum(p.numel() for p in model.parameters()), "train": stats}
            if evaluate:
                start = time.perf_counter()
                meta["eval"] = evaluate_pass_at_k(model, tokenizer, cfg, n_problems=eval_problems,
                                                  n_samples=eval_samples, progress=progress)
                meta["eval"]["seconds"] = round(time.perf_counter() - start, 1)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        return meta

    return write_entry(folder, fill)


def cached(cfg: TinyCodeConfig | None = None) -> Path | None:
    folder = cache_folder(cfg or TinyCodeConfig())
    return folder if is_complete(folder) else None


def build_default(progress: bool = True) -> Path:
    return build(TinyCodeConfig(), progress=progress)


def cached_default() -> Path | None:
    return cached(TinyCodeConfig())
