"""Saved samples: the single source every evaluation number is computed from.

One JSON Lines row per (prompt, temperature) — the *samples file* (``samples.jsonl``):

=================  ==========================================================================
``problem_id``     the task's stable problem id (``Problem.id``)
``temperature``    sampling temperature T of this row's completions
``completions``    the n completion texts
``correct``        n × {0, 1}: the environment reward R from the task's checker (oracle)
``scores``         {verifier label: n floats}: the verifier scores r used for Best-of-N
``answers``        n extracted final answers (``None`` = no answer), used by maj@k / diversity
``n_tokens``       n completion lengths in tokens
``prompt_tokens``  length of the formatted prompt in tokens (prefilled once per prompt)
=================  ==========================================================================

Optional: ``finish_reasons`` (n strings). Rows are appended with :class:`bonaware.io.JsonlAppender`,
so a killed run leaves whole rows only and a resumed run skips the (problem_id, temperature) keys
already present (:class:`SamplesWriter`). :func:`load_samples` validates every row (errors name
``file:line`` and the field) and groups rows by temperature into ``[prompts, n]`` arrays
(:class:`TemperatureSamples`), prompts sorted by id so the numbers do not depend on write order.

A run folder may instead (or also) hold the *compact samples file* ``samples.npz.xz``
(:mod:`bonaware.evaluation.compact`): every number of the evaluation from a few bytes per sample,
without the completion texts. :func:`load_samples` reads it when the folder has no ``samples.jsonl``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bonaware.errors import BonawareError
from bonaware.io import JsonlAppender, iter_jsonl_numbered

FIELDS = ("problem_id", "temperature", "completions", "correct", "scores", "answers", "n_tokens", "prompt_tokens")
SAMPLES_FILE = "samples.jsonl"


def row_key(row: dict) -> tuple[str, float]:
    """The resume/deduplication key of a samples row: (problem_id, temperature)."""
    return str(row["problem_id"]), float(row["temperature"])


def run_files(path: str | Path) -> list[Path]:
    """Where the settings of a samples file may be: ``<file>.run.json`` (``bonaware sample``) or the
    folder's ``run.json`` (``bonaware eval``)."""
    path = Path(path)
    return [path.with_suffix(".run.json"), path.parent / "run.json"]


def task_of_samples(path: str | Path, task: str | None, task_args: str) -> tuple[str, str]:
    """(task, task_args) of a samples file: ``task`` when given, else the task its run file names
    (with the run file's ``task_args`` unless ``task_args`` is given)."""
    if task:
        return task, task_args
    for candidate in run_files(path):
        if candidate.is_file():
            try:
                meta = json.loads(candidate.read_text())
            except json.JSONDecodeError as exc:
                raise BonawareError(f"{candidate}: malformed JSON ({exc.msg})") from None
            if isinstance(meta, dict) and meta.get("task"):
                return str(meta["task"]), task_args or str(meta.get("task_args") or "")
    raise BonawareError(f"cannot tell the task of {str(path)!r} (no {' or '.join(map(str, run_files(path)))}); "
                        "pass --task")


def make_row(problem_id: str, temperature: float, completions: Sequence[str], correct: Sequence[Any],
             scores: dict[str, Sequence[float]], answers: Sequence[Any], n_tokens: Sequence[int],
             prompt_tokens: int, finish_reasons: Sequence[str] | None = None) -> dict:
    """Build one samples row (validated with the same rules as :func:`load_samples`)."""
    row = {
        "problem_id": str(problem_id), "temperature": float(temperature), "completions": list(completions),
        "correct": [int(bool(c)) for c in correct], "scores": {k: [float(s) for s in v] for k, v in scores.items()},
        "answers": [None if a is None else str(a) for a in answers], "n_tokens": [int(t) for t in n_tokens],
        "prompt_tokens": int(prompt_tokens),
    }
    if finish_reasons is not None:
        row["finish_reasons"] = [str(f) for f in finish_reasons]
    _check_row(row, "make_row")
    return row


