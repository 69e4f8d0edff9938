"""Crash-safe file I/O shared by every layer.

* :func:`atomic_write` — write to a temporary file in the same folder, fsync, then ``os.replace``:
  a reader sees the old file or the new one, never half of one.
* :func:`read_jsonl` — JSON Lines with errors that name ``file:line`` and the missing field. Input is
  held to what the writers here produce: UTF-8, and standard JSON numbers — ``NaN``, ``Infinity``
  and literals that overflow to infinity (``1e999``), which Python's ``json`` would accept but
  cannot write back, are refused at the line that holds them (docs/architecture.md §Conventions).
* :class:`JsonlAppender` — append-only JSONL for resumable sampling/evaluation: each row is one
  ``write`` of a full line followed by flush+fsync; on open, a torn last line left by a kill is cut
  off, so a resumed run never sees a half row and never duplicates one (callers skip keys already done).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[Any]:
    """Open a temporary sibling of ``path`` for writing; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    _ensure_writable_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling folder to fill; on success it replaces ``folder`` (the previous one is
    renamed aside, then removed), so a reader sees the old complete folder or the new one, never half.

    On any exception the temporary folder is removed and ``folder`` is left untouched.
    """
    folder = Path(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        yield tmp
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(text)


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON atomically (NaN is refused: it is not JSON)."""
    write_text_atomic(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def write_jsonl_atomic(path: str | os.PathLike, rows: Iterable[dict]) -> None:
    """Write rows as JSON Lines atomically."""
    with atomic_write(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, allow_nan=False) + "\n")


def _ensure_writable_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BonawareError(f"cannot create output folder {str(folder)!r}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise BonawareError(f"output folder {str(folder)!r} is not writable")


def read_jsonl(path: str | os.PathLike, required: Sequence[str] = ()) -> list[dict]:
    """Read a JSON Lines file (``.jsonl`` or ``.jsonl.gz``); blank lines are skipped.

    Raises :class:`BonawareError` naming ``path:line`` for a missing file, invalid JSON, a row that
    is not an object, or a row without one of the ``required`` fields.
    """
    return list(iter_jsonl(path, required))


def iter_jsonl(path: str | os.PathLike, required: Sequence[str] = ()) -> Iterator[dict]:
    """Iterate over the rows of a JSON Lines file; see :func:`read_jsonl`."""
    for _, row in iter_jsonl_numbered(path, required):
        yield row


def iter_jsonl_numbered(path: str | os.PathLike, required: Sequence[str] = ()) -> Iterator[tuple[int, dict]]:
    """``(line number, row)`` for each non-blank line of a JSON Lines file; see :func:`read_jsonl`."""
    path = Path(path)
    if not path.is_file():
        raise BonawareError(f"no such file: {str(path)!r}")
    opener = _open_gz if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            where = f"{path}:{lineno}"
            line = decode_utf8(raw, where)
            if not line.strip():
                continue
            row = loads_strict(line, where)
            if not isinstance(row, dict):
                raise BonawareError(f"{where}: expected a JSON object, got {type(row).__name__}")
            missing = [k for k in required if k not in row]
            if missing:
                raise BonawareError(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
            yield lineno, row


def decode_utf8(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text, or a :class:`BonawareError` naming ``where`` and the byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BonawareError(f"{where}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})") from None


def read_text_utf8(path: str | Path) -> str:
    """The whole file ``path`` as UTF-8 text, or a :class:`BonawareError` naming ``path:line`` and the byte."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BonawareError(f"{path}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x})") from None


def _refuse_constant(token: str):
    raise ValueError(f"{token} is not valid JSON; write null or a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} overflows to infinity, which is not valid JSON")
    return value


#: keyword arguments of ``json.loads`` that refuse NaN, ±Infinity and overflowing numbers (ValueError)
STRICT_JSON = {"parse_constant": _refuse_constant, "parse_float": _finite_float}


def loads_strict(text: str, where: str) -> Any:
    """``json.loads`` that refuses what our writers refuse (NaN, ±Infinity, overflowing numbers), so a
    file that reads never fails to write back; errors name ``where``."""
    try:
        return json.loads(text, **STRICT_JSON)
    except json.JSONDecodeError as exc:
        raise BonawareError(f"{where}: malformed JSON ({exc.msg})") from None
    except ValueError as exc:
        raise BonawareError(f"{where}: {exc}") from None


def _open_gz(path, mode):
    import gzip

    return gzip.open(path, mode)


def check_finite(value: Any, where: str) -> float:
    """Return ``value`` as a float, or raise naming ``where`` if it is not a finite number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BonawareError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(x):
        raise BonawareError(f"{where}: expected a finite number, got {x}")
    return x


class JsonlAppender:
    """Append rows to a JSONL file so that a killed run can resume without torn or duplicate rows.

    ``done_keys(key_fn)`` lists keys already written; callers skip those and append the rest.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        _ensure_writable_dir(self.path.parent)
        self._repair_torn_tail()
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def _repair_torn_tail(self) -> None:
        # A kill between write() and the newline leaves a partial last line: cut it off.
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data.endswith(b"\n"):
                return
            cut = data.rfind(b"\n") + 1
            fh.truncate(cut)

    def existing(self) -> list[dict]:
        """Rows already in the file (after repair)."""
        if self.path.stat().st_size == 0:
            return []
        return read_jsonl(self.path)

    def done_keys(self, key_fn) -> set:
        """The set of ``key_fn(row)`` over rows already written."""
        return {key_fn(row) for row in self.existing()}

    def write(self, row: dict) -> None:
        """Append one row as a single write of a full line, then flush and fsync."""
        self._fh.write(json.dumps(row, allow_nan=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def write_many(self, rows: Iterable[dict]) -> None:
        """Append several rows (each is whole on its own even if a kill interrupts the batch)."""
        for row in rows:
            self._fh.write(json.dumps(row, allow_nan=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
