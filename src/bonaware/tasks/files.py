"""Tasks backed by local data files (JSONL, JSON array, Parquet) — bonaware never downloads data.

:class:`FileTask` reads rows, validates them with errors that name ``file:line`` and the field, and
turns each into a :class:`Problem` (subclasses implement :meth:`FileTask.parse_row`).

Splits (explicit, seeded, disjoint by problem id; docs/tasks.md):

* ``train_path`` given — ``path`` is the test split; the rows of ``train_path`` are train, except a
  ``val_fraction`` share of them chosen by a hash of the problem id and ``split_seed``, which are val
  (:func:`bonaware.tasks.splits.val_or_train`). This is how a dataset's own train/test files (GSM8K,
  MATH) get a validation split without touching test.
* ``test_fraction`` given — the rows of ``path`` are partitioned by a hash of the problem id and
  ``split_seed``: a ``test_fraction`` share is test, a ``val_fraction`` share val, the rest train
  (:func:`bonaware.tasks.splits.assign_split`).
* neither — every row of ``path`` is test and train/val are empty (subclasses may define a standard
  split instead, e.g. MBPP's task-id ranges, which include its own validation ids).

``val_fraction`` defaults to the task's :attr:`FileTask.default_val_fraction` (0.1; 0 for datasets
that ship their own validation split).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from bonaware.errors import BonawareError
from bonaware.io import STRICT_JSON, iter_jsonl_numbered, read_text_utf8
from bonaware.tasks.base import Problem, Task
from bonaware.tasks.splits import Split, assign_split, check_fractions, check_split, seeded_subset, val_or_train

Row = tuple[str, dict]  # (location "file:line", row)


def read_rows(path: str | Path) -> list[Row]:
    """Rows of a ``.jsonl``/``.jsonl.gz``, ``.json`` (a list of objects) or ``.parquet`` file, each
    with its location (``file:line`` for JSONL, ``file:row N`` otherwise) for error messages."""
    path = Path(path)
    if not path.is_file():
        raise BonawareError(f"no such file: {str(path)!r}")
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return _jsonl_rows(path)
    if name.endswith(".parquet"):
        return _parquet_rows(path)
    if name.endswith(".json"):
        text = read_text_utf8(path)
        try:
            data = json.loads(text, **STRICT_JSON)  # NaN/Infinity refused as in JSONL (bonaware.io)
        except json.JSONDecodeError as exc:
            raise BonawareError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
        except ValueError as exc:
            raise BonawareError(f"{path}: {exc}") from None
        if not isinstance(data, list):
            raise BonawareError(f"{path}: expected a JSON list of objects, got {type(data).__name__}")
        rows = [(f"{path}:row {i}", r) for i, r in enumerate(data, start=1)]
        for where, row in rows:
            if not isinstance(row, dict):
                raise BonawareError(f"{where}: expected a JSON object, got {type(row).__name__}")
        return rows
    raise BonawareError(f"{path}: unsupported file type; use .jsonl, .jsonl.gz, .json or .parquet")


def _jsonl_rows(path: Path) -> list[Row]:
    return [(f"{path}:{i}", row) for i, row in iter_jsonl_numbered(path)]


def _parquet_rows(path: Path) -> list[Row]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BonawareError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow), "
                            "or convert the file to JSONL") from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise BonawareError(f"{path}: cannot read Parquet ({exc})") from None
    rows = [(f"{path}:row {i}", row) for i, row in enumerate(table.to_pylist(), start=1)]
    for where, row in rows:  # rows are written back as JSON by some commands: refuse what cannot be
        try:
            json.dumps(row, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise BonawareError(f"{where}: a value cannot be written as JSON ({exc}); NaN/Infinity, "
                                f"bytes and dates are not supported") from None
    return rows


def get_field(row: dict, name: str, where: str, types: type | tuple[type, ...] = str,
              optional: bool = False) -> Any:
    """``row[name]`` checked against ``types``; errors name ``where`` and the field."""
    if name not in row or row[name] is None:
        if optional:
            return None
        raise BonawareError(f"{where}: missing field {name!r}")
    value = row[name]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        expected = " or ".join(t.__name__ for t in _as_tuple(types))
        raise BonawareError(f"{where}: field {name!r} must be {expected}, got {type(value).__name__}")
    if isinstance(value, str) and not value.strip() and not optional:
        raise BonawareError(f"{where}: field {name!r} is empty")
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


class FileTask(Task):
    """Base class for tasks read from local files; see the module docstring for the split rules.

    Args:
        path: the data file (JSONL, JSON list or Parquet); the test split unless ``test_fraction``.
        train_path: optional file holding the train split (a ``val_fraction`` share becomes val).
        test_fraction: when set (and no ``train_path``), hash-partition ``path`` with this test share.
        val_fraction: share held out for validation (None: :attr:`default_val_fraction`).
        split_seed: seed of the hash partition.
    """

    #: one line naming the expected schema, shown when ``path`` is missing
    schema: str = ""
    #: the val share when ``val_fraction`` is not given (0 for datasets with their own val split)
    default_val_fraction: float = 0.1

    def __init__(self, path: str | None = None, train_path: str | None = None,
                 test_fraction: float | None = None, split_seed: int = 0, val_fraction: float | None = None):
        if not path:
            raise BonawareError(f"{self.name}: path= is required: a local JSONL/JSON/Parquet file with "
                                f"{self.schema} (bonaware does not download datasets)")
        if test_fraction is not None and train_path:
            raise BonawareError(f"{self.name}: give either train_path or test_fraction, not both")
        val_fraction = self.default_val_fraction if val_fraction is None else val_fraction
        check_fractions(test_fraction or 0.0, val_fraction, self.name)
        self.path, self.train_path = path, train_path
        self.test_fraction, self.val_fraction, self.split_seed = test_fraction, val_fraction, split_seed
        self._splits: dict[str, list[Problem]] | None = None

    def parse_row(self, row: dict, where: str, index: int, role: Literal["test", "train"]) -> Problem:
        """Turn one validated row into a Problem (``index`` counts rows from 0 within its file;
        ``role`` says which file it came from)."""
        raise NotImplementedError

    def read_file(self, file: str) -> list[Row]:
        """The rows of one data file with their locations (override for non-tabular formats)."""
        return read_rows(file)

    def default_split(self, problem: Problem) -> Split:
        """The split of a row of ``path`` when neither ``train_path`` nor ``test_fraction`` is given."""
        return "test"

    def split_of(self, problem: Problem, role: Literal["test", "train"]) -> Split:
        """The split of ``problem`` read from the ``role`` file (the rules of the module docstring)."""
        if role == "train":
            return val_or_train(problem.id, self.val_fraction, self.split_seed)
        if self.train_path:
            return "test"
        if self.test_fraction is not None:
            return assign_split(problem.id, self.test_fraction, self.val_fraction, self.split_seed)
        return self.default_split(problem)

    def _load(self) -> dict[str, list[Problem]]:
        if self._splits is None:
            splits: dict[str, list[Problem]] = {"train": [], "val": [], "test": []}
            seen: dict[str, str] = {}
            files = [(self.path, "test")] + ([(self.train_path, "train")] if self.train_path else [])
            for file, role in files:
                for index, (where, row) in enumerate(self.read_file(file)):
                    problem = self.parse_row(row, where, index, role)
                    if problem.id in seen:
                        raise BonawareError(f"{where}: duplicate problem id {problem.id!r} "
                                            f"(first at {seen[problem.id]})")
                    seen[problem.id] = where
                    splits[self.split_of(problem, role)].append(problem)
            self._splits = splits
        return self._splits

    def empty_split_error(self, split: str) -> BonawareError:
        """Says how to get ``split`` when a file task has none (by default every row of path= is test)."""
        hint = "" if split == "test" else (" (every row of path= is test unless --task_args gives train_path= "
                                           "or test_fraction=)")
        return BonawareError(f"task {self.name!r} has no {split} problems{hint}")

    def problems(self, split: Split = "test", n: int | None = None,
                 seed: int = 0) -> list[Problem]:
        """The problems of ``split`` in file order (a seeded subset of ``n`` when ``n`` is smaller)."""
        check_split(split, self.name)
        return seeded_subset(self._load()[split], n, seed, self.name)
