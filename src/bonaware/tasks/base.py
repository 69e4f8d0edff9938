"""Task interface and registry: prompts with ground truth (paper.md §4: MATH, MBPP/HumanEval).

A task yields :class:`Problem` objects for an explicit, seeded split, formats them into model
prompts, extracts final answers from completions, and (where it can) writes an expert solution for
SFT / BoN-SFT. Tasks are looked up by name with :func:`get_task`; new ones register with
:func:`register_task`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bonaware.errors import BonawareError, build_registered, unknown_name


@dataclass(frozen=True)
class Problem:
    """One prompt with its ground truth.

    Attributes:
        id: stable unique id within the task (e.g. ``"arith/add1/17"``, ``"HumanEval/0"``).
        prompt: the question text, before any chat template.
        answer: the ground-truth final answer (math) or ``""`` for code tasks.
        meta: task-specific data (``difficulty``, ``tests``, ``entry_point``, ``solution`` ...).
    """

    id: str
    prompt: str
    answer: str
    meta: dict[str, Any] = field(default_factory=dict)


class Task:
    """Base class for tasks. Subclasses set ``name``, ``kind`` and implement :meth:`problems`."""

    name: str = ""
    kind: Literal["math", "code"] = "math"
    #: the verifier that judges this task's completions by default
    default_verifier: str = "math"
    #: ``"number"`` when every answer is a plain number compared exactly (verifiers then skip
    #: math-verify), ``"math"`` for LaTeX answers (math-verify), ``"exact"`` for answers compared as
    #: text (the ``exact`` verifier), ``"code"`` for programs
    answer_type: Literal["number", "math", "exact", "code"] = "math"

    def problems(self, split: Literal["train", "val", "test"] = "test", n: int | None = None,
                 seed: int = 0) -> list[Problem]:
        """The problems of ``split`` — ``train``, ``val`` (tuning) or ``test`` (final numbers only),
        disjoint by content — at most ``n``, a seeded choice when ``n`` is smaller."""
        raise NotImplementedError

    def format_prompt(self, problem: Problem, tokenizer: Any = None) -> str:
        """The text fed to the model; applies the tokenizer's chat template when it has one."""
        text = self.instruction(problem)
        template = getattr(tokenizer, "chat_template", None) if tokenizer is not None else None
        if template:
            return tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
            )
        return text

    def instruction(self, problem: Problem) -> str:
        """The user message for ``problem`` (no chat template)."""
        return problem.prompt

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        """Strings that end a completion for the prompt :meth:`format_prompt` gives ``tokenizer``
        (besides EOS); e.g. ``["\\n"]`` for arith's plain format. Samplers should stop on them."""
        return []

    def extract_answer(self, completion: str) -> str | None:
        """The final answer in ``completion`` (None when there is none)."""
        raise NotImplementedError

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str | None:
        """A correct completion for ``problem`` (expert data for SFT), or None if unavailable.

        ``tokenizer`` is the one given to :meth:`format_prompt`, for tasks whose completion format
        depends on it (``arith``: plain vs chat); other tasks ignore it.
        """
        return None

    def empty_split_error(self, split: str) -> BonawareError:
        """The error for a command that needs problems from ``split`` when it has none."""
        return BonawareError(f"task {self.name!r} has no {split} problems")

    def get_problem(self, problem_id: str) -> Problem:
        """The problem with id ``problem_id`` from any split (``BonawareError`` if there is none)."""
        index = getattr(self, "_id_index", None)
        if index is None:
            index = {p.id: p for split in ("train", "val", "test") for p in self.problems(split)}
            self._id_index = index
        if problem_id not in index:
            raise BonawareError(f"task {self.name!r} has no problem with id {problem_id!r}")
        return index[problem_id]


_TASKS: dict[str, Callable[..., Task]] = {}


def register_task(name: str) -> Callable[[Callable[..., Task]], Callable[..., Task]]:
    """Decorator: register a task factory under ``name``."""

    def deco(factory: Callable[..., Task]) -> Callable[..., Task]:
        _TASKS[name] = factory
        return factory

    return deco


def _import_task_modules() -> None:
    # Task modules register themselves on import; importing them all here means a new module under
    # bonaware/tasks/ is found without editing any list (they import heavy libraries lazily).
    import importlib
    import pkgutil

    import bonaware.tasks as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("base", "answers"):
            importlib.import_module(f"bonaware.tasks.{info.name}")


def get_task(name: str, **kwargs: Any) -> Task:
    """Build the task registered as ``name`` (clear error listing the names for an unknown one)."""
    if name not in _TASKS:
        _import_task_modules()
    if name not in _TASKS:
        raise unknown_name("task", name, _TASKS)
    return build_registered("task", name, _TASKS[name], **kwargs)


def list_tasks() -> list[str]:
    """Names of all registered tasks."""
    _import_task_modules()
    return sorted(_TASKS)
