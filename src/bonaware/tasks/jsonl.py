"""``jsonl``: your own data as a task, no code — any JSONL / JSON list / Parquet file, fields mapped by name.

    --task jsonl --task_args path=data.jsonl,prompt=question,answer=solution,checker=math

Options (all ``--task_args`` keys; the file and split options are :class:`~bonaware.tasks.files.FileTask`'s):

* ``path`` — the data file; ``train_path``, ``test_fraction``, ``val_fraction``, ``split_seed`` choose
  the splits by the rule every file task uses (:mod:`bonaware.tasks.files`): by default every row of
  ``path`` is ``test``; with ``train_path`` its rows are ``train`` except a hashed ``val_fraction``
  share (default 0.1) that is ``val``; with ``test_fraction`` the rows of ``path`` are partitioned by
  a SHA-256 hash of the problem id and ``split_seed`` (``test_fraction`` test, ``val_fraction`` val,
  the rest train). Deterministic, independent of file order when ids come from an ``id`` field.
* field names: ``prompt`` (default ``prompt``), ``answer`` (``answer``), ``tests`` (``tests``, code
  only: a string of Python asserts or a list of them), ``setup`` (code run before the tests),
  ``solution`` (a worked solution for SFT methods), ``id`` (problem ids; default the row number).
* ``checker`` — how the environment reward R is computed:

  - ``math`` (default): ``math-verify`` on the final answer, which must be anchored (``\\boxed{}``
    or "the answer is"); LaTeX and numbers alike (the ``math`` verifier).
  - ``number``: the last stated number compared exactly with the gold number (GSM8K-style; the
    ``math`` verifier's exact path). Every gold answer must be a number.
  - ``exact``: the final answer text (``\\boxed{}``, else after "the answer is", else the first
    line) equals the gold answer after whitespace normalisation (the ``exact`` verifier).
  - ``code``: the completion's code must pass the row's tests in the sandbox (the ``code`` verifier).

* ``instruction`` — text appended to each prompt on a new line, or a template holding ``{prompt}``;
  ``instruction=none`` sends the prompt verbatim. Default: the checker's ("put your final answer
  within \\boxed{}" for ``math``; "The answer is <number>." for ``number``; "The answer is <answer>."
  for ``exact``; a Python code block for ``code``).

Ids are ``jsonl/<id>`` (``jsonl/<row>`` / ``jsonl/train/<row>`` without ``id``). Every error names
``file:line`` and the field, and says which ``--task_args`` key maps it.
"""

from __future__ import annotations

from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.answers import answer_is_text, extract_number, last_boxed, normalize_number
from bonaware.tasks.base import Problem, register_task
from bonaware.tasks.coding import CodeTask, extract_code, has_chat_template
from bonaware.tasks.files import FileTask
from bonaware.tasks.math_datasets import MATH_INSTRUCTION

CHECKERS = ("math", "number", "exact", "code")
#: the instruction appended to every prompt unless ``instruction=`` is given
INSTRUCTIONS = {
    "math": MATH_INSTRUCTION,
    "number": 'Solve it step by step, then write "The answer is <number>."',
    "exact": 'End with a line "The answer is <answer>."',
    "code": "Reply with the Python code in a ```python code block.",
}
_UNSET: Any = object()


def first_line(text: str) -> str | None:
    """The first non-empty line of ``text``, stripped; None when there is none."""
    return next((line.strip() for line in text.splitlines() if line.strip()), None)


