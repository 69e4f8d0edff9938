"""Crash-safe I/O: atomic writes, JSONL errors that name file:line, resumable appends."""

from __future__ import annotations

import json
import os

import pytest

from bonaware.errors import BonawareError
from bonaware.io import JsonlAppender, atomic_folder, atomic_write, check_finite, read_jsonl, write_text_atomic


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "a.txt"
    write_text_atomic(p, "old")
    write_text_atomic(p, "new")
    assert p.read_text() == "new"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_atomic_write_leaves_old_file_on_error(tmp_path):
    p = tmp_path / "a.txt"
    write_text_atomic(p, "old")
    with pytest.raises(RuntimeError), atomic_write(p) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]  # no temp file left behind


def test_read_jsonl_names_line_of_malformed_row(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"a": 1}\n\n{"a": 2\n')
    with pytest.raises(BonawareError, match=r"s\.jsonl:3: malformed JSON"):
        read_jsonl(p)


def test_read_jsonl_missing_field_and_non_object(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"a": 1}\n{"b": 2}\n')
    with pytest.raises(BonawareError, match=r":2: missing field\(s\) 'a'"):
        read_jsonl(p, required=["a"])
    p.write_text("[1, 2]\n")
    with pytest.raises(BonawareError, match=":1: expected a JSON object"):
        read_jsonl(p)


def test_read_jsonl_missing_file():
    with pytest.raises(BonawareError, match="no such file"):
        read_jsonl("/nonexistent/x.jsonl")


def test_appender_repairs_torn_tail_and_resumes(tmp_path):
    p = tmp_path / "out.jsonl"
    with JsonlAppender(p) as out:
        out.write({"id": 1})
        out.write({"id": 2})
    with open(p, "a") as fh:  # simulate a kill in the middle of a row
        fh.write('{"id": 3, "tex')
    with JsonlAppender(p) as out:
        done = out.done_keys(lambda r: r["id"])
        assert done == {1, 2}
        out.write({"id": 3})
    assert [json.loads(line)["id"] for line in p.read_text().splitlines()] == [1, 2, 3]


def test_check_finite_rejects_nan_and_text():
    assert check_finite("1.5", "x") == 1.5
    with pytest.raises(BonawareError, match="row 3: expected a finite number"):
        check_finite(float("nan"), "row 3")
    with pytest.raises(BonawareError, match="expected a number"):
        check_finite("abc", "row 3")


def test_unwritable_output_dir_is_clear(tmp_path):
    if os.geteuid() == 0:
        target = "/proc/bonaware-cannot-exist/x.txt"  # root can write anywhere else
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = ro / "sub" / "x.txt"
    with pytest.raises(BonawareError, match="output folder"):
        write_text_atomic(target, "x")


def test_atomic_folder_replaces_the_whole_folder_or_leaves_it_untouched(tmp_path):
    target = tmp_path / "model"
    with atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("1")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
    with pytest.raises(RuntimeError), atomic_folder(target) as tmp:
        (tmp / "b.txt").write_text("2")
        raise RuntimeError("crash mid-write")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]  # the old folder, complete
    with atomic_folder(target) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]  # replaced, not merged
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp or .old folder left


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": NaN}', "NaN is not valid JSON"),
    ('{"a": [1, Infinity]}', "Infinity is not valid JSON"),
    ('{"a": {"b": -Infinity}}', "-Infinity is not valid JSON"),
    ('{"a": 1e999}', "the number 1e999 overflows to infinity"),
    ('{"a": -2.5E+400}', r"the number -2.5E\+400 overflows to infinity"),
])
def test_read_jsonl_refuses_what_cannot_be_written_back_naming_the_line(tmp_path, text, message):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"ok": 1.5e300}\n\n' + text + "\n")
    with pytest.raises(BonawareError, match=rf"rows.jsonl:3: {message}"):
        read_jsonl(path)


def test_read_jsonl_names_the_line_of_bytes_that_are_not_utf8(tmp_path):
    import gzip

    rows = b'{"a": "caf\xc3\xa9"}\n{"a": "x\xff"}\n'
    (tmp_path / "rows.jsonl").write_bytes(rows)
    with gzip.open(tmp_path / "rows.jsonl.gz", "wb") as fh:
        fh.write(rows)
    for name in ("rows.jsonl", "rows.jsonl.gz"):
        with pytest.raises(BonawareError, match=rf"{name}:2: not UTF-8 text \(byte 0xff at column 9\)"):
            read_jsonl(tmp_path / name)
    (tmp_path / "good.jsonl").write_bytes(rows.splitlines(keepends=True)[0])
    assert read_jsonl(tmp_path / "good.jsonl") == [{"a": "café"}]
