"""Deterministic, seeded train/test partitions shared by every task.

A problem's split is a function of its key and a seed only (a SHA-256 hash mapped to [0, 1)), so
it never depends on file order, on how many problems are requested, or on the Python hash seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from bonaware.errors import BonawareError

T = TypeVar("T")
Split = Literal["train", "test"]


def unit_hash(*parts: Any) -> float:
    """A uniform number in [0, 1) determined by ``parts`` (stable across runs and machines)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def hash_split(key: str, test_fraction: float, seed: int = 0) -> Split:
    """``"test"`` for a ``test_fraction`` share of keys (chosen by hash with ``seed``), else ``"train"``."""
    return "test" if unit_hash("split", seed, key) < test_fraction else "train"


def check_split(split: str, where: str) -> Split:
    """``split`` itself, or a clear error naming ``where``."""
    if split not in ("train", "test"):
        raise BonawareError(f"{where}: split must be 'train' or 'test', got {split!r}")
    return split  # type: ignore[return-value]


def seeded_subset(pool: Sequence[T], n: int | None, seed: int, where: str) -> list[T]:
    """All of ``pool`` when ``n`` is None or ≥ its size, else ``n`` items chosen with ``seed``,
    kept in pool order."""
    if n is None or n >= len(pool):
        return list(pool)
    if n < 0:
        raise BonawareError(f"{where}: n must be >= 0, got {n}")
    keep = sorted(random.Random(seed).sample(range(len(pool)), n))
    return [pool[i] for i in keep]
