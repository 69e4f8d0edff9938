"""Confidence intervals over prompts: seeded percentile bootstrap (prior-art.md §8 item 2).

Prompts are the unit of resampling: the per-prompt estimates (pass@k, BoN@k, maj@k of each
prompt) are already exact expectations over that prompt's samples, so the remaining uncertainty
is which prompts were drawn. Resampling *samples* instead would mix the two sources.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators._checks import finite_float

_CHUNK_CELLS = 1 << 22  # bootstrap replicates × prompts per matmul chunk (~32 MB of counts)


class ConfidenceInterval(NamedTuple):
    """Mean over prompts and a two-sided percentile interval; floats, or [K] for [P, K] input."""

    mean: float | np.ndarray
    lo: float | np.ndarray
    hi: float | np.ndarray


def _values(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise BonawareError(f"{name} must be [prompts] or [prompts, K] with at least one prompt, "
                            f"got shape {arr.shape}")
    return finite_float(arr, name)


def check_boot(level: float, n_boot: int) -> None:
    """The shared checks of ``level`` and ``n_boot`` (every bootstrap function here)."""
    if not 0.0 < float(level) < 1.0:
        raise BonawareError(f"level must be in (0, 1), got {level}")
    if int(n_boot) != n_boot or n_boot < 1:
        raise BonawareError(f"n_boot must be a positive integer, got {n_boot}")


def prompt_draws(P: int, n_boot: int, seed: int):
    """Yield ``(idx [b, P], counts)`` chunks of the bootstrap's prompt draws: ``idx`` are the prompts
    drawn with replacement, ``counts()`` their multiplicities as floats. The stream depends only on
    (P, n_boot, seed), so every function that draws prompts this way resamples the *same* prompts."""
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // P)
    for start in range(0, int(n_boot), chunk):
        b = min(chunk, int(n_boot) - start)
        idx = rng.integers(0, P, size=(b, P), dtype=np.int64 if P >= 2**31 else np.int32)

        def counts(idx=idx, b=b) -> np.ndarray:
            # how often each prompt is drawn per replicate: one matmul then serves all columns
            flat = (np.arange(b, dtype=np.int64)[:, None] * P + idx).ravel()
            return np.bincount(flat, minlength=b * P).reshape(b, P).astype(float)

        yield idx, counts


def percentile(boot: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided percentile interval of bootstrap replicates ``boot`` [B, ...]."""
    alpha = (1.0 - float(level)) / 2.0
    lo, hi = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def _percentile_ci(v: np.ndarray, level: float, n_boot: int, seed: int) -> ConfidenceInterval:
    check_boot(level, n_boot)
    P = v.shape[0]
    means = []
    for idx, counts in prompt_draws(P, n_boot, seed):
        means.append(v[idx].mean(axis=1) if v.ndim == 1 else counts() @ v / P)
    lo, hi = percentile(np.concatenate(means, axis=0), level)
    mean = v.mean(axis=0)
    if v.ndim == 1:
        return ConfidenceInterval(float(mean), float(lo), float(hi))
    return ConfidenceInterval(mean, lo, hi)


def bootstrap_ci(values, *, level: float = 0.95, n_boot: int = 4000, seed: int = 0) -> ConfidenceInterval:
    """Mean of per-prompt ``values`` ([P] or [P, K]) with a percentile-bootstrap CI over prompts.

    Cost O(n_boot · P) random draws: ≈0.2 s for 10^4 prompts, ≈2 s for 10^5 (defaults, 1-D).

    Columns of a [P, K] input (e.g. one per k) are resampled jointly, so a whole curve shares
    the same bootstrap draws. Seeded: the same ``seed`` gives the same interval.
    """
    return _percentile_ci(_values(values, "values"), level, n_boot, seed)


def paired_difference(a, b, *, level: float = 0.95, n_boot: int = 4000, seed: int = 0) -> ConfidenceInterval:
    """Mean of ``a − b`` over the same prompts, with a paired-bootstrap CI (prompts resampled
    together for both methods, which cancels the shared prompt difficulty).

    ``a`` and ``b``: [P] or [P, K], same shape, row i = the same prompt. A CI that excludes 0
    means the difference is significant at ``level``.
    """
    va, vb = _values(a, "a"), _values(b, "b")
    if va.shape != vb.shape:
        raise BonawareError(f"a has shape {va.shape} but b has {vb.shape}; they must be the same prompts")
    return _percentile_ci(va - vb, level, n_boot, seed)
