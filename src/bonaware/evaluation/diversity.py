"""Diversity of the n samples of a prompt (the paper's "meta-strategy" claim, paper.md §5.1).

Per prompt, from its saved samples:

* ``distinct_answers`` — number of distinct extracted final answers (``None`` = no answer, not counted).
* ``answer_entropy`` — Shannon entropy in bits of the empirical distribution of the non-``None``
  answers, H = −Σ_a (n_a/m) log₂(n_a/m), m = Σ_a n_a (0 when m = 0). Plug-in estimate: biased low
  for small n, so compare runs at the same n.
* ``ngram_diversity`` — mean over pairs i < j of the Jaccard distance 1 − |G_i ∩ G_j| / |G_i ∪ G_j|
  between the sets of word n-grams (padded with ``<s>``/``</s>``, so every text has one).
* ``edit_diversity`` — mean over pairs of the normalised Levenshtein distance
  d(a, b) / max(|a|, |b|) (characters; 0 for two empty texts).

The pairwise means use all pairs when there are at most ``max_pairs``; otherwise ``max_pairs``
distinct pairs drawn uniformly without replacement with a seeded generator (an unbiased estimate of
the all-pairs mean). Edit distances look at the first ``max_chars`` characters of each text.
Samples loaded from a compact file have no texts: their n-gram and edit diversity are the per-prompt
values the file saved (for the pair-sampling seeds it lists).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from bonaware.evaluation.samples import TemperatureSamples

DIVERSITY_METRICS = ("distinct_answers", "answer_entropy", "ngram_diversity", "edit_diversity")
TEXT_METRICS = ("ngram_diversity", "edit_diversity")  # the two that need the completion texts


def distinct_answers(answers: Sequence) -> int:
    """Number of distinct non-``None`` answers."""
    return len({a for a in answers if a is not None})


def answer_entropy(answers: Sequence) -> float:
    """Entropy (bits) of the empirical distribution of the non-``None`` answers."""
    counts = np.array(list(Counter(a for a in answers if a is not None).values()), dtype=float)
    if counts.size == 0:
        return 0.0
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0 turns −0.0 into 0.0


def ngrams(text: str, n: int = 2) -> frozenset:
    """The set of word n-grams of ``text``, padded with ``<s>`` / ``</s>``."""
    words = ["<s>"] + text.split() + ["</s>"]
    return frozenset(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)))


def _pairs(m: int, max_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(m, k=1)
    if i.size > max_pairs:
        pick = np.random.default_rng(seed).choice(i.size, size=max_pairs, replace=False)
        i, j = i[pick], j[pick]
    return i, j


def ngram_diversity(texts: Sequence[str], n: int = 2, max_pairs: int = 256, seed: int = 0) -> float:
    """Mean pairwise Jaccard distance of word n-gram sets (0 = identical sets, 1 = disjoint)."""
    if len(texts) < 2:
        return 0.0
    sets = [ngrams(t, n) for t in texts]
    i, j = _pairs(len(texts), max_pairs, seed)
    d = [1.0 - len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in zip(i, j)]
    return float(np.mean(d))


def levenshtein_batch(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Levenshtein distances between ``a[p]`` and ``b[p]`` for every pair p, vectorised over pairs.

    Row recurrence over the characters of ``a``: tmp[j] = min(D[j] + 1, D[j−1] + [a_i ≠ b_j]),
    then insertions D'[j] = min_{k ≤ j} tmp[k] + (j − k) = j + cummin_k(tmp[k] − k).
    """
    P = len(a)
    if P == 0:
        return np.zeros(0)
    la = np.array([len(s) for s in a])
    lb = np.array([len(s) for s in b])
    La, Lb = int(la.max(initial=0)), int(lb.max(initial=0))
    A = np.full((P, La), -1, dtype=np.int64)
    B = np.full((P, Lb), -2, dtype=np.int64)  # different pads never match (their cells are never read)
    for p in range(P):
        A[p, : la[p]] = [ord(c) for c in a[p]]
        B[p, : lb[p]] = [ord(c) for c in b[p]]
    cols = np.arange(Lb + 1)
    D = np.tile(cols, (P, 1)).astype(np.int64)
    out = D[np.arange(P), lb].copy()  # distance when a is empty
    for i in range(1, La + 1):
        tmp = np.empty_like(D)
        tmp[:, 0] = i
        tmp[:, 1:] = np.minimum(D[:, 1:] + 1, D[:, :-1] + (A[:, i - 1, None] != B))
        D = cols + np.minimum.accumulate(tmp - cols, axis=1)
        done = la == i
        out[done] = D[done, lb[done]]
    return out


def edit_diversity(texts: Sequence[str], max_pairs: int = 256, seed: int = 0, max_chars: int = 256) -> float:
    """Mean pairwise normalised Levenshtein distance d(a, b) / max(|a|, |b|) ∈ [0, 1]."""
    if len(texts) < 2:
        return 0.0
    t = [s[:max_chars] for s in texts]
    i, j = _pairs(len(t), max_pairs, seed)
    d = levenshtein_batch([t[k] for k in i], [t[k] for k in j]).astype(float)
    denom = np.maximum([max(len(t[x]), len(t[y])) for x, y in zip(i, j)], 1)
    return float(np.mean(d / denom))


def diversity_per_prompt(group: TemperatureSamples, *, ngram_n: int = 2, max_pairs: int = 256,
                         max_chars: int = 256, seed: int = 0) -> dict[str, np.ndarray]:
    """Every diversity metric for every prompt of ``group``: {metric: [P]}. Prompt i's pair draws
    are seeded with (seed, i) so they do not depend on the other prompts."""
    out = {m: np.zeros(group.num_prompts) for m in DIVERSITY_METRICS}
    for p in range(group.num_prompts):
        out["distinct_answers"][p] = distinct_answers(group.answers[p])
        out["answer_entropy"][p] = answer_entropy(group.answers[p])
    if group.completions is None:  # a compact file: the values it saved from the texts
        params = {"ngram_n": ngram_n, "max_pairs": max_pairs, "max_chars": max_chars}
        saved = group.saved.diversity(seed, params, group.temperature)
        return {**out, **{m: np.array(saved[m], dtype=float) for m in TEXT_METRICS}}
    for p in range(group.num_prompts):
        texts = group.completions[p]
        pair_seed = int(np.random.SeedSequence([seed, p]).generate_state(1)[0])
        out["ngram_diversity"][p] = ngram_diversity(texts, ngram_n, max_pairs, pair_seed)
        out["edit_diversity"][p] = edit_diversity(texts, max_pairs, pair_seed, max_chars)
    return out


def max_entropy_bits(n: int) -> float:
    """log₂ n: the entropy when all n answers differ (for scaling plots)."""
    return math.log2(n) if n > 0 else 0.0
