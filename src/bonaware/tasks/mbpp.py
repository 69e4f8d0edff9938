"""``mbpp``: Mostly Basic Python Problems (Austin et al., 2021) from a local file (``path=``).

Schema (the public ``mbpp.jsonl`` / Hugging Face ``full`` config): ``task_id`` (int), ``text``,
``code``, ``test_list`` (assert strings), ``test_setup_code``, ``challenge_test_list``. The
``sanitized`` config's ``prompt`` (instead of ``text``) and ``test_imports`` are accepted too.

Prompt (the MBPP paper's): ``"<text>\\nYour code should pass these tests:\\n\\n<asserts>"``.
Ids: ``"mbpp/<task_id>"``.

Splits: by default the paper's task-id ranges — ``test`` = 11–510, ``val`` = 511–600 (MBPP's own
validation ids), ``train`` = the rest (1–10 few-shot prompts, 601–974). ``train_path`` /
``test_fraction`` override that as for every file task (then ``val_fraction`` applies, default 0).
"""

from __future__ import annotations

from typing import Any

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, register_task
from bonaware.tasks.coding import CodeTask, extract_code, has_chat_template
from bonaware.tasks.files import FileTask, get_field
from bonaware.tasks.splits import Split

MBPP_TEST_IDS = range(11, 511)
MBPP_VAL_IDS = range(511, 601)


class MbppTask(CodeTask, FileTask):
    """MBPP from a local file. Args as :class:`~bonaware.tasks.files.FileTask`, plus
    ``challenge_tests``: also run ``challenge_test_list`` when judging."""

    name = "mbpp"
    #: MBPP ships its own validation ids (511–600): no extra share of train is held out by default
    default_val_fraction = 0.0
    schema = "fields task_id, text, code, test_list, test_setup_code, challenge_test_list"

    def __init__(self, path: str | None = None, train_path: str | None = None,
                 test_fraction: float | None = None, split_seed: int = 0, challenge_tests: bool = False,
                 val_fraction: float | None = None):
        super().__init__(path, train_path, test_fraction, split_seed, val_fraction)
        self.challenge_tests = challenge_tests

    def parse_row(self, row: dict, where: str, index: int, role: str) -> Problem:
        task_id = get_field(row, "task_id", where, int)
        text = get_field(row, "text" if "text" in row else "prompt", where)
        code = get_field(row, "code", where)
        tests = _str_list(row, "test_list", where, required=True)
        challenge = _str_list(row, "challenge_test_list", where)
        setup = get_field(row, "test_setup_code", where, optional=True) or ""
        imports = _str_list(row, "test_imports", where)
        setup = "\n".join(imports + ([setup] if setup.strip() else []))
        prompt = f"{text}\nYour code should pass these tests:\n\n" + "\n".join(tests)
        return Problem(id=f"mbpp/{task_id}", prompt=prompt, answer="",
                       meta={"task_id": task_id, "text": text, "code": code, "test_list": tests,
                             "test_setup_code": setup, "challenge_test_list": challenge,
                             "canonical_solution": code})

    def default_split(self, problem: Problem) -> Split:
        """MBPP's own split: test 11–510, validation 511–600, train the rest (1–10 and 601–974)."""
        task_id = problem.meta["task_id"]
        if task_id in MBPP_TEST_IDS:
            return "test"
        return "val" if task_id in MBPP_VAL_IDS else "train"

    def instruction(self, problem: Problem) -> str:
        return f"{problem.prompt}\n\nReply with the Python code in a ```python code block."

    def continuation_prompt(self, problem: Problem) -> str:
        """Without a chat template the model continues an opened code block."""
        return f"{problem.prompt}\n\n```python\n"

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        return [] if has_chat_template(tokenizer) else ["```"]

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        code = problem.meta["code"].rstrip() + "\n"
        return f"```python\n{code}```" if has_chat_template(tokenizer) else f"{code}```"

    def program(self, problem: Problem, completion: str) -> str:
        """``setup + code + asserts`` (plus the challenge asserts when ``challenge_tests``)."""
        tests = list(problem.meta["test_list"])
        if self.challenge_tests:
            tests += problem.meta["challenge_test_list"]
        parts = [problem.meta["test_setup_code"], extract_code(completion), "\n".join(tests)]
        return "\n\n".join(p for p in parts if p.strip()) + "\n"


def _str_list(row: dict, name: str, where: str, required: bool = False) -> list[str]:
    value = row.get(name)
    if value is None:
        if required:
            raise BonawareError(f"{where}: missing field {name!r}")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BonawareError(f"{where}: field {name!r} must be a list of strings")
    if required and not value:
        raise BonawareError(f"{where}: field {name!r} is empty")
    return list(value)


@register_task("mbpp")
def _make_mbpp(**kwargs: Any) -> MbppTask:
    return MbppTask(**kwargs)
