"""Helpers for training tests: a small random Llama with the tiny tokenizer, and ~1 s run configs."""

from __future__ import annotations

from bonaware.training.config import TrainConfig


def make_model_folder(folder):
    """Save a seeded random 2-layer Llama with the tiny tokenizer to ``folder`` (a ``--model`` path)."""
    from bonaware.models import save_model
    from bonaware.models.tiny import TinyConfig, build_tokenizer, build_untrained

    tok = build_tokenizer()
    model = build_untrained(TinyConfig(hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64,
                                       max_length=64), tok)
    return save_model(model, tok, folder)


#: small everything: one run is ~1 s on one core
FAST = dict(task="arith", task_args="families=add1", n_prime=4, batch_prompts=2, max_new_tokens=4, steps=2,
            warmup_steps=1, kl_delay=1, seed=0, device="cpu", ckpt_every=0, verifier="noisy:target_auc=0.85")


def fast_config(model_dir, out, **overrides) -> TrainConfig:
    """A :class:`TrainConfig` for a ~1 s run on the small random model, with ``overrides``."""
    return TrainConfig(**{**FAST, "model": str(model_dir), "out": str(out), **overrides})


def fast_cli_args(model_dir, out, **overrides) -> list[str]:
    """The same settings as ``--key=value`` flags for ``python -m bonaware train``."""
    values = {**FAST, "model": str(model_dir), "out": str(out), **overrides}
    return [f"--{k}={v}" for k, v in values.items()]
