"""Exact-gradient training of each toy method and exact evaluation (docs/toy.md).

Each prompt's logits θ_i follow g_i(θ) − β ∇KL(π_i ‖ π_0,i), with g the method's exact expected update
(:mod:`bonaware.toy.methods`); prompts do not share parameters, so the per-prompt scale of g (e.g. the
N p^{N−1} of ∇pass@N) decides where a method spends its KL budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from bonaware import tabular as tb
from bonaware.toy.config import ToyConfig
from bonaware.toy.methods import compile_method
from bonaware.toy.prompts import ToyPrompts


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of [P, K] logits (plain numpy: called several times per step)."""
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def kl_to_base(logits: np.ndarray, base_logits: np.ndarray) -> np.ndarray:
    """[P] KL(π ‖ π_0) per prompt."""
    logp, logp0 = log_softmax(logits), log_softmax(base_logits)
    return (np.exp(logp) * (logp - logp0)).sum(axis=1)


def kl_grad(logits: np.ndarray, base_logits: np.ndarray) -> np.ndarray:
    """∇_θ KL(π_θ ‖ π_0) = π ⊙ (log π − log π_0 − KL) for softmax logits θ ([P, K])."""
    logp, logp0 = log_softmax(logits), log_softmax(base_logits)
    pi = np.exp(logp)
    d = logp - logp0
    return pi * (d - (pi * d).sum(axis=1, keepdims=True))


def entropy(logits: np.ndarray) -> np.ndarray:
    """[P] Shannon entropy (nats) of each prompt's policy."""
    logp = log_softmax(logits)
    return -(np.exp(logp) * logp).sum(axis=1)


def evaluate(logits: np.ndarray, prompts: ToyPrompts, ns) -> dict:
    """Exact per-prompt metrics of a policy: Bo-N accuracy under the verifier (uniform ties) and pass@N for
    every N in ``ns``, P(R = 1), entropy, KL to the base policy and the distribution itself."""
    R, S = prompts.rewards, prompts.scores
    return {
        "bon": {int(N): tb.bon_at_k_value(logits, R, S, N).tolist() for N in ns},
        "pass": {int(N): tb.pass_at_k_value(logits, R, N).tolist() for N in ns},
        "p_correct": tb.success_probability(logits, R).tolist(),
        "entropy": entropy(logits).tolist(),
        "kl": kl_to_base(logits, prompts.logits).tolist(),
        "probs": softmax(logits, axis=1).tolist(),
    }


@dataclass
class TrainResult:
    """Final logits and the training curve (mean over prompts, recorded every ``record_every`` steps)."""

    logits: np.ndarray
    history: dict[str, list[float]]


def train_method(name: str, prompts: ToyPrompts, cfg: ToyConfig, *, record_every: int = 10) -> TrainResult:
    """Train method ``name`` for ``cfg.steps`` steps of exact expected-gradient ascent from the base
    policy. ``cfg.max_grad_norm`` clips each prompt's update (its direction, hence every fixed point, is
    unchanged); ``cfg.optimizer="adam"`` uses Adam (β = 0.9, 0.999) per logit instead of plain steps.
    The history records Bo-N′ accuracy, pass@N′, pass@1 and KL (means over prompts)."""
    grad = compile_method(name, prompts, cfg.train_n)
    theta = prompts.logits.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    hist: dict[str, list[float]] = {"step": [], "bon": [], "pass": [], "pass1": [], "kl": [], "beta": []}
    N = cfg.train_n
    beta = cfg.kl_coef

    def record(step):
        hist["step"].append(step)
        hist["bon"].append(float(tb.bon_at_k_value(theta, prompts.rewards, prompts.scores, N).mean()))
        hist["pass"].append(float(tb.pass_at_k_value(theta, prompts.rewards, N).mean()))
        hist["pass1"].append(float(tb.success_probability(theta, prompts.rewards).mean()))
        hist["kl"].append(float(kl_to_base(theta, prompts.logits).mean()))
        hist["beta"].append(float(beta))

    for step in range(cfg.steps):
        if step % record_every == 0:
            record(step)
        # cosine decay to 0: clipped steps on stiff objectives (BoN-RLB's weights reach 99·N) would
        # otherwise bounce around their fixed point for ever instead of settling on it
        decay = 0.5 * (1.0 + np.cos(np.pi * step / cfg.steps))
        g = grad(theta)
        if beta:
            g = g - beta * kl_grad(theta, prompts.logits)
            if cfg.kl_target is not None:  # adaptive controller (Ziegler et al. 2019; TRL AdaptiveKLController)
                err = np.clip(kl_to_base(theta, prompts.logits).mean() / cfg.kl_target - 1.0, -1.0, 1.0)
                beta *= 1.0 + decay * cfg.kl_rate * err
        if cfg.max_grad_norm:
            norm = np.linalg.norm(g, axis=1, keepdims=True)
            g = g * np.minimum(1.0, cfg.max_grad_norm / np.maximum(norm, 1e-300))
        if cfg.optimizer == "adam":
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g**2
            g = (m / (1 - 0.9 ** (step + 1))) / (np.sqrt(v / (1 - 0.999 ** (step + 1))) + 1e-8)
        theta = theta + decay * cfg.lr * g
        theta -= theta.max(axis=1, keepdims=True)  # softmax-invariant; keeps logits bounded
    record(cfg.steps)
    return TrainResult(theta, hist)
