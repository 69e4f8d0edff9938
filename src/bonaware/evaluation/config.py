"""``EvalConfig``: every option of ``bonaware eval`` (docs/evaluation.md).

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
