"""The compact samples file ``samples.npz.xz``: every number of an evaluation run, without the texts.

``samples.jsonl`` keeps the completion texts (≈ 100 bytes and more per sample); the numbers of
``metrics.json`` and ``bonaware report`` need far less. The compact file keeps exactly that, so an
experiment's data can be committed (a few MB for all of them) and every table re-computed from it on
a fresh clone, with results identical to those from ``samples.jsonl`` (tests/evaluation/test_eval_compact.py).

Container: a standard numpy ``.npz`` archive (stored uncompressed), xz-compressed as a whole (one
LZMA stream, so zip headers and similar arrays share a dictionary). Read it without bonaware with
``np.load(io.BytesIO(lzma.decompress(open(path, "rb").read())))``. Members (i = temperature index):

=========================  ==========================  ===================================================
``header``                 uint8 (UTF-8 JSON)          ``format``, ``version``, ``meta`` (the run's
                                                       run.json), ``training`` (training compute, or null),
                                                       ``diversity`` (``params``, ``seeds``), and per
                                                       temperature: ``temperature``, ``n``,
                                                       ``problem_ids`` (sorted), ``verifiers`` (labels),
                                                       ``rank_of_correct`` (verifiers whose within-prompt
                                                       order is that of ``correct``: no ranks stored),
                                                       ``pooled_auc`` ({label: [above, tied]})
``t{i}/correct``           uint8 [P, ⌈n/8⌉]            environment reward R, bit-packed along samples
``t{i}/answer``            uint8/16 [P, n]             answer id: 0 = no answer, k = the k-th distinct
                                                       answer of the prompt in sample order
``t{i}/n_tokens``          smallest uint [P, n]        completion lengths (tokens)
``t{i}/prompt_tokens``     smallest uint [P]           prompt lengths (tokens)
``t{i}/rank{j}``           uint8/16 [P, n]             verifier j's within-prompt dense rank of each sample
                                                       (0 = lowest score; equal scores, equal ranks)
``t{i}/ngram_diversity``   float64 [S, P]              per-prompt n-gram diversity for each seed in
``t{i}/edit_diversity``    float64 [S, P]              ``diversity.seeds`` (they need the texts)
=========================  ==========================  ===================================================

Why these suffice, exactly: BoN@k and the within-prompt AUC depend on the scores only through their
order and ties inside a prompt (``estimators.bon_at_k_curve`` averages R over tie blocks), which the
dense rank keeps; maj@k, distinct answers and answer entropy depend on the answers only through which
samples agree, which the ids keep (numbered in first-seen order, as ``estimators.majority`` numbers
them); pass@k, P_fail, costs and savings use R and token counts as they are. The two statistics that
need more — the pooled AUC (scores compared across prompts) and the text diversity — are saved as
their exact sufficient statistics: the Mann–Whitney counts and the per-prompt float64 values.
The texts, finish reasons and raw score values are not kept (``samples.jsonl`` has them).
"""

from __future__ import annotations

import io
import json
import lzma
import os
import zipfile
from pathlib import Path

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation.samples import SampleSet, SavedStatistics, TemperatureSamples, load_samples
from bonaware.io import atomic_write

COMPACT_FILE = "samples.npz.xz"
FORMAT = "bonaware-compact-samples"
VERSION = 1
DIVERSITY_PARAMS = {"ngram_n": 2, "max_pairs": 256, "max_chars": 256}  # diversity_per_prompt's defaults


