"""Verdict-status shares of the code sandbox over training (experiment 14): reward hacking shows as drift.

Reads ``<train>/<method>/seed<s>/metrics.csv`` (the trainer's per-step ``status/<name>`` shares of the
oracle's verdicts, docs/training.md) and prints a markdown table of the mean shares over the first and
the last ``--window`` steps of each run. ``--save DIR`` also writes each run's step and status columns
to ``DIR/<method>/seed<s>/metrics.csv`` — the compact copy experiments commit, which this script reads
back the same way (a fresh clone has no training folders).

Usage: python experiments/14_code/statuses.py RUNS/14_code/train [--save docs/results/14_code/data/status]
       python experiments/14_code/statuses.py docs/results/14_code/data/status
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

STATUSES = ("passed", "failed", "error", "timeout", "oom", "other")


def shares(rows: list[dict[str, str]]) -> list[float]:
    """Mean share of each status over ``rows`` (a missing column counts as 0)."""
    return [sum(float(r.get(f"status/{s}") or 0.0) for r in rows) / max(1, len(rows)) for s in STATUSES]


def save(rows: list[dict[str, str]], path: Path) -> None:
    """The step and status/* columns of ``rows`` as a CSV at ``path`` (temp file, then rename)."""
    columns = ["step"] + [f"status/{s}" for s in STATUSES if f"status/{s}" in rows[0]]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train", type=Path, help="folder of <method>/seed<s>/metrics.csv")
    ap.add_argument("--window", type=int, default=15, help="steps averaged at the start and at the end")
    ap.add_argument("--save", type=Path, default=None, help="write the step + status columns of every run here")
    args = ap.parse_args(argv)
    files = sorted(args.train.glob("*/seed*/metrics.csv"))
    if not files:
        print(f"error: no */seed*/metrics.csv under {args.train}", file=sys.stderr)
        return 2
    print("| method | seed | steps | " + " | ".join(f"{s} first→last" for s in STATUSES) + " |")
    print("|---|---|---|" + "---|" * len(STATUSES))
    for f in files:
        with f.open(newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("status/passed") not in (None, "")]
        if not rows:
            continue
        if args.save is not None:
            save(rows, args.save / f.parent.parent.name / f.parent.name / "metrics.csv")
        first, last = shares(rows[: args.window]), shares(rows[-args.window:])
        cells = " | ".join(f"{a:.3f}→{b:.3f}" for a, b in zip(first, last))
        print(f"| {f.parent.parent.name} | {f.parent.name[4:]} | {len(rows)} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
