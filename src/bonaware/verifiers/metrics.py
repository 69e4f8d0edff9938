"""Verifier quality metrics (paper.md §4 verifier ablations: BoN gains depend on verifier quality)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

from bonaware.errors import BonawareError
from bonaware.io import check_finite


def roc_auc(scores: Sequence[float], correct: Sequence[bool]) -> float:
    """ROC-AUC of ``scores`` for separating correct from incorrect completions.

    AUC = P(s⁺ > s⁻) + ½ P(s⁺ = s⁻) over pairs of one correct (+) and one incorrect (−) completion,
    computed from average ranks (Mann–Whitney U): AUC = (R⁺ − n⁺(n⁺+1)/2) / (n⁺ n⁻), where R⁺ is the
    rank sum of the correct ones and ties get their average rank. Returns NaN when all labels are
    equal (the AUC is undefined). Raises :class:`BonawareError` for non-finite scores or a length
    mismatch.
    """
    s = np.asarray([check_finite(x, f"scores[{i}]") for i, x in enumerate(scores)], dtype=np.float64)
    y = np.asarray(correct, dtype=bool)
    if s.shape != y.shape:
        raise BonawareError(f"roc_auc: {len(s)} scores but {len(y)} labels")
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