def _check_row(row: dict, where: str) -> None:
    missing = [k for k in FIELDS if k not in row]
    if missing:
        raise BonawareError(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
    if not isinstance(row["problem_id"], str) or not row["problem_id"]:
        raise BonawareError(f"{where}: field 'problem_id' must be a non-empty string")
    t = row["temperature"]
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise BonawareError(f"{where}: field 'temperature' must be a finite number ≥ 0, got {t!r}")
    comps = row["completions"]
    if not isinstance(comps, list) or not comps or not all(isinstance(c, str) for c in comps):
        raise BonawareError(f"{where}: field 'completions' must be a non-empty list of strings")
    n = len(comps)

    def same_length(name: str, values: Any) -> list:
        if not isinstance(values, list) or len(values) != n:
            got = len(values) if isinstance(values, list) else type(values).__name__
            raise BonawareError(f"{where}: field {name!r} must be a list of {n} values (one per completion), got {got}")
        return values

    if any(c not in (0, 1) or isinstance(c, float) for c in same_length("correct", row["correct"])):
        raise BonawareError(f"{where}: field 'correct' must hold 0/1 integers (the oracle's verdicts)")
    scores = row["scores"]
    if not isinstance(scores, dict):
        raise BonawareError(f"{where}: field 'scores' must be an object {{verifier: [n scores]}}")
    for name, vals in scores.items():
        for v in same_length(f"scores.{name}", vals):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise BonawareError(f"{where}: field 'scores.{name}' must hold finite numbers, got {v!r}")
    if any(a is not None and not isinstance(a, str) for a in same_length("answers", row["answers"])):
        raise BonawareError(f"{where}: field 'answers' must hold strings or null")
    if any(isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in same_length("n_tokens", row["n_tokens"])):
        raise BonawareError(f"{where}: field 'n_tokens' must hold integers ≥ 0")
    pt = row["prompt_tokens"]
    if isinstance(pt, bool) or not isinstance(pt, int) or pt < 0:
        raise BonawareError(f"{where}: field 'prompt_tokens' must be an integer ≥ 0, got {pt!r}")
    if "finish_reasons" in row:
        same_length("finish_reasons", row["finish_reasons"])


@dataclass
class SavedStatistics:
    """What a compact samples file keeps in place of the completion texts and the raw verifier scores.

    ``text_diversity[seed][metric]``: the per-prompt n-gram / edit diversity ([P], in ``problem_ids``
    order) computed from the texts with ``diversity_params`` and that pair-sampling seed;
    ``pooled_auc[verifier]``: the Mann–Whitney counts (above, tied) of the raw scores over every sample
    of the temperature (None once a subset of the prompts is selected: they no longer apply).
    """

    text_diversity: dict[int, dict[str, np.ndarray]]
    diversity_params: dict
    pooled_auc: dict[str, tuple[int, int]] | None

    def pooled_auc_counts(self, verifier: str, temperature: float) -> tuple[int, int]:
        if self.pooled_auc is None or verifier not in self.pooled_auc:
            raise BonawareError(f"T={temperature:g}: the pooled AUC of {verifier!r} over a subset of the prompts "
                                "needs the raw scores (samples.jsonl); the compact file has it for all its prompts")
        return self.pooled_auc[verifier]

    def diversity(self, seed: int, params: dict, temperature: float) -> dict[str, np.ndarray]:
        if not self.text_diversity:
            raise BonawareError(f"T={temperature:g}: text diversity of a reordered or partial prompt set needs "
                                "the completion texts (samples.jsonl)")
        if params != self.diversity_params or seed not in self.text_diversity:
            raise BonawareError(
                f"T={temperature:g}: text diversity with {params} at seed {seed} needs the completion texts "
                f"(samples.jsonl); the compact file has it for seeds {sorted(self.text_diversity)} with "
                f"{self.diversity_params}")
        return self.text_diversity[seed]


@dataclass
class TemperatureSamples:
    """All prompts sampled at one temperature, as ``[P, n]`` arrays (row i = ``problem_ids[i]``).

    Loaded from a compact file, ``completions`` is None, ``scores`` hold within-prompt dense ranks
    (0 = lowest score; the same order and ties as the scores, so BoN@k and the within-prompt AUC are
    unchanged) and ``saved`` the statistics that need the texts or the raw scores.
    """

    temperature: float
    problem_ids: list[str]
    correct: np.ndarray  # [P, n] float 0/1 — environment reward R
    scores: dict[str, np.ndarray]  # verifier label -> [P, n] — verifier score r
    answers: list[list[str | None]]  # P × n extracted answers
    n_tokens: np.ndarray  # [P, n] completion lengths
    prompt_tokens: np.ndarray  # [P]
    completions: list[list[str]] | None  # P × n texts (None: loaded from a compact file)
    saved: SavedStatistics | None = None

    @property
    def n(self) -> int:
        """Samples per prompt."""
        return int(self.correct.shape[1])

    @property
    def num_prompts(self) -> int:
        return int(self.correct.shape[0])

    def select(self, problem_ids: Sequence[str]) -> TemperatureSamples:
        """The same samples restricted to (and reordered as) ``problem_ids``."""
        index = {pid: i for i, pid in enumerate(self.problem_ids)}
        missing = [p for p in problem_ids if p not in index]
        if missing:
            raise BonawareError(f"T={self.temperature:g}: no samples for problem(s) {', '.join(missing[:3])}")
        idx = [index[p] for p in problem_ids]
        saved = self.saved
        if saved is not None and list(problem_ids) != self.problem_ids:
            # a row's text diversity was drawn with its position as seed: valid only in place; the pooled
            # AUC counts hold for the same prompts in any order
            same = len(idx) == len(self.problem_ids) and set(problem_ids) == set(self.problem_ids)
            saved = SavedStatistics({}, saved.diversity_params, saved.pooled_auc if same else None)
        return TemperatureSamples(
            self.temperature, list(problem_ids), self.correct[idx], {k: v[idx] for k, v in self.scores.items()},
            [self.answers[i] for i in idx], self.n_tokens[idx], self.prompt_tokens[idx],
            None if self.completions is None else [self.completions[i] for i in idx], saved)


@dataclass
class SampleSet:
    """The samples of one evaluation run, grouped by temperature (ascending)."""

    path: Path | None
    by_temperature: dict[float, TemperatureSamples]
    meta: dict = field(default_factory=dict)
    #: training compute of the evaluated model, saved by the compact file for when its training folder is gone
    training: dict | None = None

    @property
    def temperatures(self) -> list[float]:
        return sorted(self.by_temperature)

    @property
    def verifiers(self) -> list[str]:
        """Verifier labels present at every temperature, in first-seen order."""
        groups = list(self.by_temperature.values())
        if not groups:
            return []
        return [v for v in groups[0].scores if all(v in g.scores for g in groups)]

    def at(self, temperature: float) -> TemperatureSamples:
        """Samples at ``temperature`` (error listing the available ones)."""
        for t, group in self.by_temperature.items():
            if math.isclose(t, float(temperature), rel_tol=0, abs_tol=1e-9):
                return group
        have = ", ".join(f"{t:g}" for t in self.temperatures)
        raise BonawareError(f"{self.path or 'samples'}: no samples at temperature {temperature:g}; have {have}")


def group_rows(rows: Iterable[tuple[dict, str]], path: Path | None = None, meta: dict | None = None) -> SampleSet:
    """Validate ``(row, where)`` pairs and group them by temperature into a :class:`SampleSet`."""
    seen: dict[tuple[str, float], str] = {}
    buckets: dict[float, list[tuple[dict, str]]] = {}
    for row, where in rows:
        _check_row(row, where)
        key = row_key(row)
        if key in seen:
            raise BonawareError(f"{where}: duplicate row for problem {key[0]!r} at T={key[1]:g} "
                                f"(first at {seen[key]})")
        seen[key] = where
        buckets.setdefault(key[1], []).append((row, where))
    groups = {}
    for t in sorted(buckets):
        items = sorted(buckets[t], key=lambda rw: rw[0]["problem_id"])
        n = len(items[0][0]["completions"])
        for row, where in items:
            if len(row["completions"]) != n:
                raise BonawareError(f"{where}: {len(row['completions'])} completions, but other rows at "
                                    f"T={t:g} have n = {n} (every prompt needs the same n)")
        labels = list(items[0][0]["scores"])
        for row, where in items:
            if sorted(row["scores"]) != sorted(labels):
                raise BonawareError(f"{where}: verifier scores {sorted(row['scores'])} differ from other rows "
                                    f"at T={t:g} ({sorted(labels)})")
        rows_t = [r for r, _ in items]
        groups[t] = TemperatureSamples(
            temperature=t, problem_ids=[r["problem_id"] for r in rows_t],
            correct=np.array([r["correct"] for r in rows_t], dtype=float),
            scores={v: np.array([r["scores"][v] for r in rows_t], dtype=float) for v in labels},
            answers=[list(r["answers"]) for r in rows_t],
            n_tokens=np.array([r["n_tokens"] for r in rows_t], dtype=float),
            prompt_tokens=np.array([r["prompt_tokens"] for r in rows_t], dtype=float),
            completions=[list(r["completions"]) for r in rows_t])
    return SampleSet(path, groups, dict(meta or {}))


def load_samples(path: str | os.PathLike, meta: dict | None = None) -> SampleSet:
    """Read and validate a samples file, or a run folder holding ``samples.jsonl`` or, without it, the
    compact ``samples.npz.xz`` (``meta`` defaults to the run metadata saved in the compact file)."""
    from bonaware.evaluation.compact import COMPACT_FILE, load_compact

    path = Path(path)
    if path.is_dir():
        if not (path / SAMPLES_FILE).is_file() and (path / COMPACT_FILE).is_file():
            return load_compact(path / COMPACT_FILE, meta)
        path = path / SAMPLES_FILE
    elif path.name.endswith(".npz.xz") and path.is_file():
        return load_compact(path, meta)
    if not path.is_file():
        raise BonawareError(f"no samples file {str(path)!r} (is this a 'bonaware eval' run folder? It holds "
                            f"neither {SAMPLES_FILE} nor {COMPACT_FILE})")
    rows = ((row, f"{path}:{i}") for i, row in iter_jsonl_numbered(path))
    sample_set = group_rows(rows, path, meta)
    if not sample_set.by_temperature:
        raise BonawareError(f"{path}: the samples file is empty")
    return sample_set


class SamplesWriter:
    """Resumable writer of a samples file: ``done`` holds the keys already on disk.

    Opening repairs a torn last line left by a kill (:class:`bonaware.io.JsonlAppender`), so a
    resumed run appends only the missing (problem_id, temperature) rows and never duplicates one.
    """

    def __init__(self, path: str | os.PathLike):
        self._appender = JsonlAppender(path)
        self.path = self._appender.path
        self.done: set[tuple[str, float]] = self._appender.done_keys(row_key)

    def write(self, rows: Iterable[dict]) -> int:
        """Append the rows whose key is not done yet; returns how many were written."""
        fresh = []
        for row in rows:
            _check_row(row, f"{self.path} (new row)")
            key = row_key(row)
            if key not in self.done:
                fresh.append(row)
                self.done.add(key)
        if fresh:
            self._appender.write_many(fresh)
        return len(fresh)

    def close(self) -> None:
        self._appender.close()

    def __enter__(self) -> SamplesWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
