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


def _import_verifier_modules(name: str | None = None) -> None:
    # Verifier modules register themselves on import. A verifier named ``x`` lives in
    # ``bonaware/verifiers/x.py`` (oracle, math, noisy, code, learned), so a new one needs no edit
    # here; with no name, every module is imported (for listing).
    import importlib
    import importlib.util
    import pkgutil

    import bonaware.verifiers as package

    if name is not None and name.isidentifier() and importlib.util.find_spec(f"bonaware.verifiers.{name}"):
        importlib.import_module(f"bonaware.verifiers.{name}")
        return
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _HELPER_MODULES:
            importlib.import_module(f"bonaware.verifiers.{info.name}")


_HELPER_MODULES = {"base", "metrics", "pool"}


def get_verifier(name: str, task: Task | None = None, **kwargs: Any) -> Verifier:
    """Build the verifier registered as ``name`` for ``task`` (``kwargs`` go to its constructor)."""
    if name not in _VERIFIERS:
        _import_verifier_modules(name)
    if name not in _VERIFIERS:
        _import_verifier_modules()
    if name not in _VERIFIERS:
        raise unknown_name("verifier", name, _VERIFIERS)
    return _VERIFIERS[name](task=task, **kwargs)


def list_verifiers() -> list[str]:
    """Names of all registered verifiers."""
    _import_verifier_modules()
    return sorted(_VERIFIERS)


def parse_verifier_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"noisy:target_auc=0.85:seed=1"`` → ``("noisy", {"target_auc": 0.85, "seed": 1})``.

    The one way every command names a verifier with its options (train, eval, demo); the whole
    spec string is also the verifier's label in samples files and reports.
    """
    from bonaware.config import parse_scalar
    from bonaware.errors import BonawareError

    name, *parts = spec.split(":")
    if not name:
        raise BonawareError(f"verifier {spec!r}: expected NAME or NAME:key=value[:key=value...]")
    kwargs: dict[str, Any] = {}
    for part in parts:
        if "=" not in part:
            raise BonawareError(f"verifier {spec!r}: {part!r} is not key=value")
        key, value = part.split("=", 1)
        kwargs[key.strip()] = parse_scalar(value.strip())
    return name, kwargs


def verifier_from_spec(spec: str, task: Task | None = None) -> Verifier:
    """Build the verifier named by ``spec`` (see :func:`parse_verifier_spec`) for ``task``."""
    name, kwargs = parse_verifier_spec(spec)
    return get_verifier(name, task, **kwargs)
