"""Experiment 11's training curves: gradient norm and reward per step for every method, N' and seed.

``collect TRAIN_DIR`` reads every ``<method>_<N'>/seed<s>/metrics.csv`` under TRAIN_DIR and prints one
compact CSV (method, n_prime, seed, step, grad_norm, reward, pass_at_n_batch), committed as
docs/results/11_bon_rlb_stability/curves.csv. ``plot CSV PNG`` draws the curves from that file, and
``summary CSV`` prints the per-run table of docs/results.md (final reward, median and largest gradient
norm before clipping, steps whose gradient norm exceeded 10x the run's median, and whether the run
collapsed), so every number traces to the committed CSV.

A run *collapsed* when a gradient norm or reward is non-finite, or when the mean reward of its last
``WINDOW`` steps is below half of its best ``WINDOW``-step mean. Both sides are means over the same window:
one step's reward is the mean over a handful of prompts, so comparing against the single best step (as
this script's first version did) flags runs whose reward never fell, only fluctuated.

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


WINDOW = 20  # steps per reward mean: the "final reward" column and the collapse rule


def run_stats(rows: list[dict]) -> dict:
    """The summary numbers of one run's curve (rows in step order)."""
    g = sorted(r["grad_norm"] for r in rows)
    rewards = [r["reward"] for r in rows]
    w = min(WINDOW, len(rewards))
    means = [sum(rewards[i - w:i]) / w for i in range(w, len(rewards) + 1)]
    finite = all(math.isfinite(r["grad_norm"]) and math.isfinite(r["reward"]) for r in rows)
    median = g[len(g) // 2]
    return {"final_reward": means[-1], "best_reward": max(means), "median_grad_norm": median,
            "max_grad_norm": g[-1], "spikes": sum(r["grad_norm"] > 10 * median for r in rows),
            "collapsed": (not finite) or means[-1] < 0.5 * max(means)}


def summary(path: Path) -> None:
    print(f"| method | N' | seed | final reward (last {WINDOW} steps) | best {WINDOW}-step reward "
          "| median grad norm | max grad norm | steps > 10x median | collapsed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (method, np_, seed), rows in load(path).items():
        st = run_stats(rows)
        print(f"| {method} | {np_} | {seed} | {st['final_reward']:.3f} | {st['best_reward']:.3f} "
              f"| {st['median_grad_norm']:.3g} | {st['max_grad_norm']:.3g} | {st['spikes']} "
              f"| {'yes' if st['collapsed'] else 'no'} |")


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
        # one step's reward is a mean over a few prompts: the moving mean shows the trend
        rewards = [r["reward"] for r in rows]
        w = min(WINDOW, len(rewards))
        axes[1][col].plot(steps[w - 1:], [sum(rewards[i - w:i]) / w for i in range(w, len(rewards) + 1)], **kw)
        axes[0][col].set_title(f"N' = {np_}: gradient norm (before clipping)")
        axes[1][col].set_title(f"N' = {np_}: training reward, {w}-step moving mean")
    for ax in axes[0]:
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", ls=":", lw=1, label="clip (grad_clip = 1)")
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
