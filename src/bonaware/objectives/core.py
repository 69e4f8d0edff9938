"""Data types, input validation and the registry shared by every objective (docs/architecture.md).

An objective is a pure function ``fn(batch: GroupBatch, **params) -> Weights``. It never sees
token-level data: the trainer computes sequence log-probs and forms
``loss = -(1/P) Σ_i [Σ_j w.sample[i, j] · log π(y_ij|x_i) + w.expert[i] · log π(y_e,i|x_i)]``.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bonaware.errors import BonawareError, unknown_name


def _float_array(value, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BonawareError(f"GroupBatch.{name} must be numeric: {exc}") from None
    if arr.ndim != ndim:
        want = "[P, n] (prompts × samples)" if ndim == 2 else "[P] (one value per prompt)"
        hint = "; for one prompt pass x[None, :]" if ndim == 2 and arr.ndim == 1 else ""
        raise BonawareError(f"GroupBatch.{name} must have shape {want}, got shape {arr.shape}{hint}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise BonawareError(f"GroupBatch.{name} contains NaN/inf (first at index {bad})")
    return arr


@dataclass(frozen=True)
class GroupBatch:
    """One training step's groups: ``P`` prompts with ``n`` i.i.d. samples each.

    Arrays are converted to float64 and validated on construction (shape, NaN/inf, rewards in {0, 1}).
    """

    rewards: np.ndarray
    """[P, n] environment reward R ∈ {0, 1} of sample j of prompt i."""
    scores: np.ndarray | None = None
    """[P, n] verifier score r (higher is better); ``None`` → the rewards are used as scores."""
    p_fail: np.ndarray | None = None
    """[P] external estimate of P_fail(x) (e.g. a value head); ``None`` → 1 − mean reward of the group."""
    baseline: np.ndarray | None = None
    """[P] value baseline b(x) for REINFORCE-style methods."""
    expert_scores: np.ndarray | None = None
    """[P] verifier score of the expert (dataset) response y_e,i (BoN-SFT)."""
    answers: np.ndarray | None = None
    """[P, n] extracted final answers (any hashable; ``None`` = no answer) for majority voting."""

    def __post_init__(self) -> None:
        rewards = _float_array(self.rewards, "rewards", 2)
        P, n = rewards.shape
        if P < 1 or n < 1:
            raise BonawareError(
                f"GroupBatch.rewards must have P >= 1 prompts and n >= 1 samples, got {rewards.shape}"
            )
        if not np.all((rewards == 0.0) | (rewards == 1.0)):
            bad = tuple(int(i) for i in np.argwhere((rewards != 0.0) & (rewards != 1.0))[0])
            raise BonawareError(
                f"GroupBatch.rewards must be binary (0/1), got {rewards[bad]!r} at index {bad}; "
                "put continuous verifier outputs in GroupBatch.scores"
            )
        object.__setattr__(self, "rewards", rewards)
        if self.scores is not None:
            scores = _float_array(self.scores, "scores", 2)
            if scores.shape != rewards.shape:
                raise BonawareError(
                    f"GroupBatch.scores has shape {scores.shape}, rewards have {rewards.shape}"
                )
            object.__setattr__(self, "scores", scores)
        for name in ("p_fail", "baseline", "expert_scores"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = _float_array(value, name, 1)
            if arr.shape != (P,):
                raise BonawareError(
                    f"GroupBatch.{name} must have shape ({P},) (one per prompt), got {arr.shape}"
                )
            object.__setattr__(self, name, arr)
        if self.p_fail is not None and np.any((self.p_fail < 0) | (self.p_fail > 1)):
            raise BonawareError(
                f"GroupBatch.p_fail must lie in [0, 1], got range [{self.p_fail.min()}, {self.p_fail.max()}]"
            )
        if self.answers is not None:
            answers = np.asarray(self.answers, dtype=object)
            if answers.shape != rewards.shape:
                raise BonawareError(
                    f"GroupBatch.answers has shape {answers.shape}, rewards have {rewards.shape}"
                )
            object.__setattr__(self, "answers", answers)

    @property
    def num_prompts(self) -> int:
        return self.rewards.shape[0]

    @property
    def group_size(self) -> int:
        return self.rewards.shape[1]

    @property
    def selector(self) -> np.ndarray:
        """Ranking scores for BoN selection: ``scores`` if given, else ``rewards`` (paper.md §3.2)."""
        return self.rewards if self.scores is None else self.scores


@dataclass
class Weights:
    """Per-sample coefficients of the sequence log-probs in the trainer's loss (weights are constants)."""

    sample: np.ndarray
    """[P, n] coefficient of ∇log π(y_ij|x_i)."""
    expert: np.ndarray | None = None
    """[P] coefficient of ∇log π(y_e,i|x_i) (SFT-type methods), else ``None``."""
    stats: dict[str, float] = field(default_factory=dict)
    """Diagnostics for logging (fraction of zero-information groups, mean |w|, clipped fraction, ...)."""


def needs_logprob_mask(weights: Weights) -> np.ndarray:
    """[P, n] bool: samples with a nonzero coefficient; the trainer may skip the others' forward passes."""
    return np.asarray(weights.sample) != 0.0


# ---------------------------------------------------------------------------------------------------------
# validation helpers shared by the objective modules


