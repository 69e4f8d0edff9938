"""Write a markdown report with PNG plots comparing evaluation runs (folders from `bonaware eval`).

Every number is recomputed from the runs' saved samples: Best-of-N and pass@N vs N with CI bands,
paired differences against the baseline (the first run), N x T heatmaps, co-scaling fits, accuracy
vs inference compute and the compute-savings factor, per-prompt P_fail before vs after, verifier
quality, diversity, and the BoN-RLB weights against the observed P_fail. See docs/report.md.

Several training seeds of one configuration form a run group: a folder of seed<s>/ runs (from
`bonaware eval --model runs/x` on a `train --seeds` run), or separate runs with the same name and
different training seeds. Groups get seed-aware 95% CIs, seed-aware paired differences against the
baseline group and P(A > B) (docs/statistics.md); a group of one run has prompt-only CIs.

Example:
  bonaware report runs/eval/base runs/eval/bon_rlb_p runs/eval/pass_at_k --out runs/report
  bonaware report runs/eval/grpo runs/eval/bon_rlb_p --out runs/report   # two folders of seed<s>/ runs
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR",
                        help="evaluation run folders, or folders of seed<s>/ runs (one group each); first = baseline")
    parser.add_argument("--out", required=True, help="report folder (report.md, PNGs, report.json)")
    parser.add_argument("--names", default=None, help="comma-separated display names, one per RUN_DIR (a repeated "
                        "name with distinct training seeds makes one group)")
    parser.add_argument("--baseline", default=None, help="name of the baseline run or group (default: the first)")
    parser.add_argument("--temperature", type=float, default=None,
                        help="temperature of the single-T sections (default: the shared T closest to 1)")
    parser.add_argument("--verifier", default=None, help="verifier label for Best-of-N (default: the first shared)")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals")
    parser.add_argument("--n_boot", "--n-boot", type=int, default=2000, help="bootstrap replicates")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")


def run(args: argparse.Namespace) -> int:
    from bonaware.evaluation.report import write_report

    names = args.names.split(",") if args.names else None
    path = write_report(args.runs, args.out, names=names, baseline=args.baseline, temperature=args.temperature,
                        verifier=args.verifier, level=args.level, n_boot=args.n_boot, seed=args.seed,
                        progress=True)
    print(f"report written to {path}")
    return 0
