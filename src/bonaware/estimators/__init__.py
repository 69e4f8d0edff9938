"""Evaluation estimators from n ≥ k samples per prompt (prior-art.md §2.1, §4.1). numpy/scipy only.

Arrays are ``[prompts, n]``; a 1-D ``[n]`` input is one prompt. Every estimator is the exact
expectation over uniformly random k-subsets of the n samples (never "the first k", never a
bootstrap with replacement, both biased — see docs/estimators.md).

* :func:`pass_at_k`, :func:`pass_at_k_curve` — unbiased pass@k (Codex estimator).
* :func:`bon_at_k`, :func:`bon_at_k_curve`, :func:`rank_weights` — verifier-selected BoN@k, tie-aware.
* :func:`maj_at_k`, :func:`maj_at_k_curve` — majority vote; exact DP or Monte Carlo with a stderr.
* :func:`bootstrap_ci`, :func:`paired_difference` — percentile bootstrap over prompts.
* :func:`seed_bootstrap_ci`, :func:`paired_seed_difference`, :func:`probability_of_improvement` —
  seed-aware: a two-level bootstrap over training seeds and prompts (docs/statistics.md).
"""

from bonaware.estimators.bootstrap import ConfidenceInterval, bootstrap_ci, paired_difference
from bonaware.estimators.majority import MajorityEstimate, maj_at_k, maj_at_k_curve
from bonaware.estimators.passk import (
    bon_at_k,
    bon_at_k_curve,
    log_choose_ratio,
    pass_at_k,
    pass_at_k_curve,
    rank_weights,
)
from bonaware.estimators.seeds import paired_seed_difference, probability_of_improvement, seed_bootstrap_ci

__all__ = [
    "ConfidenceInterval",
    "MajorityEstimate",
    "bon_at_k",
    "bon_at_k_curve",
    "bootstrap_ci",
    "log_choose_ratio",
    "maj_at_k",
    "maj_at_k_curve",
    "paired_difference",
    "paired_seed_difference",
    "pass_at_k",
    "pass_at_k_curve",
    "probability_of_improvement",
    "rank_weights",
    "seed_bootstrap_ci",
]