class JsonlTask(FileTask):
    """A task read from a user's file with mapped field names (see the module docstring).

    ``checker`` picks the verifier, the answer type and the default instruction; ``code`` builds a
    :class:`JsonlCodeTask` (via :func:`make_jsonl_task`).
    """

    name = "jsonl"
    schema = ("one object per row: a prompt field and an answer field (or tests for checker=code); "
              "name them with prompt=FIELD,answer=FIELD")

    def __init__(self, path: str | None = None, train_path: str | None = None, test_fraction: float | None = None,
                 split_seed: int = 0, val_fraction: float | None = None, *, checker: str = "math",
                 prompt: str = "prompt", answer: str = "answer", tests: str = "tests", setup: str | None = None,
                 solution: str | None = None, id: str | None = None, instruction: str | None = _UNSET):
        if checker not in CHECKERS:
            raise BonawareError(f"jsonl: checker must be one of {', '.join(CHECKERS)}; got {checker!r}")
        super().__init__(path, train_path, test_fraction, split_seed, val_fraction)
        self.checker = checker
        self.answer_type = {"math": "math", "number": "number", "exact": "exact", "code": "code"}[checker]
        if checker != "code":
            self.default_verifier = "math" if checker in ("math", "number") else "exact"
        self.fields = {"prompt": prompt, "answer": answer, "tests": tests, "setup": setup, "solution": solution,
                       "id": id}
        for key, value in self.fields.items():
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise BonawareError(f"jsonl: {key}= must name a field, got {value!r}")
        self.custom_instruction = instruction is not _UNSET
        self.template = instruction if self.custom_instruction else INSTRUCTIONS[checker]

    # --- reading rows ------------------------------------------------------------------------------
    def field(self, row: dict, key: str, where: str, types: tuple[type, ...] = (str,),
              optional: bool = False) -> Any:
        """The value of the field that ``key`` maps to (``prompt`` → ``row[self.fields['prompt']]``),
        checked; errors name ``where``, the field, and the ``--task_args`` key that maps it."""
        name = self.fields[key]
        value = row.get(name) if name else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if optional:
                return None
            what = "missing" if value is None else "empty"
            raise BonawareError(f"{where}: {what} field {name!r} (the {key}; set {key}=FIELD in --task_args; "
                                f"this row has {', '.join(map(repr, row)) or 'no fields'})")
        if not isinstance(value, types) or isinstance(value, bool):
            expected = " or ".join(t.__name__ for t in types)
            raise BonawareError(f"{where}: field {name!r} (the {key}) must be {expected}, got {type(value).__name__}")
        return value

    def problem_id(self, row: dict, where: str, index: int, role: str) -> str:
        if self.fields["id"]:
            return f"jsonl/{self.field(row, 'id', where, (str, int))}"
        return f"jsonl/{index}" if role == "test" else f"jsonl/train/{index}"

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        prompt = self.field(row, "prompt", where)
        answer = str(self.field(row, "answer", where, (str, int, float))).strip()
        if self.checker == "number" and normalize_number(answer) is None:
            raise BonawareError(f"{where}: field {self.fields['answer']!r} is {answer!r}, not a number "
                                "(checker=number; use checker=exact or math for other answers)")
        solution = self.field(row, "solution", where, optional=True) if self.fields["solution"] else None
        return Problem(id=self.problem_id(row, where, index, role), prompt=prompt, answer=answer,
                       meta={"solution": solution})

    # --- prompts and answers -----------------------------------------------------------------------
    def instruction(self, problem: Problem) -> str:
        if not self.template:
            return problem.prompt
        if "{prompt}" in self.template:
            return self.template.replace("{prompt}", problem.prompt)
        return f"{problem.prompt}\n{self.template}"

    def extract_answer(self, completion: str) -> str | None:
        """``number``: :func:`~bonaware.tasks.answers.extract_number`; ``math``: the last ``\\boxed{}``
        or the text after "the answer is"; ``exact``: those, else the first line."""
        if self.checker == "number":
            return extract_number(completion)
        found = last_boxed(completion) or answer_is_text(completion)
        return found if found or self.checker == "math" else first_line(completion)

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        """The mapped ``solution`` field (ending with the answer in the checker's format), else the
        answer statement alone."""
        solution = (problem.meta.get("solution") or "").strip()
        if self.checker == "math":
            if solution and last_boxed(solution) is not None:
                return solution
            return f"{solution}\nThe final answer is $\\boxed{{{problem.answer}}}$.".lstrip()
        return f"{solution}\nThe answer is {problem.answer}.".lstrip()


class JsonlCodeTask(CodeTask, JsonlTask):
    """``checker=code``: each row carries its tests (asserts), judged in the sandbox as MBPP is."""

    schema = "one object per row: a prompt field and a tests field (Python asserts); name them with prompt=,tests="

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        prompt = self.field(row, "prompt", where)
        tests = self.field(row, "tests", where, (str, list))
        if isinstance(tests, list):
            if not tests or not all(isinstance(t, str) and t.strip() for t in tests):
                raise BonawareError(f"{where}: field {self.fields['tests']!r} (the tests) must be a non-empty "
                                    "list of Python assert strings")
            tests = list(tests)
        else:
            tests = [tests]
        setup = self.field(row, "setup", where, optional=True) if self.fields["setup"] else None
        solution = self.field(row, "solution", where, optional=True) if self.fields["solution"] else None
        return Problem(id=self.problem_id(row, where, index, role), prompt=prompt, answer="",
                       meta={"format": "mbpp", "test_list": tests, "test_setup_code": setup or "",
                             "solution": solution, "code": solution})

    def continuation_prompt(self, problem: Problem) -> str:
        """Without a chat template the model continues an opened code block (after the prompt, or
        after the instruction when ``instruction=`` was given)."""
        head = self.instruction(problem) if self.custom_instruction else problem.prompt
        return f"{head}\n\n```python\n"

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        return [] if has_chat_template(tokenizer) else ["```"]

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str | None:
        code = problem.meta.get("solution")
        if not code:
            return None
        code = code.rstrip() + "\n"
        return f"```python\n{code}```" if has_chat_template(tokenizer) else f"{code}```"

    def program(self, problem: Problem, completion: str) -> str:
        """``setup + code + asserts`` (what the ``code`` verifier runs, as one text)."""
        parts = [problem.meta["test_setup_code"], extract_code(completion), "\n".join(problem.meta["test_list"])]
        return "\n\n".join(p for p in parts if p.strip()) + "\n"


@register_task("jsonl")
def make_jsonl_task(checker: str = "math", **kwargs: Any) -> JsonlTask:
    """The ``jsonl`` task for ``checker`` (``code`` → :class:`JsonlCodeTask`)."""
    return (JsonlCodeTask if checker == "code" else JsonlTask)(checker=checker, **kwargs)
