"""``ToyConfig``: every knob of the exact tabular demo (docs/toy.md), documented for ``--help``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from bonaware.errors import BonawareError

DEFAULT_METHODS = ["rl", "sft", "bon_sft", "bon_rl_v", "bon_rlb", "bon_rlb_p", "pass_at_k", "bon_at_k"]


@dataclass
class ToyConfig:
    """Exact tabular demo: categorical policies over a few candidate answers, trained with exact
    expected gradients of each objective, evaluated by exact Bo-N accuracy and pass@N."""

    num_prompts: int = field(default=8, metadata={
        "help": "number of prompts; base success rates are spaced log-uniformly from p_easy to p_hard"})
    num_candidates: int = field(default=6, metadata={
        "help": "candidate answers per prompt (K); the policy of a prompt is a softmax over K logits"})
    num_correct: int = field(default=1, metadata={
        "help": "correct candidates per prompt (1 <= num_correct < num_candidates); the expert of "
                "sft/bon_sft picks one of them uniformly"})
    p_easy: float = field(default=0.7, metadata={
        "help": "base probability of a correct answer on the easiest prompt"})
    p_hard: float = field(default=0.03, metadata={
        "help": "base probability of a correct answer on the hardest prompt"})
    wrong_spread: float = field(default=1.0, metadata={
        "help": "std of the random logits among the wrong (and among the correct) candidates: 0 spreads "
                "a prompt's wrong mass evenly, larger values make one wrong answer dominate"})
    verifier_auc: float = field(default=0.8, metadata={
        "help": "verifier quality: scores r = d*R + z, z ~ N(0,1), d = sqrt(2)*Phi^-1(AUC), drawn once per "
                "candidate; 1.0 = oracle verifier (r = R, so Bo-N accuracy = pass@N); 0.5 = useless"})
    score_levels: int = field(default=0, metadata={
        "help": "round verifier scores to this many equal-width levels (creates ties; 0 = keep continuous)"})
    train_n: int = field(default=8, metadata={
        "help": "N' = samples per prompt per step for the BoN-aware methods, and the N they target "
                "(the paper trains with N' = N); rl and sft use one sample"})
    methods: list[str] = field(default_factory=lambda: list(DEFAULT_METHODS), metadata={
        "help": "methods to train (comma-separated; listed at the end of --help and in docs/toy.md)"})
    steps: int = field(default=600, metadata={"help": "optimiser steps per method"})
    lr: float = field(default=1.0, metadata={
        "help": "peak learning rate of the ascent on each prompt's logits (cosine decay to 0 over steps)"})
    optimizer: Literal["sgd", "adam"] = field(default="sgd", metadata={
        "help": "'sgd': plain (clipped) gradient steps; 'adam': Adam per logit. Both settle on the same "
                "fixed points, where each method's objective balances the KL term"})
    max_grad_norm: float = field(default=1.0, metadata={
        "help": "clip each prompt's gradient to this L2 norm before the step (0 = no clipping); tames "
                "BoN-RLB's large weights without moving any fixed point"})
    kl_coef: float = field(default=0.1, metadata={
        "help": "beta: each method maximises its objective - beta*KL(pi || pi_0) to the initial policy "
                "(the paper's anchor KL); with kl_target set this is only beta's starting value"})
    kl_target: float | None = field(default=0.3, metadata={
        "help": "adapt beta so that the mean KL(pi || pi_0) over prompts settles at this value (nats), like "
                "TRL's adaptive KL controller; every method then gets the same KL budget, which makes the "
                "comparison fair ('none' = fixed beta = kl_coef)"})
    kl_rate: float = field(default=0.2, metadata={
        "help": "adaptive-KL step: beta *= 1 + kl_rate * clip(KL/kl_target - 1, -1, 1) each step"})
    eval_ns: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16, 32], metadata={
        "help": "N values for the Bo-N accuracy and pass@N table and plot"})
    seed: int = field(default=0, metadata={"help": "seed for the initial policies and verifier scores"})
    out: str = field(default="runs/toy", metadata={"help": "output folder"})
    plots: bool = field(default=True, metadata={"help": "write bon_vs_n.png and distributions.png"})

    def validate(self) -> None:
        """Raise BonawareError naming the field for any invalid value."""
        from bonaware.toy.methods import METHODS

        def need(ok: bool, name: str, what: str) -> None:
            if not ok:
                raise BonawareError(f"ToyConfig.{name} {what}, got {getattr(self, name)!r}")

        for name in ("num_prompts", "num_candidates", "num_correct", "train_n", "steps"):
            need(isinstance(getattr(self, name), int) and getattr(self, name) >= 1, name, "must be an integer >= 1")
        need(self.num_candidates >= 2, "num_candidates", "must be >= 2")
        need(self.num_correct < self.num_candidates, "num_correct", "must be < num_candidates")
        for name in ("p_easy", "p_hard"):
            need(0.0 < getattr(self, name) < 1.0, name, "must lie strictly between 0 and 1")
        need(self.p_hard <= self.p_easy, "p_hard", "must be <= p_easy")
        for name in ("wrong_spread", "kl_coef", "max_grad_norm", "kl_rate"):
            need(math.isfinite(getattr(self, name)) and getattr(self, name) >= 0, name, "must be finite and >= 0")
        need(math.isfinite(self.lr) and self.lr > 0, "lr", "must be > 0")
        if self.kl_target is not None:
            need(math.isfinite(self.kl_target) and self.kl_target > 0, "kl_target", "must be > 0 (or none)")
            need(self.kl_coef > 0, "kl_coef", "must be > 0 when kl_target is set (beta adapts multiplicatively)")
        need(0.5 <= self.verifier_auc <= 1.0, "verifier_auc", "must lie in [0.5, 1]")
        need(self.score_levels == 0 or self.score_levels >= 2, "score_levels", "must be 0 or >= 2")
        need(len(self.eval_ns) > 0 and all(isinstance(n, int) and n >= 1 for n in self.eval_ns),
             "eval_ns", "must be a non-empty list of integers >= 1")
        need(len(self.methods) > 0 and len(set(self.methods)) == len(self.methods), "methods",
             "must be a non-empty list without repeats")
        for m in self.methods:
            if m not in METHODS:
                raise BonawareError(f"ToyConfig.methods: unknown method {m!r}; available: {', '.join(METHODS)}")
        need(self.optimizer in ("sgd", "adam"), "optimizer", "must be 'sgd' or 'adam'")
