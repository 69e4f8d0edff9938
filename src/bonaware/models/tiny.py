"""``tiny``: a 0.27M-parameter character-level Llama that bonaware pre-trains itself on ``arith``.

Why it exists: experiments with Best-of-N-aware fine-tuning need a base policy whose pass@1 is low
but whose pass@N is high (paper.md §2: the gap that BoN-aware training exploits), and that is fast
on a CPU. ``tiny`` is built from scratch on the ``arith`` TRAIN split and stopped once its sampled
pass@1 on held-out train problems reaches 0.2 (:mod:`bonaware.models.pretrain`), so it is
uncertain but often close; its test pass@1/4/16 per family are measured at build time and stored
in the cache entry (docs/models.md).

* Tokenizer (:func:`build_tokenizer`): one token per character — printable ASCII and ``"\\n"`` —
  plus ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>`` (100 tokens). No chat template, so tasks use their
  plain format (``"23+45="`` → ``"68\\n"``); like SmolLM2's tokenizer it adds no special tokens, so
  ``tokenizer(prompt)`` gives the same ids with or without ``add_special_tokens``.
* Model: ``LlamaForCausalLM`` (RoPE, RMSNorm, SwiGLU, tied embeddings), sizes in :class:`TinyConfig`.
* Cache: ``<cache>/tiny-v<VERSION>-<hash of the config>``; a rebuild with the same config and torch
  build reproduces the weights bit-for-bit on CPU (fixed seeds, a seeded data order, one thread:
  :func:`bonaware.models.pretrain.one_thread`).
"""

from __future__ import annotations

import hashlib
import json
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bonaware.config import to_dict
from bonaware.errors import BonawareError
from bonaware.models.cache import cache_root, is_complete, write_entry

NAME = "tiny"
DESCRIPTION = "0.27M-param char-level Llama pre-trained by bonaware on arith to validation pass@1 ~0.2"
#: bump when the recipe changes in a way the config does not capture (invalidates cached builds).
#: 2: arith splits by fact across families with a val split (the train data changed)
VERSION = 2

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>")
#: arith families the default build learns (all but ``word``)
DEFAULT_FAMILIES = "add1,add3,add2,sub2,mul21"
#: printable ASCII (space to ``~``) and newline; tab and other control characters map to ``<unk>``
CHARACTERS = tuple(c for c in string.printable if c.isprintable()) + ("\n",)


