"""``bonaware demo``: the main job — does BoN-aware fine-tuning beat the BoN-unaware training people
already run? (paper.md §5; the comparison rules of docs/statistics.md)

On the embedded default (model ``tiny``, task ``arith``, a noisy verifier of AUC 0.85):

1. train every method for ``--seeds`` training seeds with one budget: the same optimiser steps and
   learning rate, and the **same number of sampled completions per step** — BoN-aware methods and GRPO
   draw ``batch_prompts`` × N′ (groups of N′ per prompt), N′ = 1 methods (RL) draw N′× more prompts ×
   1 sample (``--equal_samples``, on by default). GRPO with the same groups is in the default set as the
   strongest BoN-unaware baseline. Runs go two at a time by default (``--jobs``), one torch thread each;
2. evaluate the base model and every trained seed on the same ``val`` and ``test`` prompts
   (``eval_n`` samples per prompt at T; Bo-N with the verifier and pass@N for every N ≤ eval_n,
   unbiased estimators);
3. write the report on ``test`` (``report/report.md``: per-seed estimates, seed-aware 95% CIs, paired
   differences against the base model);
4. print the **headline**: for Bo-N and pass@N at the trained N = N′, Δ = (best BoN-aware method) −
   (best BoN-unaware method) on ``test``, with its seed-aware paired 95% CI and P(A > B). "Best" is
   chosen on ``val`` — never on test — and the one-line budget says what every method got.

Each stage is cached in ``--out`` (finished training runs and evaluations are reused), so an
interrupted demo resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from bonaware.config import option
from bonaware.errors import BonawareError
from bonaware.io import write_text_atomic
from bonaware.models.loading import MODEL_HELP


@dataclass
class DemoConfig:
    """Configuration of ``bonaware demo`` (defaults: the embedded model/task/verifier, ≤ 10 min on 2 CPU cores)."""

    model: str = option("tiny", f"policy to fine-tune: {MODEL_HELP}")
    task: str = option("arith", "task to train and evaluate on")
    task_args: str = option("families=add3,sub2", "task options as KEY=VALUE,... pairs; the default picks the arith "
                            "families where tiny is in the Best-of-N regime on val (docs/results.md)")
    methods: list[str] = option(["rl_s", "grpo", "pass_at_k"],
                                "methods to train; each is BoN-aware or not by its registration (bonaware train "
                                "--list-methods), and the headline compares the best of each family. The default "
                                "leaves out the paper's bon_rlb_p to stay within 10 min on 2 cores (with it: ~12.5 "
                                "min; pass_at_k won on val when both ran, so the headline is the same: README)")
    verifier: str = option("noisy:target_auc=0.85", "verifier for Best-of-N selection, NAME[:key=value...]")
    n_prime: int = option(8, "N': samples per prompt for group methods during training; also the N of the headline")
    steps: int = option(200, "optimiser steps per method")
    batch_prompts: int = option(16, "prompts per optimiser step for group methods (N'=1 methods: N' times more "
                                "with --equal_samples)")
    equal_samples: bool = option(True, "give N'=1 methods N' times more prompts per step, so every method draws "
                                 "the same number of completions per step (false: the same prompts per step)")
    seeds: list[int] = option([0, 1, 2], "training seeds per method (the headline's CI covers their spread)")
    jobs: int = option(2, "training/evaluation runs in parallel, one process and one torch thread each")
    lr: float = option(1e-3, "learning rate, the same for every method (chosen on val by experiments/00_tune for GRPO "
                       "and BoN-RLB(P) alike: docs/results.md)")
    eval_n: int = option(32, "samples per prompt at evaluation (every N <= eval_n is reported)")
    eval_prompts: int = option(128, "prompts of val (to choose the best method of each family) and of test")
    eval_temperature: float = option(1.0, "evaluation temperature T")
    max_new_tokens: int = option(8, "longest completion")
    seed: int = option(0, "seed of the evaluation prompts, of evaluation sampling and of the bootstrap")
    out: str = option("runs/demo", "output folder (cached stages are reused)")
    quick: bool = option(False, "smoke test in about a minute: one seed, fewer steps, prompts and samples")
    device: str = option("auto", "cpu, cuda or auto")
    threads: int = option(1, "torch CPU threads per run (0: torch's default). The tiny model gains nothing from "
                          "more, and extra threads on a busy machine make it many times slower")

    def validate(self) -> None:
        from bonaware.training.methods import get_method

        if not self.methods:
            raise BonawareError("--methods needs at least one method")
        for m in self.methods:
            get_method(m)  # clear error for an unknown name
        if len(set(self.methods)) != len(self.methods):
            raise BonawareError(f"--methods repeats a method: {self.methods}")
        for name in ("n_prime", "steps", "batch_prompts", "eval_n", "eval_prompts", "max_new_tokens", "jobs"):
            if getattr(self, name) < 1:
                raise BonawareError(f"--{name} must be >= 1, got {getattr(self, name)}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds) or min(self.seeds) < 0:
            raise BonawareError(f"--seeds needs distinct non-negative integers, got {self.seeds}")
        if self.threads < 0:
            raise BonawareError(f"--threads must be >= 0 (0: torch's default), got {self.threads}")
        if self.n_prime > self.eval_n:
            raise BonawareError(f"--n_prime={self.n_prime} exceeds --eval_n={self.eval_n}: the headline is at N = N'")

    def effective(self) -> DemoConfig:
        """The configuration actually run (``--quick`` shrinks the budget)."""
        if not self.quick:
            return self
        return replace(self, steps=min(self.steps, 30), eval_prompts=min(self.eval_prompts, 48),
                       eval_n=max(min(self.eval_n, 16), self.n_prime), seeds=self.seeds[:1], quick=False)


def single_sample(method: str) -> bool:
    """Whether the demo trains ``method`` with N′ = 1: BoN-unaware methods that need no group (RL, SFT)."""
    from bonaware.training.methods import get_method

    spec = get_method(method)
    return spec.min_samples == 1 and not spec.bon_aware


def train_config_for(cfg: DemoConfig, method: str, seed: int = 0):
    """The TrainConfig of one demo run: the same steps and lr for every method, and the same sampled
    completions per step (``equal_samples``) or the same prompts per step."""
    from bonaware.training.config import TrainConfig

    single = single_sample(method)
    return TrainConfig(
        model=cfg.model, task=cfg.task, task_args=cfg.task_args, method=method, verifier=cfg.verifier,
        n_prime=1 if single else cfg.n_prime, k=None if single else cfg.n_prime,
        batch_prompts=cfg.batch_prompts * (cfg.n_prime if single and cfg.equal_samples else 1),
        steps=cfg.steps, lr=cfg.lr, max_new_tokens=cfg.max_new_tokens, seed=seed, device=cfg.device,
        out=str(Path(cfg.out) / "train" / method / f"seed{seed}"), ckpt_every=0,
    )


def budget_line(cfg: DemoConfig) -> str:
    """One line stating exactly what every method got."""
    per_step = cfg.batch_prompts * cfg.n_prime
    single = [m for m in cfg.methods if single_sample(m)]
    rule = (f"N'=1 methods ({', '.join(single)}) {per_step} prompts x 1" if cfg.equal_samples else
            f"N'=1 methods ({', '.join(single)}) {cfg.batch_prompts} prompts x 1 (NOT sample-matched)")
    return (f"budget: every method {cfg.steps} steps at lr {cfg.lr:g}, {len(cfg.seeds)} training seed(s); "
            f"group methods {cfg.batch_prompts} prompts x N'={cfg.n_prime} samples per step"
            + (f", {rule}" if single else "") + f"; eval {cfg.eval_prompts} val + {cfg.eval_prompts} test prompts "
            f"x {cfg.eval_n} samples at T={cfg.eval_temperature:g}")


# ---- jobs (each in its own process: the runs are independent and the tiny model is single-threaded) ----

def _train_job(tcfg_dict: dict, threads: int) -> str:
    import torch

    from bonaware.config import from_dict
    from bonaware.training.config import TrainConfig
    from bonaware.training.trainer import train

    if threads > 0:
        torch.set_num_threads(threads)
    return str(train(from_dict(TrainConfig, tcfg_dict), progress=False))


def _eval_job(cfg_dict: dict, name: str, model_ref: str, split: str, run_dir: str) -> str:
    import torch

    from bonaware.config import from_dict, parse_kv
    from bonaware.evaluation import evaluate_model
    from bonaware.models import load_model
    from bonaware.models.loading import resolve_device
    from bonaware.tasks import get_task

    cfg = from_dict(DemoConfig, cfg_dict)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    task = get_task(cfg.task, **parse_kv(cfg.task_args, "--task_args"))
    problems = task.problems(split, n=cfg.eval_prompts, seed=cfg.seed)
    if not problems:
        raise BonawareError(f"task {cfg.task!r} has no {split} problems")
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    model, tok = load_model(model_ref, device=resolve_device(device))
    evaluate_model(model, tok, task, problems, n=cfg.eval_n, temperatures=[cfg.eval_temperature],
                   verifiers=[cfg.verifier], out_dir=run_dir, max_new_tokens=cfg.max_new_tokens,
                   seed=cfg.seed, meta={"name": name, "split": split}, progress=False)
    return run_dir


def _run_jobs(fn, jobs: list[tuple], workers: int, desc: str, progress: bool) -> list:
    """Run ``fn(*args)`` for every ``jobs`` entry, ``workers`` at a time in spawned processes."""
    from tqdm.auto import tqdm

    if not jobs:
        return []
    if workers == 1:
        return [fn(*args) for args in tqdm(jobs, desc=desc, disable=not progress)]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(fn, *args) for args in jobs]
        bar = tqdm(total=len(futures), desc=desc, disable=not progress)
        out = []
        for f in futures:
            out.append(f.result())
            bar.update()
        bar.close()
    return out


def run_demo(cfg: DemoConfig, progress: bool = True) -> Path:
    """Run the whole demo; returns the report path."""
    import torch

    from bonaware.evaluation import write_report

    cfg.validate()
    cfg = cfg.effective()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    started = time.perf_counter()

    runs = {(m, s): train_config_for(cfg, m, s) for m in cfg.methods for s in cfg.seeds}
    todo = [(asdict(t), cfg.threads) for t in runs.values() if not (Path(t.out) / "final" / "config.json").is_file()]
    _run_jobs(_train_job, todo, cfg.jobs, f"training {len(todo)} runs", progress)

    evals = [("base", cfg.model, 0)] + [(m, str(Path(t.out) / "final"), s) for (m, s), t in runs.items()]
    todo = [(asdict(cfg), name, ref, split, str(out / "eval" / split / name / f"seed{s}"))
            for split in ("val", "test") for name, ref, s in evals
            if not (out / "eval" / split / name / f"seed{s}" / "metrics.json").is_file()]
    _run_jobs(_eval_job, todo, cfg.jobs, f"evaluating {len(todo)} runs", progress)

    groups = [out / "eval" / "test" / name for name in ["base", *cfg.methods]]
    report = write_report(groups, out / "report", baseline="base", temperature=cfg.eval_temperature,
                          verifier=cfg.verifier, seed=cfg.seed)
    lines = headline(cfg)
    data = json.loads((out / "report" / "report.json").read_text())
    text = "\n".join([f"bonaware demo: model={cfg.model} task={cfg.task} ({cfg.task_args}) verifier={cfg.verifier}",
                      budget_line(cfg), "", data["tables_markdown"], *lines])
    write_text_atomic(out / "results.md", text + "\n")
    print(text)
    print(f"\nreport: {report}  (wall time {time.perf_counter() - started:.0f} s)")
    return report


def headline(cfg: DemoConfig) -> list[str]:
    """Δ = best BoN-aware − best BoN-unaware at N = N′ (best chosen on val), on test, seed-aware paired CI."""
    from bonaware.estimators import paired_seed_difference, probability_of_improvement
    from bonaware.evaluation.curves import metric_curve
    from bonaware.evaluation.report import load_run
    from bonaware.training.methods import get_method

    def per_seed(split: str, method: str, metric: str):
        import numpy as np

        # every run of a split was evaluated on the same prompts: rows are aligned by problem id
        ids = load_run(Path(cfg.out) / "eval" / split / "base" / "seed0").at(cfg.eval_temperature).problem_ids
        rows = []
        for s in cfg.seeds:
            group = load_run(Path(cfg.out) / "eval" / split / method / f"seed{s}").at(cfg.eval_temperature)
            rows.append(metric_curve(group.select(ids), metric, cfg.verifier, [cfg.n_prime], seed=cfg.seed)[:, 0])
        return np.stack(rows)  # [seeds, prompts]

    aware = [m for m in cfg.methods if get_method(m).bon_aware]
    unaware = [m for m in cfg.methods if not get_method(m).bon_aware]
    N = cfg.n_prime
    lines = ["", f"Headline (test, N = N' = {N}): best BoN-aware - best BoN-unaware, each chosen on val; "
                 f"95% CI over {len(cfg.seeds)} training seed(s) and the test prompts"
             + (" (one seed: the CI covers prompt noise only)" if len(cfg.seeds) == 1 else "")]
    if not aware or not unaware:
        return lines + ["  (needs at least one BoN-aware and one BoN-unaware method)"]
    for metric, label in (("bon", f"Bo-{N} [{cfg.verifier}]"), ("pass", f"pass@{N}")):
        best = {fam: max(ms, key=lambda m: per_seed("val", m, metric).mean()) for fam, ms in
                (("aware", aware), ("unaware", unaware))}
        a, b = per_seed("test", best["aware"], metric), per_seed("test", best["unaware"], metric)
        d = paired_seed_difference(a, b, seed=cfg.seed)
        p = probability_of_improvement(a, b, seed=cfg.seed)
        verdict = ("BoN-aware better" if d.lo > 0 else "BoN-unaware better" if d.hi < 0 else "inconclusive")
        lines.append(f"  {label}: {best['aware']} {a.mean():.3f} vs {best['unaware']} {b.mean():.3f}: "
                     f"delta {d.mean:+.3f} [{d.lo:+.3f}, {d.hi:+.3f}], P(A>B) {p.mean:.2f} -> {verdict}")
    return lines
