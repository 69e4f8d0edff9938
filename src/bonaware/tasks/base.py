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

from bonaware.errors import unknown_name


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

    def problems(self, split: Literal["train", "test"] = "test", n: int | None = None, seed: int = 0) -> list[Problem]:
        """The problems of ``split`` (at most ``n``, a seeded choice when ``n`` is smaller)."""
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

    def extract_answer(self, completion: str) -> str | None:
        """The final answer in ``completion`` (None when there is none)."""
        raise NotImplementedError

    def expert_solution(self, problem: Problem) -> str | None:
        """A correct completion for ``problem`` (expert data for SFT), or None if unavailable."""
        return None


_TASKS: dict[str, Callable[..., Task]] = {}


def register_task(name: str) -> Callable[[Callable[..., Task]], Callable[..., Task]]:
    """Decorator: register a task factory under ``name``."""

    def deco(factory: Callable[..., Task]) -> Callable[..., Task]:
        _TASKS[name] = factory
        return factory

    return deco


def get_task(name: str, **kwargs: Any) -> Task:
    """Build the task registered as ``name`` (clear error listing the names for an unknown one)."""
    if name not in _TASKS:
        raise unknown_name("task", name, _TASKS)
    return _TASKS[name](**kwargs)


def list_tasks() -> list[str]:
    """Names of all registered tasks."""
    return sorted(_TASKS)
