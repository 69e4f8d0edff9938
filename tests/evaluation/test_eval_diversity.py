"""Diversity metrics on hand-checked cases, and the vectorised Levenshtein against the textbook DP."""

import math
from itertools import combinations

import numpy as np
import pytest

from bonaware.evaluation.diversity import (
    answer_entropy,
    distinct_answers,
    edit_diversity,
    levenshtein_batch,
    ngram_diversity,
    ngrams,
)


def _lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_distinct_answers_and_entropy_by_hand():
    assert distinct_answers(["1", "1", "2", None]) == 2
    assert distinct_answers([None, None]) == 0
    assert answer_entropy(["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert answer_entropy(["a", "b", "c", "d"]) == pytest.approx(2.0)
    assert answer_entropy(["a", "a", "a", None]) == 0.0  # None is not an answer
    assert answer_entropy([None]) == 0.0
    assert answer_entropy(["a", "a", "a", "b"]) == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))


def test_ngram_diversity_by_hand():
    assert ngrams("a b") == {("<s>", "a"), ("a", "b"), ("b", "</s>")}
    assert ngrams("") == {("<s>", "</s>")}
    assert ngram_diversity(["x y", "x y", "x y"]) == 0.0
    # {<s>a, ab, b</s>} vs {<s>a, ac, c</s>}: 1 shared of 5 → distance 4/5
    assert ngram_diversity(["a b", "a c"]) == pytest.approx(0.8)
    assert ngram_diversity(["p", "q"]) == 1.0
    assert ngram_diversity(["only one"]) == 0.0


def test_levenshtein_batch_matches_the_textbook_dp():
    assert list(levenshtein_batch(["kitten", "", "abc", "flaw"], ["sitting", "abc", "", "lawn"])) == [3, 3, 3, 2]
    rng = np.random.default_rng(0)
    a = ["".join(rng.choice(list("abc"), rng.integers(0, 9))) for _ in range(200)]
    b = ["".join(rng.choice(list("abc"), rng.integers(0, 9))) for _ in range(200)]
    assert list(levenshtein_batch(a, b)) == [_lev(x, y) for x, y in zip(a, b)]


def test_edit_diversity_by_hand_and_with_pair_subsampling():
    assert edit_diversity(["abc", "abc"]) == 0.0
    assert edit_diversity(["ab", "cd"]) == 1.0
    assert edit_diversity(["", ""]) == 0.0
    # "abcd" vs "abce": 1/4; with a third identical text the pairs are (1/4, 0, 1/4)
    assert edit_diversity(["abcd", "abce", "abcd"]) == pytest.approx(1 / 6)
    rng = np.random.default_rng(1)
    texts = ["".join(rng.choice(list("xyz"), 6)) for _ in range(40)]  # 780 pairs
    exact = np.mean([_lev(a, b) / 6 for a, b in combinations(texts, 2)])
    assert edit_diversity(texts, max_pairs=1000) == pytest.approx(exact)
    sub = [edit_diversity(texts, max_pairs=100, seed=s) for s in range(20)]
    assert sub[0] != sub[1] and np.mean(sub) == pytest.approx(exact, abs=0.02)
    assert edit_diversity(texts, max_pairs=100, seed=3) == edit_diversity(texts, max_pairs=100, seed=3)


def test_distinct_at_k_is_the_exact_mean_over_k_subsets_of_the_number_of_distinct_answers():
    """distinct@k against brute-force enumeration of every k-subset (None never counts as an answer)."""
    import itertools

    from bonaware.evaluation.curves import distinct_curve
    from bonaware.evaluation.samples import TemperatureSamples

    answers = [["1", "1", "2", None, "3", "1"], ["7", "7", "7", "7", "7", "7"], [None] * 6]
    n = 6
    g = TemperatureSamples(1.0, ["a", "b", "c"], np.zeros((3, n)), {}, answers, np.ones((3, n), dtype=np.int64),
                           np.ones(3, dtype=np.int64), None)
    got = distinct_curve(g)
    for i, row in enumerate(answers):
        for k in range(1, n + 1):
            subsets = list(itertools.combinations(range(n), k))
            want = np.mean([len({row[j] for j in sub} - {None}) for sub in subsets])
            assert got[i, k - 1] == pytest.approx(want, abs=1e-12), (i, k)
    assert got[1].tolist() == [1.0] * n and got[2].tolist() == [0.0] * n
