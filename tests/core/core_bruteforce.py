"""Brute-force references for the math core: enumerate every N-tuple / k-subset explicitly.

Deliberately naive (itertools + Fractions where cheap) so they share no code or trick with the
closed forms they check.
"""

from __future__ import annotations

import itertools
from collections import Counter
from math import comb, prod

import numpy as np


def bon_by_enumeration(probs, scores, N):
    """π_bon by summing over all K^N ordered N-tuples; uniform tie-break among tied maxima."""
    out = np.zeros(len(probs))
    for tup in itertools.product(range(len(probs)), repeat=N):
        weight = prod(probs[i] for i in tup)
        best = max(scores[i] for i in tup)
        winners = [i for i in tup if scores[i] == best]
        for i in winners:
            out[i] += weight / len(winners)
    return out


def _subsets(n, k):
    return list(itertools.combinations(range(n), k))


def pass_at_k_by_enumeration(n, c, k):
    correct = [1] * c + [0] * (n - c)
    subs = _subsets(n, k)
    return sum(any(correct[i] for i in s) for s in subs) / len(subs)


def bon_at_k_by_enumeration(scores, correct, k):
    """Mean over all k-subsets of the correctness of the top-scored member, ties averaged."""
    total = 0.0
    subs = _subsets(len(scores), k)
    for s in subs:
        best = max(scores[i] for i in s)
        tied = [correct[i] for i in s if scores[i] == best]
        total += sum(tied) / len(tied)
    return total / len(subs)


def maj_at_k_by_enumeration(answers, correct, k):
    """Mean over all k-subsets of the majority answer's correctness.

    Ties among the most frequent (non-None) answers are broken uniformly; the winning answer is
    represented by a uniformly random subset member carrying it; an all-None subset scores 0.
    """
    total = 0.0
    subs = _subsets(len(answers), k)
    for s in subs:
        counts = Counter(answers[i] for i in s if answers[i] is not None)
        if not counts:
            continue
        top = max(counts.values())
        winners = [a for a, m in counts.items() if m == top]
        for a in winners:
            members = [correct[i] for i in s if answers[i] == a]
            total += sum(members) / len(members) / len(winners)
    return total / len(subs)


def pass_at_k_exact_fraction(n, c, k):
    """1 − C(n−c, k)/C(n, k) with Python integers (exact up to the final float conversion)."""
    from fractions import Fraction

    return float(1 - Fraction(comb(n - c, k), comb(n, k)))
