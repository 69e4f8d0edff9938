"""Write the compact samples file (samples.npz.xz) of evaluation run folders from their samples.jsonl.

The compact file holds every number the run's metrics and `bonaware report` are computed from (R,
within-prompt verifier ranks, answer ids, token counts, and the pooled-AUC and text-diversity
statistics that need the texts) in a few bytes per sample, so it can be committed; `bonaware eval`
writes it itself, this command converts older runs. See docs/evaluation.md ("Compact samples").

Examples:
  bonaware compact runs/eval/base runs/eval/bon_rlb_p
  bonaware compact runs/experiments/03_pass_at_n/eval/base --out docs/results/03_pass_at_n/data/base --check
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bonaware.config import add_config_arguments, config_from_args, option
from bonaware.errors import BonawareError


@dataclass
class CompactConfig:
    """Configuration of ``bonaware compact``."""

    runs: list[str] = option([], "evaluation run folders (with samples.jsonl)", positional=True,
                             default_text="none; give at least one")
    out: str | None = option(None, "folder for the compact file (one run folder only)", default_text="the run folder")
    check: bool = option(False, "recompute every metric from both files and fail unless they are identical")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        if not self.runs:
            raise BonawareError("give at least one run folder (bonaware compact RUN_DIR...)")
        if self.out is not None and len(self.runs) != 1:
            raise BonawareError(f"--out takes one run folder, got {len(self.runs)}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, CompactConfig)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bonaware.evaluation.compact import check_compact, compact_run

    cfg = config_from_args(CompactConfig, args)
    for run_dir in cfg.runs:
        if not (Path(run_dir) / "samples.jsonl").is_file():
            raise BonawareError(f"{run_dir}: no samples.jsonl to convert")
        path = compact_run(run_dir, cfg.out)
        size = path.stat().st_size
        line = f"{path}: {size} bytes"
        if cfg.check:
            diffs = check_compact(run_dir, path)
            if diffs:
                raise BonawareError(f"{path}: the compact file changes {len(diffs)} number(s) of the metrics, "
                                    f"e.g. {'; '.join(diffs[:3])}")
            line += ", every metric identical"
        print(line)
    return 0
