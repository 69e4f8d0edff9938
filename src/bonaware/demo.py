"""``bonaware demo``: the main job — does BoN-aware fine-tuning make Best-of-N better? (paper.md §5)

On the embedded default (model ``tiny``, task ``arith``, a noisy verifier of AUC 0.85), with one
budget for every method:

1. evaluate the base policy on held-out prompts (n samples per prompt at T, oracle R + verifier r);
2. train a BoN-unaware baseline — RL with N′ = 1 (REINFORCE + value baseline) — and BoN-aware
   methods (default ``bon_rlb_p``, ``bon_rl_v``, ``pass_at_k``) with N′ samples per prompt, all with
   the same prompts per step and steps, as in the paper (Table 2: batch 32 for every method);
   ``--equal_samples`` instead gives N′ = 1 methods N′× more prompts per step (same samples);
3. evaluate each on the same prompts: Bo-N (verifier) and pass@N for N ∈ {1, 2, 4, ..., n} with the
   unbiased estimators and 95% bootstrap CIs over prompts, paired differences against the base;
4. print the table and write ``report/report.md`` with PNG plots (via :func:`bonaware.evaluation.write_report`).

Each stage is cached in ``--out`` (finished training runs and evaluations are reused), so an
interrupted demo resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bonaware.config import option
from bonaware.errors import BonawareError
from bonaware.io import write_text_atomic
from bonaware.models.loading import MODEL_HELP

#: methods trained with N′ = 1 (BoN-unaware); the demo gives them N′× more prompts per step
SINGLE_SAMPLE_METHODS = ("rl", "rl_s", "rl_v", "sft")


@dataclass
class DemoConfig:
    """Configuration of ``bonaware demo`` (defaults: the embedded model/task/verifier, ≤ 10 min on 2 CPU cores)."""

    model: str = option("tiny", f"policy to fine-tune: {MODEL_HELP}")
    task: str = option("arith", "task to train and evaluate on")
    task_args: str = option("families=add3,sub2", "task options as KEY=VALUE,... pairs; the default picks the arith "
                            "families where the tiny model is in the Best-of-N regime")
    methods: list[str] = option(["rl_s", "bon_rlb_p", "bon_rl_v", "pass_at_k"],
                            "methods to train (the first N'=1 method is the BoN-unaware baseline)")
    verifier: str = option("noisy:target_auc=0.85", "verifier for Best-of-N selection, NAME[:key=value...]")
    n_prime: int = option(8, "N': samples per prompt for the BoN-aware methods during training")
    steps: int = option(200, "optimiser steps per method")
    batch_prompts: int = option(16, "prompts per optimiser step, the same for every method (paper Table 2)")
    equal_samples: bool = option(False, "give N'=1 methods N' times more prompts per step, so every method "
                             "draws the same number of samples (slower)")
    lr: float = option(3e-4, "learning rate (the same for every method)")
    eval_n: int = option(32, "samples per held-out prompt at evaluation (every N <= eval_n is reported)")
    eval_prompts: int = option(128, "held-out prompts")
    eval_temperature: float = option(1.0, "evaluation temperature T")
    max_new_tokens: int = option(8, "longest completion")
    seed: int = option(0, "seed for data, sampling and bootstrap")
    out: str = option("runs/demo", "output folder (cached stages are reused)")
    quick: bool = option(False, "smoke test in about a minute: fewer steps, prompts and samples")
    device: str = option("auto", "cpu, cuda or auto")
    threads: int = option(1, "torch CPU threads (0: torch's default). The tiny model gains nothing from more, "
                      "and extra threads on a busy machine make it many times slower")

    def validate(self) -> None:
        from bonaware.training.methods import get_method

        if not self.methods:
            raise BonawareError("--methods needs at least one method")
        for m in self.methods:
            get_method(m)  # clear error for an unknown name
        for name in ("n_prime", "steps", "batch_prompts", "eval_n", "eval_prompts", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise BonawareError(f"--{name} must be >= 1, got {getattr(self, name)}")
        if self.threads < 0:
            raise BonawareError(f"--threads must be >= 0 (0: torch's default), got {self.threads}")

    def effective(self) -> DemoConfig:
        """The configuration actually run (``--quick`` shrinks the budget)."""
        if not self.quick:
            return self
        return replace(self, steps=min(self.steps, 30), eval_prompts=min(self.eval_prompts, 48),
                       eval_n=min(self.eval_n, 16), quick=False)


def train_config_for(cfg: DemoConfig, method: str):
    """The TrainConfig of one demo method: same prompts per step and steps (or samples, ``equal_samples``)."""
    from bonaware.training.config import TrainConfig

    single = method in SINGLE_SAMPLE_METHODS
    return TrainConfig(
        model=cfg.model, task=cfg.task, task_args=cfg.task_args, method=method, verifier=cfg.verifier,
        n_prime=1 if single else cfg.n_prime, k=None if single else cfg.n_prime,
        batch_prompts=cfg.batch_prompts * (cfg.n_prime if single and cfg.equal_samples else 1),
        steps=cfg.steps, lr=cfg.lr,
        max_new_tokens=cfg.max_new_tokens, seed=cfg.seed, device=cfg.device,
        out=str(Path(cfg.out) / "train" / method), ckpt_every=0,
    )


def run_demo(cfg: DemoConfig, progress: bool = True) -> Path:
    """Run the whole demo; returns the report path."""
    import torch

    from bonaware.config import parse_kv
    from bonaware.evaluation import evaluate_model, write_report
    from bonaware.models import load_model
    from bonaware.tasks import get_task
    from bonaware.training.trainer import resolve_device, train

    cfg.validate()
    cfg = cfg.effective()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    started = time.perf_counter()
    task = get_task(cfg.task, **parse_kv(cfg.task_args, "--task_args"))
    problems = task.problems("test", n=cfg.eval_prompts, seed=cfg.seed)
    device = resolve_device(cfg.device)

    def evaluate(name: str, model_ref: str) -> Path:
        run_dir = out / "eval" / name
        if (run_dir / "metrics.json").is_file():
            return run_dir  # cached
        model, tok = load_model(model_ref, device=device)
        evaluate_model(model, tok, task, problems, n=cfg.eval_n, temperatures=[cfg.eval_temperature],
                       verifiers=[cfg.verifier], out_dir=run_dir, max_new_tokens=cfg.max_new_tokens,
                       seed=cfg.seed, meta={"name": name}, progress=progress)
        return run_dir

    runs = [evaluate("base", cfg.model)]
    for method in cfg.methods:
        tcfg = train_config_for(cfg, method)
        final = Path(tcfg.out) / "final"
        if not (final / "config.json").is_file():
            final = train(tcfg, progress=progress)
        runs.append(evaluate(method, str(final)))

    report = write_report(runs, out / "report", baseline="base", temperature=cfg.eval_temperature,
                          verifier=cfg.verifier, seed=cfg.seed)
    table = results_table(out / "report" / "report.json", cfg)
    write_text_atomic(out / "results.md", table)
    print(table)
    print(f"\nreport: {report}  (wall time {time.perf_counter() - started:.0f} s)")
    return report


def results_table(report_json: Path, cfg: DemoConfig) -> str:
    """The report's headline tables (Bo-N and pass@N per method at N = 1, 2, 4, ... with 95% CIs)."""
    data = json.loads(Path(report_json).read_text())
    header = (f"bonaware demo: model={cfg.model} task={cfg.task} verifier={cfg.verifier} N'={cfg.n_prime} "
              f"steps={cfg.steps} eval: {cfg.eval_prompts} held-out prompts x {cfg.eval_n} samples at "
              f"T={cfg.eval_temperature}\n\n")
    return header + data["tables_markdown"]
