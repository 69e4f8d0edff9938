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


def roc_auc(scores, correct) -> float:
    """ROC-AUC of ``scores`` for binary ``correct`` (ties count ½); NaN if one class is empty."""
    s = np.asarray(scores, dtype=float).reshape(-1)
    y = np.asarray(correct).reshape(-1).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    neg = np.sort(s[~y])
    below = np.searchsorted(neg, s[y], side="left")  # negatives strictly below each positive
    tied = np.searchsorted(neg, s[y], side="right") - below
    return float((below.sum() + 0.5 * tied.sum()) / (n_pos * n_neg))


def verifier_auc(group: TemperatureSamples, verifier: str) -> dict:
    """Pooled and mean within-prompt ROC-AUC of ``verifier`` at this temperature (None when undefined)."""
    scores, correct = group.scores[verifier], group.correct
    pooled = roc_auc(scores, correct)
    per = np.array([roc_auc(s, c) for s, c in zip(scores, correct)])
    mixed = ~np.isnan(per)
    return {"pooled_auc": None if np.isnan(pooled) else pooled,
            "within_prompt_auc": float(per[mixed].mean()) if mixed.any() else None,
            "prompts_with_both_classes": int(mixed.sum())}
