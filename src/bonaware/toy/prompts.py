"""The toy's prompts: initial categorical policies of graded difficulty and a verifier of set quality."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bonaware.toy.config import ToyConfig
from bonaware.verifiers.noisy import auc_to_separation


@dataclass(frozen=True)
class ToyPrompts:
    """P prompts with K candidate answers each (arrays are [P, K])."""

    logits: np.ndarray
    """Initial policy logits θ_0 (log-probabilities: each row's softmax is the base policy π_0)."""
    rewards: np.ndarray
    """R ∈ {0, 1}: whether the candidate is a correct answer."""
    scores: np.ndarray
    """Verifier score r (fixed per candidate; Bo-N picks the highest, ties uniformly)."""
    expert: np.ndarray
    """Expert distribution π* for sft/bon_sft: uniform over the correct candidates."""
    base_success: np.ndarray
    """[P] target base P(R = 1) of each prompt, easy (first) to hard (last)."""


def make_prompts(cfg: ToyConfig) -> ToyPrompts:
    """Build the prompts of ``cfg`` deterministically from ``cfg.seed``.

    Prompt i has base success p_i, log-uniform from ``p_easy`` (i = 0) to ``p_hard`` (i = P − 1); the
    correct candidates (the first ``num_correct`` of each row) share p_i and the wrong ones share 1 − p_i,
    each group split by softmax(N(0, wrong_spread²)) so a few answers can dominate. Verifier scores are
    r = d·R + N(0, 1) with d = √2·Φ⁻¹(AUC), the ``noisy`` verifier's model (ROC-AUC = ``verifier_auc``).
    """
    rng = np.random.default_rng(cfg.seed)
    P, K, C = cfg.num_prompts, cfg.num_candidates, cfg.num_correct
    base = np.geomspace(cfg.p_easy, cfg.p_hard, P)
    rewards = np.zeros((P, K))
    rewards[:, :C] = 1.0
    z = rng.normal(0.0, cfg.wrong_spread, size=(P, K)) if cfg.wrong_spread > 0 else np.zeros((P, K))
    share = np.exp(z)
    share[:, :C] /= share[:, :C].sum(axis=1, keepdims=True)
    share[:, C:] /= share[:, C:].sum(axis=1, keepdims=True)
    probs = np.where(rewards == 1.0, base[:, None], 1.0 - base[:, None]) * share
    if cfg.verifier_auc >= 1.0:
        scores = rewards.copy()  # oracle: ties within the correct and within the wrong candidates
    else:
        scores = auc_to_separation(cfg.verifier_auc) * rewards + rng.normal(size=(P, K))
    if cfg.score_levels:
        lo, hi = scores.min(), scores.max()
        width = (hi - lo) / (cfg.score_levels - 1) if hi > lo else 1.0
        scores = lo + np.round((scores - lo) / width) * width
    expert = rewards / rewards.sum(axis=1, keepdims=True)
    return ToyPrompts(np.log(probs), rewards, scores, expert, base)
