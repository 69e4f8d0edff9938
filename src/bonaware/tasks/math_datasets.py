"""Math word-problem and competition datasets from local files: ``gsm8k``, ``math``, ``champ``.

bonaware ships none of them and never downloads them (environment.md: no package carries GSM8K or
Hendrycks MATH); point ``path=`` at a copy in the public schema. Split rules: see
:mod:`bonaware.tasks.files` (``path`` = test unless ``train_path`` / ``test_fraction``).

* ``gsm8k`` (Cobbe et al., 2021): ``question``, ``answer`` ending in ``"#### 42"``. Ids
  ``gsm8k/<row>`` (``gsm8k/train/<row>`` for ``train_path``). Answers are numbers, compared exactly.
* ``math`` (Hendrycks et al., 2021; paper.md §4): ``problem``, ``solution`` with ``\\boxed{}``,
  ``level`` (``"Level 3"``), ``type``; or the MATH500 / Lightman et al. format ``problem``,
  ``answer``, ``solution``, ``subject``, ``level`` (int), ``unique_id``. Ids ``math/<unique_id>``
  when present, else ``math/<row>``. Judged by math-verify.
* ``champ`` (Mao et al., 2024): the CHAMP ``v0.json`` (``{"problems": {"P_...": {...}}}``);
  the bundled copy of the ``champ-dataset`` package when installed, else ``path=``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.answers import (
    after_hashes,
    answer_is_text,
    extract_number,
    last_boxed,
    normalize_number,
)
from bonaware.tasks.base import Problem, register_task
from bonaware.tasks.files import FileTask, Row, get_field

MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


def _row_id(task: str, row: dict, index: int, role: str, key: str | None = None) -> str:
    if key and row.get(key) not in (None, ""):
        return f"{task}/{row[key]}"
    return f"{task}/{index}" if role == "test" else f"{task}/train/{index}"


class Gsm8kTask(FileTask):
    """GSM8K from a local file; answers compared as exact numbers."""

    name = "gsm8k"
    kind = "math"
    default_verifier = "math"
    answer_type = "number"
    schema = "fields question, answer (ending in '#### <number>')"

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        question = get_field(row, "question", where)
        solution = get_field(row, "answer", where)
        final = normalize_number(after_hashes(solution))
        if final is None:
            raise BonawareError(f"{where}: field 'answer' must end with '#### <number>'")
        # drop the calculator annotations "<<48/2=24>>" and the "#### 24" line from the rationale
        reasoning = re.sub(r"<<[^>]*>>", "", solution.split("####")[0]).strip()
        return Problem(id=_row_id("gsm8k", row, index, role), prompt=question, answer=final,
                       meta={"solution": reasoning})

    def instruction(self, problem: Problem) -> str:
        return f'{problem.prompt}\nSolve it step by step, then write "The answer is <number>."'

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        return f"{problem.meta['solution']}\nThe answer is {problem.answer}."

    def extract_answer(self, completion: str) -> str | None:
        """The number by :func:`bonaware.tasks.answers.extract_number` (``####`` and "The answer is"
        included)."""
        return extract_number(completion)


class MathTask(FileTask):
    """Hendrycks MATH or MATH500 from a local file; judged by math-verify."""

    name = "math"
    kind = "math"
    default_verifier = "math"
    answer_type = "math"
    schema = ("fields problem, solution (with \\boxed{}), level, type — or MATH500's problem, answer, "
              "solution, subject, level, unique_id")

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        problem = get_field(row, "problem", where)
        solution = get_field(row, "solution", where, optional=True) or ""
        answer = get_field(row, "answer", where, (str, int, float), optional=True)
        if answer is None:
            if not solution:
                raise BonawareError(f"{where}: missing field 'answer' (or 'solution' with \\boxed{{}})")
            answer = last_boxed(solution)
            if answer is None:
                raise BonawareError(f"{where}: field 'solution' has no \\boxed{{...}} answer")
        answer = str(answer).strip()
        if not answer:
            raise BonawareError(f"{where}: the answer is empty")
        level = row.get("level")
        if isinstance(level, str):
            digits = re.search(r"\d+", level)
            level = int(digits.group(0)) if digits else None
        elif not isinstance(level, int) or isinstance(level, bool):
            level = None
        subject = row.get("subject") or row.get("type")
        return Problem(id=_row_id("math", row, index, role, key="unique_id"), prompt=problem, answer=answer,
                       meta={"solution": solution, "level": level, "difficulty": level, "subject": subject})

    def instruction(self, problem: Problem) -> str:
        return f"{problem.prompt}\n{MATH_INSTRUCTION}"

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        """The reference solution (it ends with the boxed answer; one is appended if it does not)."""
        solution = problem.meta["solution"]
        if solution and last_boxed(solution) is not None:
            return solution
        return f"{solution}\nThe final answer is $\\boxed{{{problem.answer}}}$.".lstrip()

    def extract_answer(self, completion: str) -> str | None:
        """The last ``\\boxed{}``, else the text after "the answer is" (math-verify judges the rest)."""
        return last_boxed(completion) or answer_is_text(completion)


def _champ_text(d: dict, where: str, key: str) -> str:
    # CHAMP stores text as "_raw_text" with "@@" concept markers ("text" after asdict() dumps too)
    raw = d.get(f"_raw_{key}", d.get(key))
    if not isinstance(raw, str) or not raw.strip():
        raise BonawareError(f"{where}: missing field '_raw_{key}'")
    return raw.replace("@@", "")


def champ_bundled_path() -> str | None:
    """``champ_dataset/dataset_files/v0.json`` of the installed ``champ-dataset`` package, or None."""
    spec = importlib.util.find_spec("champ_dataset")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset_files" / "v0.json"
    return str(path) if path.is_file() else None


class ChampTask(MathTask):
    """CHAMP competition problems (270 in ``v0.json``); all ``test`` unless ``test_fraction``.

    CHAMP's final answers are often sentences ("The smallest n is 4.") rather than bare
    expressions, so math-verify judges them less reliably than MATH answers.
    """

    name = "champ"
    schema = ('the CHAMP v0.json layout {"problems": {"P_...": {"_raw_text", "_raw_answer", ...}}}, '
              "or install the champ-dataset package")

    def __init__(self, path: str | None = None, train_path: str | None = None,
                 test_fraction: float | None = None, split_seed: int = 0,
                 val_fraction: float | None = None):
        super().__init__(path or champ_bundled_path(), train_path, test_fraction, split_seed, val_fraction)

    def read_file(self, file: str) -> list[Row]:
        path = Path(file)
        if not path.is_file():
            raise BonawareError(f"no such file: {str(path)!r}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise BonawareError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
        problems = data.get("problems") if isinstance(data, dict) else None
        if not isinstance(problems, dict):
            raise BonawareError(f"{path}: expected an object with a 'problems' mapping (CHAMP v0.json)")
        rows = []
        for key, row in problems.items():
            if not isinstance(row, dict):
                raise BonawareError(f"{path}: problems[{key!r}]: expected an object")
            rows.append((f"{path}: problems[{key!r}]", {"identifier": key, **row}))
        return rows

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        text = _champ_text(row, where, "text")
        answer = _champ_text(row, where, "answer")
        steps = (row.get("solution") or {}).get("steps") or []
        solution = "\n".join(_champ_text(step, f"{where}.solution", "text")
                             for step in steps if isinstance(step, dict))
        pid = f"champ/{row['identifier']}" if role == "test" else f"champ/train/{row['identifier']}"
        return Problem(id=pid, prompt=text, answer=answer,
                       meta={"solution": solution, "category": row.get("category"), "level": None,
                             "difficulty": None, "subject": row.get("category")})

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        """The step-by-step solution followed by the final answer sentence."""
        return f"{problem.meta['solution']}\nThe answer is: {problem.answer}".lstrip()


@register_task("gsm8k")
def _make_gsm8k(**kwargs: Any) -> Gsm8kTask:
    return Gsm8kTask(**kwargs)


@register_task("math")
def _make_math(**kwargs: Any) -> MathTask:
    return MathTask(**kwargs)


@register_task("champ")
def _make_champ(**kwargs: Any) -> ChampTask:
    return ChampTask(**kwargs)
