"""Pick each method's learning rate on VAL, never on test (docs/statistics.md: tune on val, report on test).

For every METHOD, reads the samples of VAL_DIR/METHOD/lr<LR> (one `bonaware eval --split val` run per
learning rate, training seed 0; the committed compact samples.npz.xz suffices) and scores each lr by
the mean of val pass@K and Bo-K with VERIFIER at temperature 1 (the means metrics.json holds). Prints
one line per method: `METHOD LR  val_score=...  (searched: lr=... score, ...)`, which run.sh scripts
read back with awk.

Usage: python experiments/choose_lr.py VAL_DIR METHOD... [--k 8] [--verifier noisy:target_auc=0.85]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bonaware.evaluation.curves import bon_curve, pass_curve
from bonaware.evaluation.report import load_run


def score(run_dir: Path, k: int, verifier: str) -> float:
    g = load_run(run_dir).at(1.0)
    # the whole k-curves averaged over prompts, exactly as metrics.json's "mean" is computed
    return 0.5 * (float(pass_curve(g).mean(axis=0)[k - 1]) + float(bon_curve(g, verifier).mean(axis=0)[k - 1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("val_dir")
    parser.add_argument("methods", nargs="+")
    parser.add_argument("--k", type=int, default=8, help="the N of pass@N and Bo-N (default 8)")
    parser.add_argument("--verifier", default="noisy:target_auc=0.85", help="Best-of-N verifier label")
    args = parser.parse_args(argv)
    for method in args.methods:
        runs = sorted((Path(args.val_dir) / method).glob("lr*"))
        if not runs:
            raise SystemExit(f"no val runs for {method} under {args.val_dir}")
        scored = sorted(((score(r, args.k, args.verifier), r.name[2:]) for r in runs), reverse=True)
        print(f"{method} {scored[0][1]}  val_score={scored[0][0]:.4f}  (searched: "
              + ", ".join(f"lr={lr} {s:.4f}" for s, lr in scored) + ")")


if __name__ == "__main__":
    main()
