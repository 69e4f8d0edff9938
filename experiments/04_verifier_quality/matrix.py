"""Experiment 4's cross table: Bo-N of every model (rows: the verifier it was trained with) under every
verifier (columns), with 95% bootstrap CIs over prompts, recomputed from each evaluation run folder's
samples (the committed samples.npz.xz suffices) exactly as its metrics.json computes them.

    python experiments/04_verifier_quality/matrix.py docs/results/04_verifier_quality/data --k 8
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bonaware.evaluation.curves import bon_curve, summarize
from bonaware.evaluation.quality import verifier_auc
from bonaware.evaluation.report import load_run

ROWS = ["base", "auc0.6", "auc0.75", "auc0.9", "auc1.0", "learned"]


def column_label(verifier: str) -> str:
    if verifier.startswith("noisy:target_auc="):
        return "AUC " + verifier.split("=")[1]
    return "learned" if verifier.startswith("learned") else verifier


def matrix(eval_dir: Path, k: int, temperature: float = 1.0, n_boot: int = 2000, seed: int = 0) -> str:
    runs = {r: load_run(eval_dir / r).at(temperature) for r in ROWS if (eval_dir / r).is_dir()}
    if "base" not in runs:
        raise SystemExit(f"error: {eval_dir}/base is missing (run the experiment first)")
    verifiers = list(runs["base"].scores)
    auc = {v: verifier_auc(runs["base"], v)["within_prompt_auc"] for v in verifiers}
    head = [f"{column_label(v)} (AUC on base samples {auc[v]:.2f})" for v in verifiers]
    lines = [f"| trained with ↓ · Bo-{k} under → | " + " | ".join(head) + " |", "|---|" + "---|" * len(verifiers)]
    for r, g in runs.items():
        cells = []
        for v in verifiers:  # the whole BoN@1..n curve, as metrics.json summarises it (same bootstrap draws)
            s = summarize(bon_curve(g, v), level=0.95, n_boot=n_boot, seed=seed)
            cells.append(f"{s['mean'][k - 1]:.3f} [{s['lo'][k - 1]:.3f}, {s['hi'][k - 1]:.3f}]")
        lines.append(f"| {r} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval_dir", type=Path)
    ap.add_argument("--k", type=int, default=8)
    args = ap.parse_args(argv)
    print(matrix(args.eval_dir, args.k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
