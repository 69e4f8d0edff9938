"""Verifier interface and registry (paper.md §1: environment reward R vs verifier score r).

A verifier judges completions of a task's problems and returns one :class:`Verdict` per completion:
``correct`` is the environment reward R ∈ {0, 1} where the verifier knows it (oracle, math, code),
``score`` is the ranking score r used for Best-of-N selection (higher is better), and ``status``
says how the verdict was reached (``"ok"``, ``"timeout"``, ``"parse_error"``, ``"no_answer"`` ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bonaware.errors import unknown_name
from bonaware.tasks.base import Problem, Task


@dataclass(frozen=True)
class Verdict:
    """The judgement of one completion: ranking score r, correctness R, and how it was reached."""

    score: float
    correct: bool
    status: str = "ok"


class Verifier:
    """Base class. Subclasses implement :meth:`score`; ``name`` is the registry key."""

    name: str = ""

    def __init__(self, task: Task | None = None, **kwargs: Any):
        self.task = task

    def score(self, problems: Sequence[Problem], completions: Sequence[Sequence[str]]) -> list[list[Verdict]]:
        """Judge ``completions[i][j]`` (the j-th completion of ``problems[i]``)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release worker pools; verifiers are also context managers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_VERIFIERS: dict[str, Callable[..., Verifier]] = {}


def register_verifier(name: str) -> Callable[[Callable[..., Verifier]], Callable[..., Verifier]]:
    """Decorator: register a verifier factory under ``name``."""

    def deco(factory: Callable[..., Verifier]) -> Callable[..., Verifier]:
        _VERIFIERS[name] = factory
        return factory

    return deco


def get_verifier(name: str, task: Task | None = None, **kwargs: Any) -> Verifier:
    """Build the verifier registered as ``name`` for ``task``."""
    if name not in _VERIFIERS:
        raise unknown_name("verifier", name, _VERIFIERS)
    return _VERIFIERS[name](task=task, **kwargs)


def list_verifiers() -> list[str]:
    """Names of all registered verifiers."""
    return sorted(_VERIFIERS)
