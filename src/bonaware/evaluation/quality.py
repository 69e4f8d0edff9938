"""Verifier quality from saved samples: how well the score r ranks correct above incorrect (paper.md §4).

* pooled ROC-AUC over every (prompt, sample) of a temperature: P(r⁺ > r⁻) + ½ P(r⁺ = r⁻) for a random
  correct and a random incorrect sample (the Mann–Whitney U statistic / (n⁺ n⁻), ties counting ½);
* within-prompt ROC-AUC, averaged over prompts that have both correct and incorrect samples — the
  quantity Best-of-N depends on, since BoN only compares samples of the same prompt.

BoN@k under each verifier against pass@k (= BoN with the oracle) is in the metrics and the report.
"""

from __future__ import annotations

import numpy as np

from bonaware.evaluation.samples import TemperatureSamples


def auc_counts(scores, correct) -> tuple[int, int, int, int]:
    """Mann–Whitney counts of ``scores`` against binary ``correct``: (pairs with the positive above,
    tied pairs, number of positives, number of negatives). ROC-AUC = (above + ½ tied) / (n⁺ n⁻)."""
    s = np.asarray(scores, dtype=float).reshape(-1)
    y = np.asarray(correct).reshape(-1).astype(bool)
    neg = np.sort(s[~y])
    below = np.searchsorted(neg, s[y], side="left")  # negatives strictly below each positive
    tied = np.searchsorted(neg, s[y], side="right") - below
    return int(below.sum()), int(tied.sum()), int(y.sum()), int((~y).sum())


def auc_from_counts(above: int, tied: int, n_pos: int, n_neg: int) -> float:
    """ROC-AUC from :func:`auc_counts` (NaN if one class is empty)."""
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((above + 0.5 * tied) / (n_pos * n_neg))


def roc_auc(scores, correct) -> float:
    """ROC-AUC of ``scores`` for binary ``correct`` (ties count ½); NaN if one class is empty."""
    return auc_from_counts(*auc_counts(scores, correct))


def verifier_auc(group: TemperatureSamples, verifier: str) -> dict:
    """Pooled and mean within-prompt ROC-AUC of ``verifier`` at this temperature (None when undefined).

    Samples loaded from a compact file (:mod:`bonaware.evaluation.compact`) hold within-prompt ranks
    instead of scores: the within-prompt AUC is the same from ranks, and the pooled AUC comes from the
    Mann–Whitney counts the file saved from the raw scores.
    """
    scores, correct = group.scores[verifier], group.correct
    if group.saved is None:
        pooled = roc_auc(scores, correct)
    else:
        pooled = auc_from_counts(*group.saved.pooled_auc_counts(verifier, group.temperature), *_classes(correct))
    per = np.array([roc_auc(s, c) for s, c in zip(scores, correct)])
    mixed = ~np.isnan(per)
    return {"pooled_auc": None if np.isnan(pooled) else pooled,
            "within_prompt_auc": float(per[mixed].mean()) if mixed.any() else None,
            "prompts_with_both_classes": int(mixed.sum())}


def _classes(correct: np.ndarray) -> tuple[int, int]:
    y = np.asarray(correct).reshape(-1).astype(bool)
    return int(y.sum()), int((~y).sum())
