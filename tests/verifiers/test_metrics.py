"""roc_auc against brute-force pair counting."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonaware.errors import BonawareError
from bonaware.verifiers.metrics import roc_auc


def brute_force_auc(scores, correct):
    pos = [s for s, c in zip(scores, correct) if c]
    neg = [s for s, c in zip(scores, correct) if not c]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.booleans()), min_size=2, max_size=30))
def test_roc_auc_equals_pair_counting_with_ties(pairs):
    scores = [float(s) for s, _ in pairs]
    correct = [c for _, c in pairs]
    if all(correct) or not any(correct):
        assert math.isnan(roc_auc(scores, correct))
    else:
        assert roc_auc(scores, correct) == pytest.approx(brute_force_auc(scores, correct), abs=1e-12)


def test_roc_auc_extremes():
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [False, False, True, True]) == 1.0
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [False, False, True, True]) == 0.0
    assert roc_auc([1, 1, 1, 1], [False, True, False, True]) == 0.5
    assert roc_auc(np.arange(4.0), np.array([0, 1, 0, 1])) == pytest.approx(0.75)


def test_roc_auc_rejects_bad_input():
    with pytest.raises(BonawareError, match="scores\\[1\\]"):
        roc_auc([0.0, float("nan")], [True, False])
    with pytest.raises(BonawareError, match="2 scores but 3 labels"):
        roc_auc([0.0, 1.0], [True, False, True])
