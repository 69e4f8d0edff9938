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

from bonaware.errors import BonawareError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="evaluation run folders (with samples.jsonl)")
    parser.add_argument("--out", default=None, help="folder for the compact file (one RUN_DIR only; default: RUN_DIR)")
    parser.add_argument("--check", action="store_true",
                        help="recompute every metric from both files and fail unless they are identical")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bonaware.evaluation.compact import check_compact, compact_run

    if args.out is not None and len(args.runs) != 1:
        raise BonawareError(f"--out takes one RUN_DIR, got {len(args.runs)}")
    for run_dir in args.runs:
        if not (Path(run_dir) / "samples.jsonl").is_file():
            raise BonawareError(f"{run_dir}: no samples.jsonl to convert")
        path = compact_run(run_dir, args.out)
        size = path.stat().st_size
        line = f"{path}: {size} bytes"
        if args.check:
            diffs = check_compact(run_dir, path)
            if diffs:
                raise BonawareError(f"{path}: the compact file changes {len(diffs)} number(s) of the metrics, "
                                    f"e.g. {'; '.join(diffs[:3])}")
            line += ", every metric identical"
        print(line)
    return 0
