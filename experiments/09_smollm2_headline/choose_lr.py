"""Pick each method's learning rate on VAL (never test): the lr with the higher mean of val pass@16 and
Bo-16 (noisy verifier) at training seed 0. Prints `METHOD LR  score` lines, the chosen one first per method.

Usage: python experiments/09_smollm2_headline/choose_lr.py RUNS_DIR METHOD...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def score(run_dir: Path) -> float:
    m = json.loads((run_dir / "metrics.json").read_text())
    entry = next(iter(m["per_temperature"].values()))
    k = 16
    bon = entry["bon"]["noisy:target_auc=0.85"]["mean"][k - 1]
    return 0.5 * (entry["pass"]["mean"][k - 1] + bon)


def main(out: str, *methods: str) -> None:
    for method in methods:
        runs = sorted((Path(out) / "val" / method).glob("lr*"))
        if not runs:
            raise SystemExit(f"no val runs for {method} under {out}/val")
        scored = sorted(((score(r), r.name[2:]) for r in runs), reverse=True)
        best = scored[0]
        print(f"{method} {best[1]}  val_score={best[0]:.4f}  (searched: "
              + ", ".join(f"lr={lr} {s:.4f}" for s, lr in scored) + ")")


if __name__ == "__main__":
    main(*sys.argv[1:])
