"""The noisy verifier: achieved ROC-AUC matches the target, scores are deterministic."""

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.verifiers import get_verifier
from bonaware.verifiers.metrics import roc_auc
from bonaware.verifiers.noisy import auc_to_separation


@pytest.fixture(scope="module")
def sample():
    """6000 arith completions, half correct, all distinct texts (the noise is keyed on the text)."""
    task = get_task("arith", style="chat", families="add2", n_test=300)
    problems = task.problems("test")
    rng = np.random.default_rng(0)
    completions = []
    for p in problems:
        row = []
        for k in range(20):
            guess = int(p.answer) + (0 if k % 2 == 0 else int(rng.integers(1, 50)))
            row.append(f"Attempt {k}: the answer is {guess}.")
        completions.append(row)
    return task, problems, completions


def flat(verdicts):
    return [v.score for row in verdicts for v in row], [v.correct for row in verdicts for v in row]


@pytest.mark.parametrize("target", [0.55, 0.7, 0.9])
def test_achieved_auc_matches_the_target(sample, target):
    task, problems, completions = sample
    scores, correct = flat(get_verifier("noisy", task, target_auc=target).score(problems, completions))
    assert sum(correct) == len(correct) // 2
    # 3000 × 3000 pairs: the AUC's standard error is below 0.006
    assert roc_auc(scores, correct) == pytest.approx(target, abs=0.02)


@pytest.mark.parametrize("flip", [0.0, 0.1, 0.3])
def test_flip_rate_gives_auc_one_minus_flip_rate(sample, flip):
    task, problems, completions = sample
    verdicts = get_verifier("noisy", task, flip_rate=flip).score(problems, completions)
    scores, correct = flat(verdicts)
    assert set(scores) <= {0.0, 1.0}
    assert roc_auc(scores, correct) == pytest.approx(1 - flip, abs=0.02)
    disagree = np.mean([s != float(c) for s, c in zip(scores, correct)])
    assert disagree == pytest.approx(flip, abs=0.02)


def test_scores_are_deterministic_per_problem_completion_and_seed(sample):
    task, problems, completions = sample
    v = get_verifier("noisy", task, target_auc=0.7, seed=1)
    a = v.score(problems[:5], completions[:5])
    # the same completion in another batch, order and verifier instance gets the same score
    b = get_verifier("noisy", task, target_auc=0.7, seed=1).score(problems[4::-1], completions[4::-1])
    assert [x.score for x in a[0]] == [x.score for x in b[4]]
    c = get_verifier("noisy", task, target_auc=0.7, seed=2).score(problems[:5], completions[:5])
    assert [x.score for x in a[0]] != [x.score for x in c[0]]
    # correctness itself is never noisy
    assert [x.correct for x in a[0]] == [x.correct for x in c[0]]


def test_separation_formula():
    assert auc_to_separation(0.5) == 0.0
    assert auc_to_separation(0.76025) == pytest.approx(1.0, abs=1e-4)  # Φ(1/√2) ≈ 0.76025


@pytest.mark.parametrize("kwargs", [{}, {"target_auc": 0.7, "flip_rate": 0.1}, {"target_auc": 1.0},
                                    {"target_auc": 0.0}, {"flip_rate": 1.5}])
def test_bad_noise_options_raise(kwargs):
    with pytest.raises(BonawareError, match="noisy verifier"):
        get_verifier("noisy", get_task("arith"), **kwargs)
