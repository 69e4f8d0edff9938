"""``bonaware toy``: an exact tabular demo of every objective (docs/toy.md).

Several prompts of graded difficulty, each a categorical policy over a handful of candidate answers with a
verifier of set quality. Each method is trained with its *exact* expected gradient E[Σ_j w_j ∇log π(y_j)]
(enumerating all N′-samples with :mod:`bonaware.tabular`, no sampling noise) under the same KL budget to the
initial policy, then evaluated exactly: Bo-N accuracy under the verifier and pass@N for several N.

    from bonaware.toy import ToyConfig, run_toy
    results = run_toy(ToyConfig(out="runs/toy"))      # dict; also writes the files into cfg.out
"""

from __future__ import annotations

import time

from tqdm.auto import tqdm

from bonaware.config import to_dict
from bonaware.toy.config import DEFAULT_METHODS, ToyConfig
from bonaware.toy.methods import METHODS, ExpectedGradient, ToyMethod, compile_method
from bonaware.toy.prompts import ToyPrompts, make_prompts
from bonaware.toy.report import write_outputs
from bonaware.toy.train import TrainResult, evaluate, train_method

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "ExpectedGradient",
    "ToyConfig",
    "ToyMethod",
    "ToyPrompts",
    "TrainResult",
    "compile_method",
    "evaluate",
    "make_prompts",
    "run_toy",
    "train_method",
]


def run_toy(cfg: ToyConfig, *, write: bool = True, progress: bool = True) -> dict:
    """Train every method of ``cfg`` and evaluate it with the base policy; write the outputs into
    ``cfg.out`` when ``write``. Returns the results dict (the content of ``toy_results.json``, plus
    ``"tables"``, the printed text)."""
    cfg.validate()
    start = time.perf_counter()
    prompts = make_prompts(cfg)
    policies = {"base": {"label": "base policy", "description": "the initial policy π_0",
                         "eval": evaluate(prompts.logits, prompts, cfg.eval_ns)}}
    for name in tqdm(cfg.methods, desc="toy methods", disable=not progress, leave=False):
        trained = train_method(name, prompts, cfg)
        spec = METHODS[name]
        policies[name] = {"label": spec.label, "description": spec.description, "objective": spec.objective,
                          "eval": evaluate(trained.logits, prompts, cfg.eval_ns), "history": trained.history}
    results = {
        "config": to_dict(cfg),
        "prompts": {"base_success": prompts.base_success.tolist(), "rewards": prompts.rewards.tolist(),
                    "scores": prompts.scores.tolist()},
        "policies": policies,
        "wall_time_s": time.perf_counter() - start,
    }
    if write:
        tables, _ = write_outputs(results, cfg.out, plots=cfg.plots)
    else:
        from bonaware.toy.report import print_tables

        tables = print_tables(results)
    return {**results, "tables": tables}
