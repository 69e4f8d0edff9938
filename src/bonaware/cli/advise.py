"""Which model, N and temperature for my inference budget? A calibrated prediction with a CI.

Give pilot runs of 'bonaware eval' on the val split (one per candidate model: the base model, each
trained checkpoint; each at one or more temperatures, all on the same prompts). For every option
(model x T x N) whose cost fits the budget it predicts the expected Best-of-N (or pass@N) accuracy on
new prompts from the same task distribution, with a 95% bootstrap CI over prompts; for N beyond the
pilot's n it extrapolates with the co-scaling law exp(a*N^b) (flagged). It recommends the best option,
names the runner-up and the probability that the recommendation is better (paired over prompts), and
writes advice.json, advice.md and frontier.png. See docs/advise.md.

Example:
  bonaware eval --split val --n 16 --temperatures 0.7,1.0 --out runs/pilot/base
  bonaware eval --split val --n 16 --temperatures 0.7,1.0 --model runs/grpo/final --out runs/pilot/grpo
  bonaware advise runs/pilot/base runs/pilot/grpo --budget 32
"""

from __future__ import annotations

import argparse

from bonaware.config import add_config_arguments, config_from_args
from bonaware.evaluation.config import AdviseConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser, AdviseConfig)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(AdviseConfig, args)
    from bonaware.evaluation.advise import advise, format_advice, pilot_names, write_advice
    from bonaware.evaluation.report import load_run

    sets = [load_run(d) for d in cfg.runs]
    names = pilot_names(cfg.runs, sets, cfg.names or None)
    advice = advise(dict(zip(names, sets)), cfg.budget, budget_unit=cfg.budget_unit, metric=cfg.metric,
                    verifier=cfg.verifier, level=cfg.level, n_boot=cfg.n_boot, seed=cfg.seed,
                    max_extrapolation=cfg.max_extrapolation, temperatures=cfg.temperatures or None,
                    fit_from=cfg.fit_from)
    out = cfg.out or cfg.default_out()
    write_advice(advice, out)
    print(format_advice(advice, full=False))
    print(f"advice written to {out}/ (advice.json, advice.md with every option, frontier.png; choose another "
          "folder with --out)")
    return 0
