"""Run groups: several training seeds of one configuration, evaluated on the same prompts (issue 13;
docs/statistics.md, docs/report.md).

* A *seed folder* is a folder whose sub-folders ``seed<s>/`` are runs of training seed s:
  ``bonaware train --seeds 0,1,2 --out runs/x`` writes ``runs/x/seed<s>/final``;
  ``bonaware eval --model runs/x --out runs/eval/x`` evaluates each into ``runs/eval/x/seed<s>``
  (:func:`eval_seed_group`; every seed on the same prompts, ``--seed`` fixed), and
  ``bonaware report runs/eval/x …`` reads that folder as one group.
* Evaluation runs given separately with the same name (``run.json`` ``name`` or ``--names``) and
  different training seeds (``run.json`` ``train_seed``, else the ``seed`` in its training run's
  ``config.json``) also form one group (:func:`collect_groups`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.evaluation.compact import COMPACT_FILE
from bonaware.evaluation.samples import SAMPLES_FILE, SampleSet

#: what makes a folder an evaluation run: its samples, full or compact (a committed run has only the latter)
EVAL_RUN = (SAMPLES_FILE, COMPACT_FILE)
_SEED = re.compile(r"^seed(\d+)$")


def seed_subdirs(folder: str | Path, marker: str | tuple[str, ...]) -> list[tuple[int, Path]]:
    """``[(s, folder/seed<s>)]`` sorted by s, for the sub-folders that contain ``marker`` (a file or
    folder name, or any of several, e.g. ``final`` for training runs, :data:`EVAL_RUN` for evaluation runs)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if p.is_dir() and (m := _SEED.match(p.name))
             and _has(p, marker)]
    return sorted(found)


def _has(folder: Path, marker: str | tuple[str, ...]) -> bool:
    return any((folder / m).exists() for m in ((marker,) if isinstance(marker, str) else marker))


def is_seed_folder(folder: str | Path, marker: str | tuple[str, ...] = EVAL_RUN) -> bool:
    """True for a folder of ``seed<s>/`` runs that is not itself a run (no ``marker`` of its own)."""
    return not _has(Path(folder), marker) and bool(seed_subdirs(folder, marker))


