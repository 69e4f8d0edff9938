"""The toy's methods and their exact expected gradients (docs/toy.md; docs/objectives/index.md).

Each method is a registered objective (``bonaware.objectives``) with a group size and parameters. Its
exact expected update on a tabular softmax policy is, as in :func:`bonaware.tabular.expected_weighted_score`,

    g(θ) = E_{y_1..n ∼ π_θ}[Σ_j w_j (e_{y_j} − π) + w_e (e_{y_e} − π)] = Σ_t P_θ(t)·(M_t − s_t·π),

summed over the n-samples t of :func:`bonaware.tabular.enumerate_samples` (multisets), with
M_t = Σ_j w_tj e_{y_tj} (+ the expert term) and s_t = Σ_j w_tj. The toy's weights depend only on the
samples' rewards and scores (empirical P̂_fail, no learned baseline), never on θ, so M and s are computed
once per method and every training step costs one [T]·[T, K] product per prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import softmax

from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective
from bonaware.tabular import SampleTable, enumerate_samples
from bonaware.toy.prompts import ToyPrompts


@dataclass(frozen=True)
class ToyMethod:
    """A trainable method: ``objective`` with group size 1 or N′ and parameters depending on N′."""

    objective: str
    label: str
    description: str
    uses_train_n: bool = True
    """Group size N′ (the BoN-aware methods) or 1 (RL N′=1, SFT)."""
    expert: bool = False
    """Needs an expert response y_e ∼ π* (SFT-type)."""
    params: Callable[[int], dict] = field(default=lambda N: {})


METHODS: dict[str, ToyMethod] = {
    "rl": ToyMethod("reinforce", "RL (N′=1)",
                    "REINFORCE on one sample, no baseline: E = ∇pass@1 (every unbiased RL baseline's expectation)",
                    uses_train_n=False, params=lambda N: {"baseline": "none"}),
    "sft": ToyMethod("sft", "SFT", "clone the expert y_e ∼ π*: E = E_π*[∇log π]", uses_train_n=False, expert=True),
    "bon_sft": ToyMethod("bon_sft", "BoN-SFT",
                         "paper Alg. 1 / Lemma 1, λ = λ_N′, sigmoid win rate: ≈ ∇ log π_bon(y_e) (Eq. 4)",
                         expert=True),
    "bon_rl_v": ToyMethod("bon_rl_v", "BoN-RL-V",
                          "paper Alg. 4 / Lemma 2 with the verifier as selector, no baseline: "
                          "E = Σ_y π_bon(y) R(y) ∇log π(y)"),
    "bon_rlb": ToyMethod("bon_rlb", "BoN-RLB",
                         "paper Alg. 3 / Lemma 3: R selects, ±g weights on the BoN sample, P̂_fail from the "
                         "group clipped to [0.01, 0.99]; E ≈ (1+p)/(1−p)·∇pass@N′"),
    "bon_rlb_p": ToyMethod("bon_rlb_p", "BoN-RLB(P)",
                           "paper Alg. 2 / Corollary 4: positives only, ḡ⁺(P̂_fail); E ≈ ∇pass@N′"),
    "pass_at_k": ToyMethod("pass_at_k", "exact ∇pass@N′", "unbiased ∇pass@N′ (k = n = N′): reference",
                           params=lambda N: {"k": N}),
    "bon_at_k": ToyMethod("bon_at_k", "exact ∇BoN@N′",
                          "unbiased ∇BoN@N′ under the verifier (k = n = N′, uniform ties): reference",
                          params=lambda N: {"k": N}),
}


@dataclass(frozen=True)
class ExpectedGradient:
    """θ ↦ the exact expected update g(θ) [P, K] of one method (module docstring)."""

    table: SampleTable
    M: np.ndarray
    """[P, T, K] Σ_j w_tj e_{y_tj} + w_e,t e_{y_e}, averaged over the expert outcome."""
    s: np.ndarray
    """[P, T] Σ_j w_tj + w_e,t."""

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        pi = softmax(logits, axis=1)
        prob = self.table.probabilities(pi)  # [P, T]
        return np.einsum("pt,ptk->pk", prob, self.M) - pi * np.einsum("pt,pt->p", prob, self.s)[:, None]


def _weight_sums(fn, params: dict, prompts: ToyPrompts, Y: np.ndarray, expert_outcome: int | None):
    """M [P, T, K] and s [P, T] for the sample rows ``Y`` [T, n] of every prompt (one objective call)."""
    P, K = prompts.rewards.shape
    T, n = Y.shape
    batch = GroupBatch(
        rewards=prompts.rewards[:, Y].reshape(P * T, n),
        scores=prompts.scores[:, Y].reshape(P * T, n),
        expert_scores=None if expert_outcome is None else np.repeat(prompts.scores[:, expert_outcome], T),
    )
    w = fn(batch, **params)
    sample = w.sample.reshape(P, T, n)
    M = np.einsum("ptj,tjk->ptk", sample, np.eye(K)[Y])
    s = sample.sum(axis=2)
    if w.expert is not None:
        if expert_outcome is None:
            raise BonawareError("the objective returned expert weights but the toy method has no expert")
        we = w.expert.reshape(P, T)
        M[:, :, expert_outcome] += we
        s = s + we
    return M, s


def compile_method(name: str, prompts: ToyPrompts, train_n: int) -> ExpectedGradient:
    """The exact expected-gradient operator of method ``name`` on ``prompts`` (weights computed once).

    Multisets evaluate one ordering per sample set, exact for permutation-equivariant weights; like
    ``expected_weighted_score`` this re-evaluates the reversed ordering and raises if anything changes.
    """
    if name not in METHODS:
        raise BonawareError(f"unknown toy method {name!r}; available: {', '.join(METHODS)}")
    spec = METHODS[name]
    fn = get_objective(spec.objective)
    params = spec.params(train_n)
    n = train_n if spec.uses_train_n else 1
    P, K = prompts.rewards.shape
    table = enumerate_samples(K, n, "multisets")

    def sums(Y):
        if not spec.expert:
            return _weight_sums(fn, params, prompts, Y, None)
        M, s = np.zeros((P, Y.shape[0], K)), np.zeros((P, Y.shape[0]))
        for e in np.flatnonzero(prompts.expert.max(axis=0) > 0):  # y_e ∼ π*: average over the expert outcome
            Me, se = _weight_sums(fn, params, prompts, Y, int(e))
            M += prompts.expert[:, e, None, None] * Me
            s += prompts.expert[:, e, None] * se
        return M, s

    M, s = sums(table.Y)
    if n > 1:
        M_rev, s_rev = sums(table.Y[:, ::-1])
        if not (np.allclose(M, M_rev, rtol=1e-9, atol=1e-12) and np.allclose(s, s_rev, rtol=1e-9, atol=1e-12)):
            raise BonawareError(f"toy method {name!r}: weights are not permutation-equivariant")
    return ExpectedGradient(table, M, s)
