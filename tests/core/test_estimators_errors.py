"""Bad input raises BonawareError naming the argument (architecture.md conventions)."""

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.estimators import (
    bon_at_k,
    bon_at_k_curve,
    bootstrap_ci,
    maj_at_k,
    paired_difference,
    pass_at_k,
    pass_at_k_curve,
    rank_weights,
)

S = np.array([0.1, 0.5, 0.3])
R = np.array([0, 1, 1])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pass_at_k(5, 2, 6), "k exceeds the number of samples"),
        (lambda: pass_at_k(5, 2, 0), "k must be ≥ 1"),
        (lambda: pass_at_k(5, 6, 2), "c must satisfy"),
        (lambda: pass_at_k(5, -1, 2), "c must satisfy"),
        (lambda: pass_at_k(0, 0, 1), "n must be ≥ 1"),
        (lambda: pass_at_k(5, 2.5, 2), "c must be integers"),
        (lambda: pass_at_k(5, 2, True), "k must be integers, got bools"),
        (lambda: pass_at_k_curve(5, 2, [1, 6]), "ks = 6 exceeds"),
        (lambda: pass_at_k_curve([], [], None), "empty"),
        (lambda: bon_at_k(S, R, 4), "k = 4 exceeds the number of samples n = 3"),
        (lambda: bon_at_k(S, R, 0), "k must be ≥ 1"),
        (lambda: bon_at_k(S, R, 1.5), "k must be integers"),
        (lambda: bon_at_k(S, R[:2], 1), "scores has shape"),
        (lambda: bon_at_k([0.1, np.nan, 0.3], R, 1), "scores contains NaN or inf"),
        (lambda: bon_at_k([0.1, np.inf, 0.3], R, 1), "scores contains NaN or inf"),
        (lambda: bon_at_k(S, [0, 0.5, 1], 1), "correct must be binary"),
        (lambda: bon_at_k(S, [0, 2, 1], 1), "correct must be binary"),
        (lambda: bon_at_k(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), 1), r"scores must be \[n\]"),
        (lambda: bon_at_k_curve(S, R, []), "ks is empty"),
        (lambda: bon_at_k_curve(["a", "b", "c"], R, [1]), "scores must be numeric"),
        (lambda: rank_weights(3, [4]), "ks = 4 exceeds"),
        (lambda: maj_at_k(["a", "b"], R, 1), "answers.0. has 2 answers"),
        (lambda: maj_at_k([["a", "b", "c"]], [R, R], 1), "answers has 1 prompts but correct has 2"),
        (lambda: maj_at_k("abc", R, 1), "single string"),
        (lambda: maj_at_k([["a"], "b", "c"], R, 1), "not hashable"),
        (lambda: maj_at_k(["a", "b", "c"], R, 4), "k = 4 exceeds"),
        (lambda: maj_at_k(["a", "b", "c"], [0, 1, 3], 1), "correct must be binary"),
        (lambda: maj_at_k(["a", "b", "c"], R, 2, n_mc=1), "n_mc must be ≥ 2"),
        (lambda: bootstrap_ci([]), "at least one prompt"),
        (lambda: bootstrap_ci([0.1, np.nan]), "values contains NaN"),
        (lambda: bootstrap_ci([0.1, 0.2], level=1.0), "level must be in"),
        (lambda: bootstrap_ci([0.1, 0.2], n_boot=0), "n_boot must be a positive integer"),
        (lambda: paired_difference([0.1, 0.2], [0.1]), "a has shape"),
    ],
)
def test_bad_input_raises_bonaware_error_naming_the_argument(call, message):
    with pytest.raises(BonawareError, match=message):
        call()
