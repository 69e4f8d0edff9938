"""Experiment 4's cross table: Bo-N of every model (rows: the verifier it was trained with) under every
verifier (columns), with 95% bootstrap CIs over prompts, from each evaluation's metrics.json.

    python experiments/04_verifier_quality/matrix.py runs/experiments/04_verifier_quality/eval --k 8
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROWS = ["base", "auc0.6", "auc0.75", "auc0.9", "auc1.0", "learned"]


def column_label(verifier: str) -> str:
    if verifier.startswith("noisy:target_auc="):
        return "AUC " + verifier.split("=")[1]
    return "learned" if verifier.startswith("learned") else verifier


def matrix(eval_dir: Path, k: int, temperature: str = "1") -> str:
    runs = {r: json.loads((eval_dir / r / "metrics.json").read_text()) for r in ROWS if (eval_dir / r).is_dir()}
    if "base" not in runs:
        raise SystemExit(f"error: {eval_dir}/base/metrics.json is missing (run the experiment first)")
    base = runs["base"]["per_temperature"][temperature]
    verifiers = list(base["bon"])
    auc = base["verifier_auc"]
    head = [f"{column_label(v)} (AUC on base samples {auc[v]['within_prompt_auc']:.2f})" for v in verifiers]
    lines = [f"| trained with ↓ · Bo-{k} under → | " + " | ".join(head) + " |", "|---|" + "---|" * len(verifiers)]
    for r, m in runs.items():
        e = m["per_temperature"][temperature]["bon"]
        cells = [f"{e[v]['mean'][k - 1]:.3f} [{e[v]['lo'][k - 1]:.3f}, {e[v]['hi'][k - 1]:.3f}]" for v in verifiers]
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