def dense_ranks(scores: np.ndarray) -> np.ndarray:
    """Within-row dense ranks [P, n]: 0 for the lowest score of a row, +1 per larger distinct value."""
    s = np.asarray(scores, dtype=float)
    order = np.argsort(s, axis=1, kind="stable")
    ordered = np.take_along_axis(s, order, axis=1)
    steps = np.zeros(s.shape, dtype=np.int64)
    steps[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ranks = np.empty_like(steps)
    np.put_along_axis(ranks, order, np.cumsum(steps, axis=1), axis=1)
    return ranks


def answer_ids(answers: list[list[str | None]]) -> np.ndarray:
    """[P, n] ids: 0 for ``None``, else 1 + the answer's index among the prompt's distinct answers
    (numbered in first-seen order)."""
    out = np.zeros((len(answers), len(answers[0]) if answers else 0), dtype=np.int64)
    for p, row in enumerate(answers):
        ids: dict = {}
        for j, a in enumerate(row):
            if a is not None:
                out[p, j] = ids.setdefault(a, len(ids) + 1)
    return out


def _uint(a: np.ndarray) -> np.ndarray:
    """``a`` (non-negative integers) in the smallest unsigned dtype that holds it."""
    a = np.asarray(a)
    top = int(a.max(initial=0))
    dtype = next(d for d in (np.uint8, np.uint16, np.uint32, np.uint64) if top <= np.iinfo(d).max)
    return a.astype(dtype)


def _text_diversity(g: TemperatureSamples, seeds: list[int]) -> dict[int, dict[str, np.ndarray]]:
    from bonaware.evaluation.diversity import TEXT_METRICS, diversity_per_prompt

    out = {}
    for seed in seeds:
        div = diversity_per_prompt(g, seed=seed, **DIVERSITY_PARAMS)
        out[seed] = {m: div[m] for m in TEXT_METRICS}
    return out


def write_compact(samples: SampleSet, path: str | os.PathLike, *, diversity_seeds=(0,),
                  training: dict | None = None) -> Path:
    """Write ``samples`` (from ``samples.jsonl``, or itself compact) as a compact file at ``path``, atomically.

    ``diversity_seeds``: the pair-sampling seeds whose text diversity is saved (a report with another
    ``--seed`` needs the texts); ``training``: training compute to keep (default: ``samples.training``).
    """
    from bonaware.evaluation.quality import auc_counts

    seeds = sorted({int(s) for s in diversity_seeds})
    header = {"format": FORMAT, "version": VERSION, "meta": samples.meta,
              "training": training if training is not None else samples.training,
              "diversity": {"params": DIVERSITY_PARAMS, "seeds": seeds}, "temperatures": []}
    arrays: dict[str, np.ndarray] = {}
    for i, t in enumerate(samples.temperatures):
        g = samples.at(t)
        correct = g.correct.astype(np.int64)
        entry = {"temperature": float(t), "n": g.n, "problem_ids": list(g.problem_ids), "verifiers": list(g.scores),
                 "rank_of_correct": [], "pooled_auc": {}}
        arrays[f"t{i}/correct"] = np.packbits(correct.astype(bool), axis=1)
        arrays[f"t{i}/answer"] = _uint(answer_ids(g.answers))
        arrays[f"t{i}/n_tokens"] = _uint(g.n_tokens.astype(np.int64))
        arrays[f"t{i}/prompt_tokens"] = _uint(g.prompt_tokens.astype(np.int64))
        base_ranks = dense_ranks(correct)
        for j, v in enumerate(g.scores):
            ranks = dense_ranks(g.scores[v])
            if np.array_equal(ranks, base_ranks):  # e.g. the oracle: its order is R's, nothing to store
                entry["rank_of_correct"].append(v)
            else:
                arrays[f"t{i}/rank{j}"] = _uint(ranks)
            counts = auc_counts(g.scores[v], correct)[:2] if g.saved is None else g.saved.pooled_auc_counts(v, t)
            entry["pooled_auc"][v] = [int(c) for c in counts]
        div = (_text_diversity(g, seeds) if g.completions is not None else
               {s: g.saved.diversity(s, DIVERSITY_PARAMS, t) for s in seeds})
        for m in ("ngram_diversity", "edit_diversity"):
            arrays[f"t{i}/{m}"] = np.array([div[s][m] for s in seeds], dtype=np.float64).reshape(len(seeds), -1)
        header["temperatures"].append(entry)
    arrays["header"] = np.frombuffer(json.dumps(header, allow_nan=False).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        fh.write(lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME))
    return path


def load_compact(path: str | os.PathLike, meta: dict | None = None) -> SampleSet:
    """Read a compact samples file into a :class:`SampleSet` (``meta`` defaults to the saved run.json)."""
    path = Path(path)
    try:
        archive = np.load(io.BytesIO(lzma.decompress(path.read_bytes())), allow_pickle=False)
        header = json.loads(bytes(archive["header"]).decode())
    except (OSError, lzma.LZMAError, zipfile.BadZipFile, ValueError, KeyError) as e:
        raise BonawareError(f"{path}: not a readable compact samples file ({e})") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BonawareError(f"{path}: format {header.get('format')!r} version {header.get('version')!r}; "
                            f"this bonaware reads {FORMAT!r} version {VERSION}")
    seeds = [int(s) for s in header["diversity"]["seeds"]]
    groups = {}
    for i, e in enumerate(header["temperatures"]):
        ids, n = list(e["problem_ids"]), int(e["n"])

        def member(name: str, shape: tuple, i=i) -> np.ndarray:
            key = f"t{i}/{name}"
            if key not in archive.files:
                raise BonawareError(f"{path}: missing array {key!r}")
            a = archive[key]
            if a.shape != shape:
                raise BonawareError(f"{path}: array {key!r} has shape {a.shape}, expected {shape}")
            return a

        correct = np.unpackbits(member("correct", (len(ids), (n + 7) // 8)), axis=1, count=n).astype(float)
        answers = [[None if a == 0 else f"#{a}" for a in row] for row in member("answer", (len(ids), n)).tolist()]
        base_ranks = dense_ranks(correct)
        scores = {v: (base_ranks if v in e["rank_of_correct"] else member(f"rank{j}", (len(ids), n))).astype(float)
                  for j, v in enumerate(e["verifiers"])}
        div = {m: member(m, (len(seeds), len(ids))) for m in ("ngram_diversity", "edit_diversity")}
        saved = SavedStatistics({s: {m: div[m][k] for m in div} for k, s in enumerate(seeds)},
                                dict(header["diversity"]["params"]),
                                {v: (int(c[0]), int(c[1])) for v, c in e["pooled_auc"].items()})
        t = float(e["temperature"])
        groups[t] = TemperatureSamples(t, ids, correct, scores, answers,
                                       member("n_tokens", (len(ids), n)).astype(float),
                                       member("prompt_tokens", (len(ids),)).astype(float), None, saved)
    if not groups:
        raise BonawareError(f"{path}: the compact samples file holds no temperature")
    return SampleSet(path, dict(sorted(groups.items())), dict(header["meta"] if meta is None else meta),
                     header.get("training"))


def compact_run(run_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> Path:
    """Write ``run_dir``'s compact file (into ``out_dir``, default ``run_dir``) from its samples and run.json.

    Text diversity is saved for seed 0 (the report's default) and the run's evaluation seed (its
    metrics.json); training compute is read from the run's training folder when it still exists.
    """
    from bonaware.evaluation.compute import training_compute

    run_dir = Path(run_dir)
    meta = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else None
    samples = load_samples(run_dir, meta=meta)
    train_dir = samples.meta.get("train_dir")
    training = training_compute(train_dir, samples.meta.get("num_params")) if train_dir else None
    return write_compact(samples, Path(out_dir or run_dir) / COMPACT_FILE,
                         diversity_seeds={0, int(samples.meta.get("seed", 0))}, training=training)


def check_compact(run_dir: str | os.PathLike, compact_path: str | os.PathLike, *, n_boot: int = 200) -> list[str]:
    """Every metric of ``run_dir`` (compute_metrics at seed 0 and at the run's seed) from its samples.jsonl
    and from ``compact_path``; returns the JSON paths where they differ (empty: identical)."""
    from bonaware.evaluation.metrics import _json_safe, compute_metrics

    run_dir = Path(run_dir)
    meta = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else {}
    full = load_samples(run_dir / "samples.jsonl", meta=meta)
    compact = load_compact(compact_path, meta=meta)
    diffs: list[str] = []
    for seed in sorted({0, int(meta.get("seed", 0))}):
        a, b = (_json_safe(compute_metrics(s, n_boot=n_boot, seed=seed)) for s in (full, compact))
        _diff(a, b, f"seed {seed}: ", diffs)
    return diffs


def _diff(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            _diff(a.get(k), b.get(k), f"{path}/{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: {a!r} != {b!r}"[:200])
