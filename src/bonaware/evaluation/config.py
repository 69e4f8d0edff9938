"""``EvalConfig``, ``ReportConfig``, ``AdviseConfig``: every option of ``bonaware eval``, ``report`` and
``advise`` (docs/evaluation.md, docs/report.md, docs/advise.md).

Defaults evaluate the embedded ``tiny`` model on the ``arith`` test split with a ``noisy`` verifier
of ROC-AUC 0.85, n = 64 samples per prompt at four temperatures, as in the paper's co-scaling
study (paper.md App. D.1: T ∈ {0.01 … 1.5}, N up to ≈ 200).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bonaware.config import option
from bonaware.errors import BonawareError
from bonaware.models.loading import MODEL_HELP


@dataclass
class EvalConfig:
    """Configuration of one evaluation run (``bonaware eval``)."""

    model: str = option("tiny", f"model to evaluate: {MODEL_HELP} (e.g. runs/x/final from bonaware train), or a "
                            "folder of training seeds (runs/x from bonaware train --seeds): every "
                            "runs/x/seed<s>/final is evaluated into OUT/seed<s>")
    task: str = option("arith", "task name; any checkpoint on any task is the cross-domain check")
    task_args: str = option("", "task options as KEY=VALUE,... pairs, e.g. 'families=add1'")
    split: Literal["train", "val", "test"] = option("test", "which split of the task to evaluate on: val for every "
                                                    "tuning decision (lr, steps, T, N), test only for final numbers")
    num_prompts: int | None = option(64, "number of problems (a seeded choice from the split; none = all)")
    n: int = option(64, "samples per prompt and temperature; every metric is reported for every k <= n")
    temperatures: list[float] = option([0.3, 0.7, 1.0, 1.3], "sampling temperatures (comma-separated)")
    verifier: list[str] = option(["noisy:target_auc=0.85"],
                             "verifiers scoring samples for Best-of-N, comma-separated NAME[:key=value...] "
                             "(e.g. noisy:target_auc=0.7,noisy:target_auc=0.95,oracle); the environment "
                             "reward R always comes from the task's checker")
    max_new_tokens: int = option(32, "longest completion sampled")
    top_p: float = option(1.0, "nucleus sampling threshold")
    seed: int = option(0, "seed of the problem choice, the sampling and the bootstrap")
    batch_prompts: int = option(8, "prompts sampled per chunk (results are cached per chunk; keep it fixed to resume)")
    out: str = option("runs/eval", "output folder: samples.jsonl, run.json, metrics.json, summary.md and the "
                               "compact samples.npz.xz (the one to commit)")
    name: str | None = option(None, "name of this run in reports", default_text="the model")
    train_dir: str | None = option(None, "training run folder with metrics.csv, for training compute in reports",
                                   default_text="the model folder's parent when it has one")
    backend: Literal["hf", "vllm"] = option("hf", "sampling engine: hf (transformers, CPU or GPU) or vllm (needs the "
                                            "vllm package and a CUDA GPU; docs/sampling.md)")
    vllm_args: str = option("", "vLLM engine options as key=value pairs (--backend=vllm), e.g. "
                            "'gpu_memory_utilization=0.5,max_model_len=2048,tensor_parallel_size=2'")
    device: str = option("auto", "cpu, cuda or auto")
    dtype: Literal["auto", "float32", "bfloat16"] = option("auto", "auto: float32 on CPU, bfloat16 on GPU")
    level: float = option(0.95, "confidence level of the bootstrap intervals over prompts")
    n_boot: int = option(2000, "bootstrap replicates")
    allocation: Literal["fixed", "adaptive"] = option(
        "fixed", "fixed: n samples for every prompt; adaptive: also run the adaptive per-prompt budget of --budget "
                 "samples per prompt on average and add its 'adaptive' block (vs fixed Bo-budget) to metrics.json "
                 "(docs/adaptive.md)")
    budget: int | None = option(None, "--allocation adaptive: mean samples per prompt B (1 <= B <= n)",
                                default_text="none; required by --allocation adaptive")
    adaptive_source: Literal["pool", "live"] = option(
        "pool", "pool: draw from the n saved samples per prompt in a seeded order (exact sample and token "
                "accounting); live: sample in rounds with the model (OUT/adaptive_samples.jsonl, resumable)")
    adaptive_calibration: str | None = option(
        None, "val run folder (bonaware eval --split val, same verifier) to calibrate P(correct | score) and the "
              "stop threshold on", default_text="this run if --split val, else a val pilot sampled into "
                                                "OUT/calibration_val")
    adaptive_precision: float | None = option(
        0.8, "stop sampling a prompt once its best verifier score reaches the threshold at which the verifier's "
             "precision on val reaches this value (none: never stop early)")
    adaptive_priority: Literal["gain", "uniform"] = option(
        "uniform", "who gets the next samples: uniform (fewest samples first: the budget freed by early stopping "
                   "is spread evenly) or gain (the largest one-step expected change of the pick's correctness; it "
                   "concentrates samples and lost to fixed Bo-N at budgets >= 16 with a noisy verifier, "
                   "docs/adaptive.md)")
    adaptive_rounds: int = option(8, "sampling rounds of the adaptive budget")
    adaptive_first: float = option(0.25, "share of the budget every prompt gets in round 0 (at least 1 sample)")
    adaptive_repeats: int = option(8, "pool source: seeded draw orders averaged per prompt")
    adaptive_temperature: float | None = option(None, "temperature of the adaptive run",
                                                default_text="the evaluated temperature closest to 1")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        checks = [
            (self.n >= 1, f"--n must be >= 1, got {self.n}"),
            (self.num_prompts is None or self.num_prompts >= 1, f"--num_prompts must be >= 1, got {self.num_prompts}"),
            (len(self.temperatures) >= 1, "--temperatures needs at least one value"),
            (all(t >= 0 for t in self.temperatures), f"--temperatures must be >= 0, got {self.temperatures}"),
            (len(set(self.temperatures)) == len(self.temperatures),
             f"--temperatures repeats a value: {self.temperatures}"),
            (len(self.verifier) >= 1, "--verifier needs at least one verifier"),
            (len(set(self.verifier)) == len(self.verifier), f"--verifier repeats a spec: {self.verifier}"),
            (self.max_new_tokens >= 1, f"--max_new_tokens must be >= 1, got {self.max_new_tokens}"),
            (0 < self.top_p <= 1, f"--top_p must be in (0, 1], got {self.top_p}"),
            (self.batch_prompts >= 1, f"--batch_prompts must be >= 1, got {self.batch_prompts}"),
            (0 < self.level < 1, f"--level must be in (0, 1), got {self.level}"),
            (self.n_boot >= 1, f"--n_boot must be >= 1, got {self.n_boot}"),
        ]
        if self.allocation == "adaptive":
            checks += [
                (self.budget is not None, "--allocation adaptive needs --budget B (mean samples per prompt)"),
                (self.budget is None or 1 <= self.budget <= self.n,
                 f"--budget must be between 1 and --n = {self.n} (fixed Bo-budget is the comparison), "
                 f"got {self.budget}"),
                (self.adaptive_precision is None or 0 < self.adaptive_precision <= 1,
                 f"--adaptive_precision must be in (0, 1] or none, got {self.adaptive_precision}"),
                (self.adaptive_rounds >= 1, f"--adaptive_rounds must be >= 1, got {self.adaptive_rounds}"),
                (0 <= self.adaptive_first <= 1, f"--adaptive_first must be in [0, 1], got {self.adaptive_first}"),
                (self.adaptive_repeats >= 1, f"--adaptive_repeats must be >= 1, got {self.adaptive_repeats}"),
            ]
        elif self.budget is not None:
            checks.append((False, "--budget is for --allocation adaptive (add --allocation adaptive)"))
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)


@dataclass
class ReportConfig:
    """Configuration of ``bonaware report`` (docs/report.md)."""

    runs: list[str] = option([], "evaluation run folders written by bonaware eval, or folders of seed<s>/ runs (one "
                             "group each); the first is the baseline", positional=True,
                             default_text="none; give at least one")
    out: str = option("runs/report", "report folder: report.md, PNG plots, report.json")
    names: list[str] = option([], "display names, one per run folder (a repeated name with distinct training seeds "
                              "makes one group)", default_text="each run's --name from its run.json")
    baseline: str | None = option(None, "name of the baseline run or group", default_text="the first")
    temperature: float | None = option(None, "temperature of the single-T sections",
                                       default_text="the shared T closest to 1")
    verifier: str | None = option(None, "verifier (spec label) whose scores Best-of-N ranks by",
                                  default_text="the baseline's first verifier shared by every run")
    level: float = option(0.95, "confidence level of the bootstrap intervals over prompts")
    n_boot: int = option(2000, "bootstrap replicates")
    seed: int = option(0, "bootstrap seed")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        checks = [
            (len(self.runs) >= 1, "give at least one run folder (bonaware report RUN_DIR... or runs: in --config)"),
            (0 < self.level < 1, f"--level must be in (0, 1), got {self.level}"),
            (self.n_boot >= 1, f"--n_boot must be >= 1, got {self.n_boot}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)


@dataclass
class AdviseConfig:
    """Configuration of ``bonaware advise`` (docs/advise.md)."""

    runs: list[str] = option([], "pilot run folders of bonaware eval (one per candidate model, every one on the same "
                                 "val prompts)", positional=True, default_text="none; give at least one")
    budget: float = option(16.0, "inference budget per prompt, in --budget_unit")
    budget_unit: Literal["samples", "tokens", "flops"] = option(
        "samples", "unit of --budget: samples (N), tokens (prompt + N x mean completion tokens measured in the "
                   "pilot) or flops (2 x parameters x tokens)")
    metric: Literal["bon", "pass"] = option("bon", "what to maximise: bon (Best-of-N with --verifier) or pass (pass@N)")
    verifier: str | None = option(None, "verifier label for --metric bon", default_text="the first one in every run")
    names: list[str] = option([], "display names, one per run", default_text="each run's --name from its run.json")
    temperatures: list[float] = option([], "consider only these pilot temperatures", default_text="all")
    max_extrapolation: float = option(4.0, "predict at most this many times the pilot's n samples per prompt "
                                           "(beyond n the co-scaling fit extrapolates)")
    fit_from: float = option(0.5, "the co-scaling law is fitted on the pilot's curve for N in [fit_from*n, n] "
                                  "(the tail, where extrapolation starts; 0 = every N)")
    out: str | None = option(None, "output folder for advice.json, advice.md, frontier.png",
                             default_text="runs/advise/<metric>_<budget><unit>")
    level: float = option(0.95, "confidence level of the intervals")
    n_boot: int = option(1000, "bootstrap replicates over prompts (paired across options)")
    seed: int = option(0, "bootstrap seed")

    def validate(self) -> None:
        """Raise :class:`BonawareError` for bad values (named by flag)."""
        checks = [
            (len(self.runs) >= 1, "give at least one pilot run folder (bonaware advise RUN_DIR... or runs: in "
                                  "--config)"),
            (self.budget > 0, f"--budget must be > 0, got {self.budget}"),
            (self.max_extrapolation >= 1, f"--max_extrapolation must be >= 1, got {self.max_extrapolation}"),
            (0 <= self.fit_from < 1, f"--fit_from must be in [0, 1), got {self.fit_from}"),
            (0 < self.level < 1, f"--level must be in (0, 1), got {self.level}"),
            (self.n_boot >= 1, f"--n_boot must be >= 1, got {self.n_boot}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise BonawareError(msg)

    def default_out(self) -> str:
        return f"runs/advise/{self.metric}_{self.budget:g}{self.budget_unit}"