@dataclass
class TinyConfig:
    """Architecture and pre-training recipe of the ``tiny`` model (all of it enters the cache key)."""

    # ---- architecture (LlamaConfig) ----
    hidden_size: int = field(default=64, metadata={"help": "model width"})
    num_layers: int = field(default=4, metadata={"help": "transformer blocks"})
    num_heads: int = field(default=4, metadata={"help": "attention heads (no grouped KV)"})
    intermediate_size: int = field(default=256, metadata={"help": "SwiGLU hidden width"})
    max_length: int = field(default=128, metadata={
        "help": "max positions (prompt + completion tokens); 128 covers every arith prompt, word included"})
    # ---- data ----
    families: str = field(default=DEFAULT_FAMILIES, metadata={
        "help": "arith families to pre-train on (comma list); 'word' prompts are ~100 characters, "
                "10x the cost of the others, so the default leaves them out"})
    label_noise: float = field(default=0.0, metadata={
        "help": "probability that a training answer is replaced by a near miss (one digit ±1); the "
                "loss minimiser then has pass@1 = 1 - label_noise on every problem"})
    val_problems: int = field(default=256, metadata={
        "help": "train problems held out (with their commuted twins) to validate on; 0: none"})
    # ---- when to stop ----
    target_pass_at_1: float = field(default=0.2, metadata={
        "help": "stop once the validation pass@1 (T=1) reaches this (0: train all steps)"})
    eval_every: int = field(default=100, metadata={"help": "steps between validation pass@1 checks"})
    steps: int = field(default=3000, metadata={"help": "maximum optimiser steps"})
    batch_size: int = field(default=256, metadata={"help": "sequences per step"})
    lr: float = field(default=8e-3, metadata={"help": "AdamW learning rate (constant after warm-up)"})
    warmup_steps: int = field(default=50, metadata={"help": "linear warm-up steps"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay (matrices only)"})
    grad_clip: float = field(default=1.0, metadata={"help": "gradient-norm clipping threshold"})
    seed: int = field(default=0, metadata={"help": "seed of init, data order, noise, validation"})

    def validate(self) -> None:
        for name in ("hidden_size", "num_layers", "num_heads", "intermediate_size", "max_length",
                     "steps", "batch_size", "eval_every"):
            if getattr(self, name) < 1:
                raise BonawareError(f"TinyConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.hidden_size % self.num_heads:
            raise BonawareError(f"TinyConfig.hidden_size ({self.hidden_size}) must be divisible by "
                                f"num_heads ({self.num_heads})")
        if self.val_problems < 0 or not 0.0 <= self.target_pass_at_1 <= 1.0:
            raise BonawareError("TinyConfig: need val_problems >= 0 and 0 <= target_pass_at_1 <= 1")
        if not 0.0 <= self.label_noise < 1.0:
            raise BonawareError(f"TinyConfig.label_noise must be in [0, 1), got {self.label_noise}")
        if self.lr <= 0 or self.warmup_steps < 0:
            raise BonawareError(f"TinyConfig: need lr > 0 and warmup_steps >= 0, got {self.lr}, "
                                f"{self.warmup_steps}")

    def __post_init__(self) -> None:
        self.validate()


def config_key(cfg: TinyConfig) -> str:
    """The cache key: recipe version + a hash of every config field."""
    blob = json.dumps({"version": VERSION, **to_dict(cfg)}, sort_keys=True)
    return f"v{VERSION}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def cache_folder(cfg: TinyConfig) -> Path:
    """Where the model built from ``cfg`` lives in the cache."""
    return cache_root() / f"{NAME}-{config_key(cfg)}"


def build_tokenizer() -> Any:
    """The character-level tokenizer (a ``PreTrainedTokenizerFast``; ids fixed by :data:`CHARACTERS`)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS + CHARACTERS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")  # every char
    backend.decoder = decoders.Fuse()  # join characters back without separators
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<bos>", eos_token="<eos>",
                                   pad_token="<pad>", unk_token="<unk>", model_max_length=1 << 30)


def build_untrained(cfg: TinyConfig, tokenizer: Any) -> Any:
    """A freshly initialised ``LlamaForCausalLM`` for ``cfg`` (seeded by ``cfg.seed``)."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_heads, max_position_embeddings=cfg.max_length,
        tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(cfg.seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, max_new_tokens=8,
    )
    return model


def build(cfg: TinyConfig | None = None, progress: bool = True, evaluate: bool = True,
          eval_problems: int = 500, eval_samples: int = 16) -> Path:
    """The cached folder of the ``tiny`` model for ``cfg``, pre-training it on first use.

    With ``evaluate`` the fresh model's pass@k (k = 1, 4, 16 where k <= ``eval_samples``) on
    ``eval_problems`` arith **val** problems (the recipe is tuned there, never on test), sampled at
    T = 1, is measured and stored under ``"eval"``
    in the entry's ``bonaware.json`` (it does not change the weights or the cache key).
    """
    from bonaware.models import pretrain

    cfg = cfg or TinyConfig()
    folder = cache_folder(cfg)
    if is_complete(folder):
        return folder

    def fill(tmp: Path) -> dict[str, Any]:
        tokenizer = build_tokenizer()
        model = build_untrained(cfg, tokenizer)
        start = time.perf_counter()
        with pretrain.one_thread():
            stats = pretrain.pretrain(model, tokenizer, cfg, progress=progress)
            stats["seconds"] = round(time.perf_counter() - start, 1)
            meta = {"name": NAME, "version": VERSION, "key": config_key(cfg), "config": to_dict(cfg),
                    "parameters": sum(p.numel() for p in model.parameters()), "train": stats}
            if evaluate:
                meta["eval"] = pretrain.evaluate_pass_at_k(model, tokenizer, cfg, n_problems=eval_problems,
                                                          n_samples=eval_samples, progress=progress)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        return meta

    return write_entry(folder, fill)


def cached(cfg: TinyConfig | None = None) -> Path | None:
    """The cache folder for ``cfg`` if already built, else None (never trains)."""
    folder = cache_folder(cfg or TinyConfig())
    return folder if is_complete(folder) else None


def build_default(progress: bool = True) -> Path:
    """:func:`build` with the default :class:`TinyConfig` (what ``load_model("tiny")`` uses)."""
    return build(TinyConfig(), progress=progress)


def cached_default() -> Path | None:
    """:func:`cached` for the default :class:`TinyConfig`."""
    return cached(TinyConfig())

