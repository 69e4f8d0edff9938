"""Input checks shared by the estimators: each failure names the argument (architecture.md)."""

from __future__ import annotations

import numbers

import numpy as np

from bonaware.errors import BonawareError


def as_rows(x, name: str) -> tuple[np.ndarray, bool]:
    """``[n]`` → ``([1, n], True)``; ``[P, n]`` → ``([P, n], False)``; anything else is an error."""
    arr = np.asarray(x)
    if arr.ndim not in (1, 2):
        raise BonawareError(f"{name} must be [n] (one prompt) or [prompts, n], got shape {arr.shape}")
    if arr.shape[-1] == 0:
        raise BonawareError(f"{name} has no samples (n = 0)")
    return (arr[None, :], True) if arr.ndim == 1 else (arr, False)


def finite_float(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise BonawareError(f"{name} must be numeric, got dtype {arr.dtype}")
    out = arr.astype(float)
    if not np.all(np.isfinite(out)):
        raise BonawareError(f"{name} contains NaN or inf")
    return out


def binary(arr: np.ndarray, name: str) -> np.ndarray:
    is_int = arr.dtype == bool or np.issubdtype(arr.dtype, np.integer)
    if is_int and arr.size and arr.min() >= 0 and arr.max() <= 1:  # fast path, no float compares
        return arr.astype(float)
    out = finite_float(arr, name)
    if not np.all((out == 0) | (out == 1)):
        raise BonawareError(f"{name} must be binary (0/1 or bool); found values like "
                            f"{out[(out != 0) & (out != 1)].flat[0]!r}")
    return out


def integers(x, name: str) -> np.ndarray:
    """An int64 array from ints or integer-valued floats (bools are rejected)."""
    arr = np.asarray(x)
    if arr.dtype == bool or arr.dtype == object and any(isinstance(v, bool) for v in arr.flat):
        raise BonawareError(f"{name} must be integers, got bools")
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    try:
        as_float = arr.astype(float)
    except (TypeError, ValueError):
        raise BonawareError(f"{name} must be integers, got {x!r}") from None
    if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
        raise BonawareError(f"{name} must be integers, got {x!r}")
    return as_float.astype(np.int64)


def ks_for(ks, n: int, name: str = "ks") -> np.ndarray:
    """1-D int array of subset sizes with 1 ≤ k ≤ n; ``None`` → every k in 1..n."""
    if ks is None:
        return np.arange(1, n + 1)
    arr = integers(ks, name)
    if arr.ndim > 1:
        raise BonawareError(f"{name} must be an int or a 1-D list of ints, got shape {arr.shape}")
    arr = arr.reshape(-1)
    if arr.size == 0:
        raise BonawareError(f"{name} is empty")
    if arr.min() < 1:
        raise BonawareError(f"{name} must be ≥ 1, got {int(arr.min())}")
    if arr.max() > n:
        raise BonawareError(f"{name} = {int(arr.max())} exceeds the number of samples n = {n} "
                            f"(an unbiased k-sample estimate needs n ≥ k)")
    return arr


def scalar_k(k, n: int) -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, numbers.Real)):
        raise BonawareError(f"k must be an integer, got {k!r}")
    return int(ks_for(k, n, "k")[0])
