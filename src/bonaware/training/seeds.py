"""Several training seeds of one configuration: ``bonaware train --seeds 0,1,2 --out runs/x``
(issue 13; docs/training.md "Seeds", docs/statistics.md).

Each seed is a normal training run in its own folder ``runs/x/seed<s>`` (``seed`` set to s, its
own checkpoints, ``metrics.csv`` and ``final/``), trained one after another with :func:`train`,
which stays the single-run API. The loop is resumable: a seed whose ``final/`` exists is skipped,
an unfinished one resumes from its newest checkpoint (``resume`` is always on inside the loop).
A seed folder written with other settings is an error, never silently reused or mixed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from bonaware.errors import BonawareError
from bonaware.training.config import TrainConfig

#: config keys that do not change what a run computes: they may differ when a seed folder is reused
BOOKKEEPING = ("out", "resume", "ckpt_every", "log_every", "device", "logprob_chunk")
SEED_DIR = "seed{}"


def seed_dir(out: str | Path, seed: int) -> Path:
    """The run folder of training seed ``seed`` inside the group folder ``out``."""
    return Path(out) / SEED_DIR.format(int(seed))


def seed_configs(cfg: TrainConfig) -> list[TrainConfig]:
    """One single-run config per entry of ``cfg.seeds`` (seed s → ``out/seed<s>``, resume on)."""
    if not cfg.seeds:
        raise BonawareError("--seeds is empty: give a comma-separated list of training seeds, e.g. 0,1,2")
    return [replace(cfg, seed=int(s), seeds=None, out=str(seed_dir(cfg.out, s)), resume=True) for s in cfg.seeds]


def _differences(saved: dict, cfg: TrainConfig) -> list[str]:
    now = asdict(cfg)
    return [f"{k}={saved[k]!r} (now {now[k]!r})" for k in now
            if k in saved and k not in BOOKKEEPING and saved[k] != now[k]]


def check_seed_folder(cfg: TrainConfig) -> bool:
    """True when ``cfg.out`` already holds this run finished (its ``final/`` exists); an error when the
    folder's ``config.json`` was written with other settings; False otherwise (fresh or resumable)."""
    out = Path(cfg.out)
    saved_path = out / "config.json"
    if saved_path.is_file():
        try:
            saved = json.loads(saved_path.read_text())
        except json.JSONDecodeError as exc:
            raise BonawareError(f"{saved_path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if diff := _differences(saved, cfg):
            raise BonawareError(f"{out} already holds a training run with other settings: {'; '.join(diff)}. "
                                "Use another --out, or the same settings to resume")
    return (out / "final").is_dir()


def train_seeds(cfg: TrainConfig, progress: bool = True,
                train_fn: Callable[[TrainConfig], Path] | None = None) -> list[Path]:
    """Train every seed of ``cfg.seeds`` (skipping finished ones); returns their ``final/`` folders.

    ``train_fn(cfg) -> final folder`` defaults to :func:`bonaware.training.trainer.train`.
    """
    cfg.validate()
    configs = seed_configs(cfg)
    finished = [check_seed_folder(c) for c in configs]  # every folder checked before any training
    if train_fn is None:
        from bonaware.training.trainer import train

        def train_fn(c: TrainConfig) -> Path:
            return train(c, progress=progress)

    finals = []
    for c, done in zip(configs, finished):
        if done:
            if progress:
                print(f"seed {c.seed}: finished run in {c.out}, skipped")
            finals.append(Path(c.out) / "final")
            continue
        if progress:
            print(f"seed {c.seed}: training into {c.out}")
        finals.append(Path(train_fn(c)))
    return finals
