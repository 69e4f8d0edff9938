"""Evaluation: sample once per temperature, save, then compute everything from the saved samples.

    from bonaware.evaluation import evaluate_model, write_report

    res = evaluate_model(model, tok, task, task.problems("test", n=64), n=64, temperatures=[0.7, 1.0],
                         verifiers=["noisy:target_auc=0.85"], out_dir="runs/eval/base")
    res.metrics["per_temperature"]["1"]["bon"]["noisy:target_auc=0.85"]["mean"]   # BoN@k, k = 1..n
    write_report(["runs/eval/base", "runs/eval/tuned"], "runs/report")

Layers (docs/evaluation.md): :mod:`.samples` (the samples file), :mod:`.generate` (the only part
that runs a model), :mod:`.curves` / :mod:`.metrics` (pass@k, BoN@k, maj@k + CIs over prompts),
:mod:`.compare` (paired differences, seed-aware group statistics, per-prompt P_fail), :mod:`.groups`
(run groups of training seeds), :mod:`.coscaling`, :mod:`.compute`,
:mod:`.diversity`, :mod:`.quality` (verifier AUC), :mod:`.plots` and :mod:`.report`; :mod:`.compact` (the
compact samples file that is committed instead of samples.jsonl); :mod:`.advise` (``bonaware advise``) and
:mod:`.adaptive` / :mod:`.adaptive_eval` (adaptive per-prompt budgets, ``eval --allocation adaptive``).
"""

from bonaware.evaluation.advise import advise, format_advice, write_advice
from bonaware.evaluation.compact import compact_run, load_compact, write_compact
from bonaware.evaluation.compare import align, group_statistics, paired_comparison, per_prompt_pfail
from bonaware.evaluation.compute import compute_savings, inference_cost, n_to_match, training_compute
from bonaware.evaluation.config import AdviseConfig, EvalConfig
from bonaware.evaluation.coscaling import (
    CoScalingFit,
    coscaling_extrapolation,
    coscaling_law,
    fit_coscaling,
    optimal_temperature,
    per_prompt_optimum,
)
from bonaware.evaluation.curves import bon_curve, maj_curve, metric_curve, pass_curve, summarize
from bonaware.evaluation.diversity import (
    answer_entropy,
    distinct_answers,
    diversity_per_prompt,
    edit_diversity,
    levenshtein_batch,
    ngram_diversity,
)
from bonaware.evaluation.generate import (
    EvalResult,
    collect_samples,
    evaluate_model,
    find_train_dir,
    run_eval,
)
from bonaware.evaluation.groups import RunGroup, collect_groups
from bonaware.evaluation.metrics import compute_metrics, format_summary, write_metrics
from bonaware.evaluation.quality import roc_auc, verifier_auc
from bonaware.evaluation.report import load_run, recompute_report, weight_curves, write_report
from bonaware.evaluation.samples import (
    SampleSet,
    SamplesWriter,
    TemperatureSamples,
    load_samples,
    make_row,
)

__all__ = [
    "AdviseConfig", "CoScalingFit", "EvalConfig", "EvalResult", "RunGroup", "SampleSet", "SamplesWriter",
    "TemperatureSamples", "advise", "align", "answer_entropy", "bon_curve", "collect_groups", "collect_samples",
    "compact_run", "compute_metrics", "compute_savings", "coscaling_extrapolation", "coscaling_law",
    "distinct_answers", "diversity_per_prompt", "edit_diversity", "evaluate_model", "fit_coscaling", "format_advice",
    "format_summary", "group_statistics", "inference_cost", "levenshtein_batch", "load_compact", "load_run",
    "load_samples", "maj_curve", "make_row", "metric_curve", "n_to_match", "ngram_diversity", "optimal_temperature",
    "paired_comparison", "find_train_dir", "pass_curve", "per_prompt_optimum", "per_prompt_pfail", "recompute_report",
    "roc_auc", "run_eval", "summarize", "training_compute", "verifier_auc", "weight_curves", "write_advice",
    "write_compact", "write_metrics", "write_report",
]
