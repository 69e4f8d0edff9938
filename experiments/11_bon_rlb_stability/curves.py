"""Experiment 11's training curves: gradient norm and reward per step for every method, N' and seed.

``collect TRAIN_DIR`` reads every ``<method>_<N'>/seed<s>/metrics.csv`` under TRAIN_DIR and prints one
compact CSV (method, n_prime, seed, step, grad_norm, reward, pass_at_n_batch), committed as
docs/results/11_bon_rlb_stability/curves.csv. ``plot CSV PNG`` draws the curves from that file, and
``summary CSV`` prints the per-run table of docs/results.md (final reward, the largest gradient norm,
steps whose gradient norm exceeded 10x the run's median, and whether the run diverged: a non-finite
loss or a final reward below half the run's best), so every number traces to the committed CSV.

    python experiments/11_bon_rlb_stability/curves.py summary docs/results/11_bon_rlb_stability/curves.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

FIELDS = ("method", "n_prime", "seed", "step", "grad_norm", "reward", "pass_at_n_batch")
_RUN = re.compile(r"^(?P<method>.+)_(?P<np>\d+)$")


def collect(train_dir: Path) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(FIELDS)
    for run in sorted(p for p in train_dir.iterdir() if p.is_dir() and _RUN.match(p.name)):
        m = _RUN.match(run.name)
        for seed_dir in sorted(run.glob("seed*"), key=lambda p: int(p.name[4:])):
            with open(seed_dir / "metrics.csv", newline="") as fh:
                for row in csv.DictReader(fh):
                    out.writerow([m["method"], m["np"], seed_dir.name[4:], row["step"],
                                  f"{float(row['grad_norm']):.6g}", f"{float(row['reward']):.6g}",
                                  f"{float(row['pass_at_n_batch']):.6g}"])


def load(path: Path) -> dict[tuple[str, int, int], list[dict]]:
    runs: dict[tuple[str, int, int], list[dict]] = defaultdict(list)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["method"], int(row["n_prime"]), int(row["seed"]))
            runs[key].append({k: float(row[k]) for k in ("step", "grad_norm", "reward", "pass_at_n_batch")})
    return dict(sorted(runs.items()))


def summary(path: Path) -> None:
    print("| method | N' | seed | final reward (last 20 steps) | max grad norm | steps > 10x median grad norm "
          "| diverged |")
    print("|---|---|---|---|---|---|---|")
    for (method, np_, seed), rows in load(path).items():
        g = sorted(r["grad_norm"] for r in rows)
        median = g[len(g) // 2]
        tail = [r["reward"] for r in rows[-20:]]
        final = sum(tail) / len(tail)
        best = max(r["reward"] for r in rows)
        spikes = sum(r["grad_norm"] > 10 * median for r in rows)
        diverged = any(not math.isfinite(r["grad_norm"]) for r in rows) or final < 0.5 * best
        print(f"| {method} | {np_} | {seed} | {final:.3f} | {g[-1]:.3g} | {spikes} | {'yes' if diverged else 'no'} |")


def plot(path: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = load(path)
    nps = sorted({k[1] for k in runs})
    fig, axes = plt.subplots(2, len(nps), figsize=(5 * len(nps), 6), squeeze=False, constrained_layout=True)
    colors = {"bon_rlb": "tab:red", "bon_rlb_p": "tab:blue"}
    for (method, np_, seed), rows in runs.items():
        col = nps.index(np_)
        steps = [r["step"] for r in rows]
        kw = {"color": colors.get(method, "gray"), "alpha": 0.7, "lw": 1,
              "label": method if seed == min(k[2] for k in runs if k[:2] == (method, np_)) else None}
        axes[0][col].plot(steps, [r["grad_norm"] for r in rows], **kw)
        axes[1][col].plot(steps, [r["reward"] for r in rows], **kw)
        axes[0][col].set_title(f"N' = {np_}: gradient norm (before clipping)")
        axes[1][col].set_title(f"N' = {np_}: mean reward of the step's samples")
    for ax in axes[0]:
        ax.set_yscale("log")
        ax.legend()
    for ax in axes[1]:
        ax.set_xlabel("step")
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    tmp.replace(png)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("collect").add_argument("train_dir", type=Path)
    sub.add_parser("summary").add_argument("csv", type=Path)
    p = sub.add_parser("plot")
    p.add_argument("csv", type=Path)
    p.add_argument("png", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        collect(args.train_dir)
    elif args.cmd == "summary":
        summary(args.csv)
    else:
        plot(args.csv, args.png)


if __name__ == "__main__":
    main()
