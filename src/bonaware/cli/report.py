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
  bonaware report runs/eval/base runs/eval/bon_rlb_p runs/eval/pass_at_k      # into runs/report
  bonaware report runs/eval/grpo runs/eval/bon_rlb_p --out runs/report_seeds   # two folders of seed<s>/ runs
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.evaluation.config import ReportConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, ReportConfig)


def run(args: argparse.Namespace) -> int:
    from bonaware.evaluation.report import write_report

    cfg = config_from_args(ReportConfig, args)
    print(f"writing the report of {len(cfg.runs)} run(s) to {cfg.out}/ (choose another folder with --out)")
    path = write_report(cfg.runs, cfg.out, names=cfg.names or None, baseline=cfg.baseline,
                        temperature=cfg.temperature, verifier=cfg.verifier, level=cfg.level, n_boot=cfg.n_boot,
                        seed=cfg.seed, progress=True)
    print(f"report written to {path}")
    return 0