def train_seed_of(meta: dict) -> int | None:
    """The training seed of an evaluation run: ``run.json``'s ``train_seed``, else the ``seed`` saved
    in its training run's ``config.json`` (``train_dir``), else None (an untrained model, or unknown)."""
    if meta.get("train_seed") is not None:
        return int(meta["train_seed"])
    train_dir = meta.get("train_dir")
    config = Path(train_dir) / "config.json" if train_dir else None
    if config is not None and config.is_file():
        try:
            seed = json.loads(config.read_text()).get("seed")
        except json.JSONDecodeError as exc:
            raise BonawareError(f"{config}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        return None if seed is None else int(seed)
    return None


@dataclass
class RunGroup:
    """One configuration's evaluation runs: ``runs[i]`` is training seed ``seeds[i]`` (None: unknown, or
    an untrained model). ``member_names`` label the runs in per-run sections of the report."""

    name: str
    runs: list[SampleSet]
    seeds: list[int | None]
    dirs: list[Path]

    @property
    def seed_aware(self) -> bool:
        """Two or more training seeds: intervals can cover the variation between training runs."""
        return len(self.runs) >= 2

    @property
    def member_names(self) -> list[str]:
        if len(self.runs) == 1:
            return [self.name]
        return [f"{self.name} [seed {s}]" for s in self.seeds]


def _load_argument(folder: Path, load_run) -> tuple[list[SampleSet], list[Path], bool]:
    if is_seed_folder(folder):
        found = seed_subdirs(folder, EVAL_RUN)
        runs = [load_run(p) for _, p in found]
        for (s, _), run in zip(found, runs):  # runs evaluated before run.json had train_seed: the folder's
            if train_seed_of(run.meta) is None:
                run.meta["train_seed"] = s
        return runs, [p for _, p in found], True
    return [load_run(folder)], [folder], False


def _default_name(folder: Path, runs: list[SampleSet], is_group: bool) -> str:
    if is_group:  # the members' common group/name, else the folder's name
        labels = {str(r.meta.get("group") or r.meta.get("name") or "") for r in runs}
        return labels.pop() if len(labels) == 1 and "" not in labels else folder.name
    return str(runs[0].meta.get("name") or folder.name)


def collect_groups(run_dirs: Sequence[str | Path], names: Sequence[str] | None, load_run) -> list[RunGroup]:
    """The run groups of the report's arguments, in argument order (a group sits where its first run is).

    Each argument is an evaluation run folder or a seed folder. Arguments with the same name whose runs
    all have distinct known training seeds merge into one group; other same-name arguments are told
    apart by their folder name (``name (folder)``), as before groups existed.
    """
    dirs = [Path(d) for d in run_dirs]
    if names is not None and len(names) != len(dirs):
        raise BonawareError(f"--names has {len(names)} names for {len(dirs)} run folders")
    loaded = [_load_argument(d, load_run) for d in dirs]
    labels = list(names) if names is not None else [_default_name(d, r, g) for d, (r, _, g) in zip(dirs, loaded)]
    for runs, _, _ in loaded:
        for run in runs:
            run.meta["train_seed"] = train_seed_of(run.meta)

    def mergeable(label: str) -> bool:
        seeds = [r.meta["train_seed"] for (runs, _, _), lab in zip(loaded, labels) if lab == label for r in runs]
        return None not in seeds and len(set(seeds)) == len(seeds)

    merge = {lab for lab in labels if labels.count(lab) > 1 and mergeable(lab)}
    final = [lab if labels.count(lab) == 1 or lab in merge else f"{lab} ({d.name})" for lab, d in zip(labels, dirs)]
    if {x for x in final if final.count(x) > 1} - merge:
        raise BonawareError(f"run names are not unique: {final}; pass --names")
    groups: dict[str, RunGroup] = {}
    for (runs, subdirs, _), label in zip(loaded, final):
        g = groups.setdefault(label, RunGroup(label, [], [], []))
        g.runs += runs
        g.seeds += [r.meta["train_seed"] for r in runs]
        g.dirs += subdirs
    for g in groups.values():  # members in seed order (None, an untrained model, first)
        order = sorted(range(len(g.runs)), key=lambda i: (g.seeds[i] is not None, g.seeds[i] or 0))
        g.runs, g.seeds, g.dirs = [g.runs[i] for i in order], [g.seeds[i] for i in order], [g.dirs[i] for i in order]
        if len(g.runs) > 1 and (None in g.seeds or len(set(g.seeds)) != len(g.seeds)):
            raise BonawareError(f"group {g.name!r} has runs without distinct training seeds ({g.seeds}) in "
                                f"{', '.join(map(str, g.dirs))}")
    return list(groups.values())


def eval_seed_group(cfg: Any, progress: bool = True) -> list:
    """``bonaware eval --model runs/x`` where ``runs/x`` holds ``seed<s>/final``: evaluate every seed into
    ``cfg.out/seed<s>`` with the same prompts and sampling seed (``cfg.seed``), each a normal evaluation
    run whose ``run.json`` records ``train_seed`` (from the training run's ``config.json``), ``group``
    and ``name`` (``--name``, default the model folder). Returns the :class:`EvalResult` of each seed."""
    from bonaware.evaluation.generate import run_eval

    finals = seed_subdirs(cfg.model, "final")
    if not finals:
        raise BonawareError(f"--model {cfg.model!r} holds no seed<s>/final training runs")
    group = cfg.name or str(cfg.model).rstrip("/")
    results = []
    for s, run_dir in finals:
        seed_cfg = replace(cfg, model=str(run_dir / "final"), out=str(Path(cfg.out) / f"seed{s}"), name=group,
                           train_dir=str(run_dir))
        if progress:
            print(f"training seed {s}: evaluating {seed_cfg.model} into {seed_cfg.out}")
        results.append(run_eval(seed_cfg, progress=progress, extra_meta={"group": group}))
    return results