def check_int(value, name: str, minimum: int = 1) -> int:
    """An integer ≥ ``minimum`` (integral floats accepted), else BonawareError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer():
        raise BonawareError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise BonawareError(f"{name} must be an integer >= {minimum}, got {int(value)}")
    return int(value)


def check_k(k, n: int) -> int:
    """1 ≤ k ≤ n (the group must hold at least k samples)."""
    k = check_int(k, "k")
    if k > n:
        raise BonawareError(
            f"k = {k} exceeds the group size n = {n}; an unbiased estimate needs n >= k samples"
        )
    return k


def check_choice(value, name: str, choices: Sequence) -> Any:
    if value not in choices:
        raise BonawareError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_real(value, name: str, *, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise BonawareError(f"{name} must be a finite number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise BonawareError(f"{name} must lie in [{low}, {high}], got {value!r}")
    return float(value)


def as_2d(values, name: str) -> np.ndarray:
    """A finite float64 [P, n] array (used by the functional ``*_weights`` entry points)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or 0 in arr.shape:
        raise BonawareError(f"{name} must be a non-empty [P, n] array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise BonawareError(f"{name} contains NaN/inf")
    return arr


def check_binary(arr: np.ndarray, name: str) -> np.ndarray:
    if not np.all((arr == 0.0) | (arr == 1.0)):
        raise BonawareError(f"{name} must be binary (0/1) for this objective")
    return arr


def group_stats(rewards: np.ndarray, sample: np.ndarray, expert: np.ndarray | None = None, **extra) -> dict:
    """Standard diagnostics: zero-information groups (all correct / all wrong) and weight sizes."""
    mean = rewards.mean(axis=1)
    stats = {
        "frac_zero_info_groups": float(np.mean((mean == 0.0) | (mean == 1.0))),
        "frac_all_correct": float(np.mean(mean == 1.0)),
        "frac_all_wrong": float(np.mean(mean == 0.0)),
        "mean_reward": float(rewards.mean()),
        "mean_abs_weight": float(np.abs(sample).mean()),
        "max_abs_weight": float(np.abs(sample).max()),
        "frac_nonzero_weight": float(np.mean(sample != 0.0)),
    }
    if expert is not None:
        stats["mean_expert_weight"] = float(np.mean(expert))
    stats.update({k: float(v) for k, v in extra.items()})
    return stats


# ---------------------------------------------------------------------------------------------------------
# registry (verl-style decorator; string keys in configs)

_BATCH_FIELDS = ("scores", "p_fail", "baseline", "expert_scores", "answers")


@dataclass(frozen=True)
class ObjectiveInfo:
    """What :func:`objective_info` reports about a registered objective."""

    name: str
    description: str
    needs: tuple[str, ...]
    """GroupBatch fields that must be set (``rewards`` is always required)."""
    params: dict[str, Any]
    """Keyword parameters and their defaults."""
    doc: str = ""


@dataclass(frozen=True)
class _Entry:
    fn: Callable[..., Weights]
    info: ObjectiveInfo


_REGISTRY: dict[str, _Entry] = {}


def register_objective(name: str, *, description: str, needs: Sequence[str] = ()):
    """Decorator: register ``fn(batch, **params) -> Weights`` under ``name``.

    ``needs`` names the optional GroupBatch fields the objective cannot work without; the callable
    returned by :func:`get_objective` checks them and rejects unknown parameters.
    """
    for f in needs:
        if f not in _BATCH_FIELDS:
            raise BonawareError(f"register_objective({name!r}): unknown GroupBatch field {f!r} in needs")

    def deco(fn: Callable[..., Weights]) -> Callable[..., Weights]:
        if name in _REGISTRY:
            raise BonawareError(f"objective {name!r} is already registered")
        sig = inspect.signature(fn)
        params = {p.name: p.default for p in list(sig.parameters.values())[1:] if p.kind == p.KEYWORD_ONLY}
        info = ObjectiveInfo(name, description, tuple(needs), params, inspect.getdoc(fn) or "")
        _REGISTRY[name] = _Entry(fn, info)
        return fn

    return deco


def get_objective(name: str) -> Callable[..., Weights]:
    """The objective registered as ``name``: ``f(batch, **params) -> Weights`` with checked inputs."""
    if name not in _REGISTRY:
        raise unknown_name("objective", name, _REGISTRY)
    entry = _REGISTRY[name]

    def objective(batch: GroupBatch, **params) -> Weights:
        if not isinstance(batch, GroupBatch):
            raise BonawareError(f"objective {name!r} expects a GroupBatch, got {type(batch).__name__}")
        unknown = sorted(set(params) - set(entry.info.params))
        if unknown:
            known = ", ".join(entry.info.params) or "none"
            raise BonawareError(f"objective {name!r} got unknown parameter(s) {unknown}; accepted: {known}")
        missing = [f for f in entry.info.needs if getattr(batch, f) is None]
        if missing:
            raise BonawareError(f"objective {name!r} needs GroupBatch field(s) {missing}")
        return entry.fn(batch, **params)

    objective.__name__ = name
    objective.__doc__ = entry.info.doc
    return objective


def list_objectives() -> list[str]:
    """Names of all registered objectives, sorted."""
    return sorted(_REGISTRY)


def check_params(name: str, n: int, **params) -> None:
    """Raise now the :class:`BonawareError` that ``params`` would raise at the first training step: the
    objective runs once on a small valid batch (2 prompts × ``n`` samples, every field filled in).
    Trainers call it before writing any output."""
    rewards = np.tile(np.arange(n) % 2, (2, 1)).astype(np.float64)
    scores = np.tile(np.linspace(0.0, 1.0, n), (2, 1))
    batch = GroupBatch(rewards=rewards, scores=scores, p_fail=np.full(2, 0.5), baseline=np.zeros(2),
                       expert_scores=np.full(2, 0.5), answers=np.full((2, n), "1", dtype=object))
    get_objective(name)(batch, **params)


def objective_info(name: str) -> ObjectiveInfo:
    """Description, needed GroupBatch fields and parameters (with defaults) of a registered objective."""
    if name not in _REGISTRY:
        raise unknown_name("objective", name, _REGISTRY)
    return _REGISTRY[name].info
