"""Deterministic, seeded train/val/test partitions shared by every task.

A problem's split is a function of its key and a seed only (a SHA-256 hash mapped to [0, 1)), so
it never depends on file order, on how many problems are requested, or on the Python hash seed.

Three splits, with one discipline (docs/statistics.md): ``train`` is what training samples prompts
from; ``val`` is where every tuning decision is made (learning rate, steps, temperature, families,
thresholds); ``test`` is touched only for final numbers. :func:`assign_split` maps a key's hash
``u`` to ``test`` when ``u < test_fraction``, to ``val`` when ``u < test_fraction + val_fraction``,
else to ``train``, so the three are disjoint by construction and a key never changes split when
``n`` (the number of problems asked for) changes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from bonaware.errors import BonawareError

T = TypeVar("T")
Split = Literal["train", "val", "test"]
#: the split names, in the order reports list them
SPLITS: tuple[Split, ...] = ("train", "val", "test")


def unit_hash(*parts: Any) -> float:
    """A uniform number in [0, 1) determined by ``parts`` (stable across runs and machines)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def check_fractions(test_fraction: float, val_fraction: float, where: str) -> None:
    """Both shares in [0, 1] and summing to at most 1, or a clear error naming ``where``."""
    for name, value in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0.0 <= value <= 1.0:
            raise BonawareError(f"{where}: {name} must be in [0, 1], got {value}")
    if test_fraction + val_fraction > 1.0:
        raise BonawareError(f"{where}: test_fraction + val_fraction must be <= 1, got "
                            f"{test_fraction} + {val_fraction}")


def split_of_unit(u: float, test_fraction: float, val_fraction: float) -> Split:
    """The split of a key whose hash is ``u``: test below ``test_fraction``, val in the next
    ``val_fraction``, train above."""
    if u < test_fraction:
        return "test"
    return "val" if u < test_fraction + val_fraction else "train"


def assign_split(key: str, test_fraction: float, val_fraction: float = 0.0, seed: int = 0) -> Split:
    """The split of ``key``: a ``test_fraction`` share of keys go to test and a ``val_fraction``
    share to val (chosen by hash with ``seed``), the rest to train."""
    return split_of_unit(unit_hash("split", seed, key), test_fraction, val_fraction)


def val_or_train(key: str, val_fraction: float, seed: int = 0) -> Split:
    """For a key its source puts in train (e.g. a dataset's train file): ``val`` for a
    ``val_fraction`` share of such keys (by hash with ``seed``), else ``train``."""
    return "val" if unit_hash("val", seed, key) < val_fraction else "train"


def check_split(split: str, where: str) -> Split:
    """``split`` itself, or a clear error naming ``where``."""
    if split not in SPLITS:
        raise BonawareError(f"{where}: split must be one of {', '.join(SPLITS)}; got {split!r}")
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
