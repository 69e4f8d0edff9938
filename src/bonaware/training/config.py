"""``TrainConfig``: every knob of ``bonaware train`` (paper.md §3.6, Table 2 for the defaults' origin).

Defaults are sized for the embedded ``tiny`` model on 2 CPU cores; the paper's Gemma values are
noted in each help string. Load from YAML (``configs/<method>.yaml``) and override with ``--key=value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bonaware.config import option
from bonaware.errors import BonawareError
from bonaware.models.loading import MODEL_HELP


@dataclass
class TrainConfig:
    """Configuration of one training run (``bonaware train``)."""

    # what to train
    model: str = option("tiny", f"model to fine-tune: {MODEL_HELP}")
    task: str = option("arith", "training task name (see `bonaware tasks`)")
    task_args: str = option("", "task options as KEY=VALUE,... pairs, e.g. 'families=add1,n_train=2000'")
    method: str = option("bon_rlb_p", "training method (see `bonaware train --list-methods`)")
    objective_args: str = option("", "extra objective parameters as KEY=VALUE,... pairs, overriding the method's, e.g. "
                             "'apply_to=all' (BoN-RLB weights on every sample instead of the BoN sample)")
    verifier: str = option("noisy:target_auc=0.85", "verifier that ranks samples (r) for verifier-based methods, "
                       "NAME[:key=value...] (noisy, oracle, math, code, learned:path=...)")
    # sampling at training time (N', T')
    n_prime: int = option(8, "N': completions sampled per prompt at each step (paper: 4-32)")
    k: int | None = option(None, "the N that BoN-aware objectives target (Bo-N / pass@N)",
                           default_text="N' (--n_prime)")
    temperature: float = option(1.0, "T': sampling temperature during training (paper: 1.0)")
    top_p: float = option(1.0, "nucleus sampling threshold during training")
    max_new_tokens: int = option(8, "longest completion sampled during training")
    batch_prompts: int = option(16, "B: prompts per optimiser step (paper: 32)")
    # optimisation
    steps: int = option(150, "optimiser steps (paper: 2500)")
    lr: float = option(3e-4, "policy learning rate (paper: 3e-6 for Gemma 2B full fine-tuning)")
    warmup_steps: int = option(10, "linear learning-rate warm-up steps (paper: 100)")
    weight_decay: float = option(0.0, "AdamW weight decay")
    grad_clip: float = option(1.0, "clip the global gradient norm to this value (0 disables)")
    normalize_weights: bool = option(False, "divide the per-sample weights (not the expert weight) by the std of the "
                                 "batch's non-zero sample weights (paper App. B: advantages normalised within "
                                 "the batch); off keeps the gradient estimate exact")
    loss_agg: Literal["sequence_sum", "token_mean"] = option(
        "sequence_sum", "sequence_sum: weight x sum of token log-probs (the exact score-function estimator); "
                        "token_mean: divide each sequence's log-prob by its length")
    # anchor policy and KL (paper Table 2)
    ema_rate: float = option(0.01, "anchor policy = EMA of the trained policy with this rate (paper: 0.01)")
    kl_start: float = option(1.0, "KL coefficient at the start of annealing (paper: 1.0)")
    kl_end: float = option(0.075, "KL coefficient at the end of annealing (paper: 0.075)")
    kl_delay: int = option(10, "steps before the KL penalty starts (paper: 10)")
    kl_anneal_steps: int | None = option(
        None, "steps over which the KL coefficient is annealed linearly", default_text="--steps")
    kl_type: Literal["token", "sequence"] = option(
        "token", "token: k3 estimator summed over completion tokens; sequence: k3 on whole-sequence log-ratios")
    # value baseline / P_fail
    value_lr: float = option(1e-3, "value-head learning rate (paper: 1e-5)")
    p_fail_source: Literal["empirical", "value"] = option(
        "empirical", "P_fail for BoN-RLB(P): empirical from the N' samples (Alg. 2/3) or the value head (App. B)")
    # parameter-efficient fine-tuning
    lora: bool = option(False, "train LoRA adapters (peft) instead of all weights")
    lora_r: int = option(16, "LoRA rank")
    lora_alpha: int = option(32, "LoRA alpha")
    lora_targets: str = option("q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", "modules that get adapters")
    # bookkeeping
    seed: int = option(0, "seed of prompts, sampling and initialisation")
    seeds: list[int] | None = option(None, "train one run per training seed, e.g. 0,1,2: OUT/seed<s> for each s (a "
                                     "normal run folder with its own final/; overrides --seed); a finished seed is "
                                     "skipped, an unfinished one resumes from its checkpoint (docs/statistics.md)")
    device: str = option("auto", "cpu, cuda or auto")
    dtype: Literal["auto", "float32", "bfloat16"] = option("auto", "auto: float32 on CPU, bfloat16 on GPU")
    out: str = option("runs/train", "output folder: checkpoints, metrics.csv, TensorBoard events, final model")
    ckpt_every: int = option(50, "write a checkpoint every this many steps (atomic; 0 disables)")
    log_every: int = option(1, "log metrics every this many steps")
    resume: bool = option(False, "continue from the newest checkpoint in --out")
    logprob_chunk: int = option(64, "positions per chunk when scoring log-probs (bounds logits memory)")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for inconsistent values (named by flag)."""
        checks = [
            (self.n_prime >= 1, f"--n_prime must be >= 1, got {self.n_prime}"),
            (self.k is None or self.k >= 1, f"--k must be >= 1, got {self.k}"),
            (self.k is None or self.k <= self.n_prime or self.method not in {"pass_at_k", "bon_at_k"},
             f"--k={self.k} exceeds --n_prime={self.n_prime}: unbiased pass@k/BoN@k weights need N' >= k"),
            (self.temperature > 0, f"--temperature must be > 0, got {self.temperature}"),
            (0 < self.top_p <= 1, f"--top_p must be in (0, 1], got {self.top_p}"),
            (self.batch_prompts >= 1, f"--batch_prompts must be >= 1, got {self.batch_prompts}"),
            (self.steps >= 1, f"--steps must be >= 1, got {self.steps}"),
            (self.lr > 0, f"--lr must be > 0, got {self.lr}"),
            (0 <= self.ema_rate <= 1, f"--ema_rate must be in [0, 1], got {self.ema_rate}"),
            (self.max_new_tokens >= 1, f"--max_new_tokens must be >= 1, got {self.max_new_tokens}"),
            (self.ckpt_every >= 0, f"--ckpt_every must be >= 0, got {self.ckpt_every}"),
            (self.seeds is None or len(self.seeds) >= 1, "--seeds needs at least one seed"),
            (self.seeds is None or len(set(self.seeds)) == len(self.seeds), f"--seeds repeats a seed: {self.seeds}"),
            (self.seeds is None or min(self.seeds) >= 0, f"--seeds must be >= 0, got {self.seeds}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)

    @property
    def target_n(self) -> int:
        """The N of Bo-N / pass@N that BoN-aware objectives optimise (``k`` or N′)."""
        return self.k if self.k is not None else self.n_prime

    def kl_coef(self, step: int) -> float:
        """KL coefficient at ``step``: 0 during the delay, then linear kl_start → kl_end (paper Table 2)."""
        if step < self.kl_delay:
            return 0.0
        span = max(1, (self.kl_anneal_steps or self.steps) - self.kl_delay)
        frac = min(1.0, (step - self.kl_delay) / span)
        return self.kl_start + frac * (self.kl_end - self.kl_start)
