"""``noisy``: a verifier of controlled quality, for the verifier-quality ablation (paper.md §4).

The true correctness R comes from the task's checker (its default verifier); the *score* is made
noisy in one of two ways:

* ``target_auc`` — r = d·R + z with z ~ N(0, 1) and d = √2 · Φ⁻¹(AUC). For a correct (+) and an
  incorrect (−) completion, r⁺ − r⁻ ~ N(d, 2), so P(r⁺ > r⁻) = Φ(d/√2) = AUC: the ROC-AUC of r
  against R equals the target in expectation. AUC = 0.5 is a useless verifier; AUC < 0.5 an
  adversarial one.
* ``flip_rate`` — r = R XOR F with F ~ Bernoulli(flip_rate): a binary verifier that is wrong on a
  ``flip_rate`` share of completions; its ROC-AUC is 1 − flip_rate (ties count ½).

The noise is a deterministic function of (seed, problem id, completion text): the same completion
always gets the same score, across batches, processes and runs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

from scipy.special import ndtri

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, Task
from bonaware.verifiers.base import Verdict, Verifier, get_verifier, register_verifier


def auc_to_separation(auc: float) -> float:
    """d = √2 · Φ⁻¹(AUC), the mean score gap giving ROC-AUC ``auc`` under unit Gaussian noise."""
    return math.sqrt(2.0) * float(ndtri(auc))


def _uniform(seed: int, problem_id: str, completion: str) -> float:
    """A uniform number in (0, 1) fixed by its arguments (SHA-256; never exactly 0 or 1)."""
    h = hashlib.sha256()
    for part in (str(seed), problem_id, completion):
        h.update(part.encode())
        h.update(b"\x00")  # separator: ("ab", "c") and ("a", "bc") must differ
    return (int.from_bytes(h.digest()[:8], "big") + 0.5) / 2**64


@register_verifier("noisy")
class NoisyVerifier(Verifier):
    """Ground truth plus controlled noise; give exactly one of ``target_auc`` and ``flip_rate``.

    Args:
        task: the task; its default verifier (or ``truth``) supplies the true correctness.
        target_auc: the ROC-AUC the scores should have, in (0, 1).
        flip_rate: probability of reporting the wrong binary verdict, in [0, 1].
        seed: noise seed.
        truth: name of the verifier giving the true correctness (default: the task's).
        kwargs: passed to the truth verifier (e.g. ``workers``, ``timeout``).
    """

    name = "noisy"

    def __init__(self, task: Task | None = None, target_auc: float | None = None,
                 flip_rate: float | None = None, seed: int = 0, truth: str | None = None, **kwargs: Any):
        super().__init__(task)
        if (target_auc is None) == (flip_rate is None):
            raise BonawareError("noisy verifier: give exactly one of target_auc and flip_rate")
        if target_auc is not None and not 0.0 < float(target_auc) < 1.0:
            raise BonawareError(f"noisy verifier: target_auc must be in (0, 1), got {target_auc} "
                                "(use the oracle verifier for AUC = 1)")
        if flip_rate is not None and not 0.0 <= float(flip_rate) <= 1.0:
            raise BonawareError(f"noisy verifier: flip_rate must be in [0, 1], got {flip_rate}")
        if task is None and truth is None:
            raise BonawareError("noisy verifier: needs a task (or truth=<verifier name>)")
        self.target_auc = None if target_auc is None else float(target_auc)
        self.flip_rate = None if flip_rate is None else float(flip_rate)
        self.seed = int(seed)
        self.truth = get_verifier(truth or task.default_verifier, task, **kwargs)

    def noisy_score(self, problem_id: str, completion: str, correct: bool) -> float:
        """The score of one completion given its true correctness (deterministic)."""
        u = _uniform(self.seed, problem_id, completion)
        if self.flip_rate is not None:
            return float(correct != (u < self.flip_rate))
        return auc_to_separation(self.target_auc) * float(correct) + float(ndtri(u))

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        truth = self.truth.score(problems, completions)
        return [[Verdict(self.noisy_score(p.id, c, v.correct), v.correct, v.status) for c, v in zip(row, vs)]
                for p, row, vs in zip(problems, completions, truth)]

    def close(self) -> None:
        self.truth.close()
