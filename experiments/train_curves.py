"""Training curves of an experiment's runs, kept as one compact CSV so every training-log number of
docs/results.md traces to committed data (the full logs under runs/ are not committed).

``collect TRAIN_DIR`` reads every ``<run>/seed<s>/metrics.csv`` under TRAIN_DIR (``<run>`` is the method,
or ``<method>_<N'>`` in experiment 11) and prints one CSV: run, seed, step, grad_norm (before clipping),
reward (mean over the step's samples), mean_abs_weight (mean |per-sample weight| the objective gave),
frac_all_wrong (share of the step's groups with no correct sample). Experiments 9 and 11 commit it as
``docs/results/<exp>/training.csv``.

``summary CSV`` prints the per-run table: final reward (mean of the last ``WINDOW`` steps), best
``WINDOW``-step mean reward, mean |weight|, share of all-wrong groups, median and largest gradient norm,
steps above 10x the run's median gradient norm, and whether the run *collapsed*: a non-finite gradient
norm or reward, or a final reward below half of its best ``WINDOW``-step mean. Both sides of that rule
are windowed means: one step's reward is a mean over a handful of prompts, and comparing with the single
best step (experiment 11's first version) flags runs whose reward never fell, only fluctuated.

``plot CSV PNG [--clip C]`` draws gradient norm and the ``WINDOW``-step moving mean reward per run and seed, one
column per N' when the runs are named ``<method>_<N'>``, one colour per method.

    python experiments/train_curves.py summary docs/results/11_bon_rlb_stability/training.csv
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

FIELDS = ("run", "seed", "step", "grad_norm", "reward", "mean_abs_weight", "frac_all_wrong")
_LOG = {"grad_norm": "grad_norm", "reward": "reward", "mean_abs_weight": "obj/mean_abs_weight",
        "frac_all_wrong": "obj/frac_all_wrong"}  # training metrics.csv column of each field
_NP = re.compile(r"^(?P<method>.+)_(?P<np>\d+)$")
WINDOW = 20  # steps per reward mean: the "final reward" column and the collapse rule


def collect(train_dir: Path) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(FIELDS)
    for run in sorted(p for p in train_dir.iterdir() if p.is_dir()):
        for seed_dir in sorted(run.glob("seed*/"), key=lambda p: int(p.name[4:])):
            if not (seed_dir / "metrics.csv").is_file():  # a training that has not logged a step yet
                continue
            with open(seed_dir / "metrics.csv", newline="") as fh:
                for row in csv.DictReader(fh):
                    out.writerow([run.name, seed_dir.name[4:], row["step"]]
                                 + [f"{float(row[col]):.6g}" for col in _LOG.values()])


def load(path: Path) -> dict[tuple[str, int], list[dict]]:
    runs: dict[tuple[str, int], list[dict]] = defaultdict(list)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            runs[(row["run"], int(row["seed"]))].append({k: float(row[k]) for k in ("step", *_LOG)})
    return dict(runs)


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
            "mean_abs_weight": sum(r["mean_abs_weight"] for r in rows) / len(rows),
            "frac_all_wrong": sum(r["frac_all_wrong"] for r in rows) / len(rows),
            "collapsed": (not finite) or means[-1] < 0.5 * max(means)}


def summary(path: Path) -> None:
    print(f"| run | seed | final reward (last {WINDOW} steps) | best {WINDOW}-step reward | mean abs weight "
          "| all-wrong groups | median grad norm | max grad norm | steps > 10x median | collapsed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (run, seed), rows in load(path).items():
        st = run_stats(rows)
        print(f"| {run} | {seed} | {st['final_reward']:.3f} | {st['best_reward']:.3f} "
              f"| {st['mean_abs_weight']:.3g} | {st['frac_all_wrong']:.2f} "
              f"| {st['median_grad_norm']:.3g} | {st['max_grad_norm']:.3g} | {st['spikes']} "
              f"| {'yes' if st['collapsed'] else 'no'} |")


def _split(run: str) -> tuple[str, str]:
    m = _NP.match(run)
    return (m["method"], f"N' = {m['np']}") if m else (run, "")


def plot(path: Path, png: Path, clip: float | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = load(path)
    panels = sorted({_split(r)[1] for r, _ in runs}, key=lambda p: (len(p), p))
    methods = sorted({_split(r)[0] for r, _ in runs})
    colors = dict(zip(methods, itertools.cycle(plt.rcParams["axes.prop_cycle"].by_key()["color"])))
    fig, axes = plt.subplots(2, len(panels), figsize=(5 * len(panels), 6), squeeze=False,
                             constrained_layout=True)
    labelled = set()
    for (run, _seed), rows in sorted(runs.items()):
        method, panel = _split(run)
        col = panels.index(panel)
        label = method if (method, panel) not in labelled else None
        labelled.add((method, panel))
        kw = {"color": colors[method], "alpha": 0.7, "lw": 1, "label": label}
        steps = [r["step"] for r in rows]
        axes[0][col].plot(steps, [r["grad_norm"] for r in rows], **kw)
        # one step's reward is a mean over a few prompts: the moving mean shows the trend
        rewards = [r["reward"] for r in rows]
        w = min(WINDOW, len(rewards))
        axes[1][col].plot(steps[w - 1:], [sum(rewards[i - w:i]) / w for i in range(w, len(rewards) + 1)], **kw)
        prefix = f"{panel}: " if panel else ""
        axes[0][col].set_title(f"{prefix}gradient norm (before clipping)")
        axes[1][col].set_title(f"{prefix}training reward, {w}-step moving mean")
    for ax in axes[0]:
        ax.set_yscale("log")
        if clip:
            ax.axhline(clip, color="black", ls=":", lw=1, label=f"grad_clip = {clip:g}")
        ax.legend(fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("step")
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(png)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("collect").add_argument("train_dir", type=Path)
    sub.add_parser("summary").add_argument("csv", type=Path)
    p = sub.add_parser("plot")
    p.add_argument("csv", type=Path)
    p.add_argument("png", type=Path)
    p.add_argument("--clip", type=float, default=None, help="draw the trainer's grad_clip as a line")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        collect(args.train_dir)
    elif args.cmd == "summary":
        summary(args.csv)
    else:
        plot(args.csv, args.png, args.clip)


if __name__ == "__main__":
    main()
