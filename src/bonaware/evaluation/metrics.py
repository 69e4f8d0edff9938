"""``metrics.json`` and ``summary.md`` of one evaluation run, computed from its saved samples only.

:func:`compute_metrics` turns a :class:`SampleSet` into a JSON-ready dict; every number in it is a
function of the samples file and the recorded ``level`` / ``n_boot`` / ``seed`` (the test
``tests/evaluation/test_eval_metrics_recompute.py`` recomputes each one with the estimators directly):

* per temperature, for every k ≤ n: ``pass`` (pass@k), ``bon[verifier]`` (BoN@k), ``maj`` (maj@k),
  each ``{"mean", "lo", "hi"}`` — mean over prompts of the per-prompt exact k-subset expectation,
  with a percentile-bootstrap CI over prompts (all curves of a temperature share the draws);
  ``p_fail`` (mean of 1 − R̄ per prompt), ``verifier_auc``, ``cost`` (tokens / FLOPs per N),
  ``diversity`` (per-prompt diversity metrics with CIs);
* ``coscaling``: per metric, the exp(a·N^b) fit per temperature, the extrapolation check, the best
  temperature per N and the per-prompt optimum (N*, T*) (:mod:`bonaware.evaluation.coscaling`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from bonaware.errors import BonawareError
from bonaware.evaluation.compute import inference_cost
from bonaware.evaluation.coscaling import (
    coscaling_extrapolation,
    fit_coscaling,
    optimal_temperature,
    per_prompt_optimum,
)
from bonaware.evaluation.curves import all_ks, bon_curve, maj_curve, pass_curve, summarize
from bonaware.evaluation.diversity import diversity_per_prompt
from bonaware.evaluation.quality import verifier_auc
from bonaware.evaluation.samples import SampleSet
from bonaware.io import write_json_atomic, write_text_atomic

METRICS_FILE = "metrics.json"
SUMMARY_FILE = "summary.md"
VERSION = 1


def temperature_key(t: float) -> str:
    """The JSON key of a temperature (``0.7`` → ``"0.7"``, ``1.0`` → ``"1"``)."""
    return f"{float(t):g}"


def default_fit_max_n(n: int) -> int | None:
    """Fit the co-scaling law on N ≤ n/4 and test on larger N (None when n < 12: too few points)."""
    return n // 4 if n >= 12 else None


def compute_metrics(samples: SampleSet, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0,
                    num_params: int | None = None, fit_max_n: int | None = -1, diversity: bool = True,
                    majority: bool = True, progress: bool = False) -> dict:
    """All per-run metrics (module docstring) as a JSON-ready dict.

    ``majority=False`` leaves out maj@k (and its co-scaling fit): its exact dynamic program is by far the
    slowest metric, and a caller that needs only pass@k / BoN@k numbers gets them unchanged without it.

    ``fit_max_n``: the largest N used when testing co-scaling extrapolation (−1: n/4; None: skip).
    ``num_params`` defaults to ``samples.meta["num_params"]`` (FLOPs are None when unknown).
    """
    if not samples.by_temperature:
        raise BonawareError("no samples to evaluate")
    if num_params is None:
        num_params = samples.meta.get("num_params")
    verifiers = samples.verifiers
    out: dict = {"version": VERSION, "level": level, "n_boot": int(n_boot), "seed": int(seed),
                 "meta": samples.meta, "verifiers": verifiers, "temperatures": samples.temperatures,
                 "per_temperature": {}}
    curves: dict[str, dict[float, np.ndarray]] = {"pass": {}, **({"maj": {}} if majority else {}),
                                                  **{f"bon:{v}": {} for v in verifiers}}
    for t in tqdm(samples.temperatures, desc="metrics per temperature", disable=not progress):
        g = samples.at(t)
        ks = all_ks(g.n)
        box = {"level": level, "n_boot": n_boot, "seed": seed}
        pc = curves["pass"][t] = pass_curve(g, ks)
        maj = {}
        if majority:
            mc, mc_err = maj_curve(g, ks, seed=seed)
            curves["maj"][t] = mc
            maj = {"maj": {**summarize(mc, **box), "mc_stderr_max": float(mc_err.max(initial=0.0))}}
        entry = {"temperature": t, "num_prompts": g.num_prompts, "n": g.n, "ks": [int(k) for k in ks],
                 "pass": summarize(pc, **box), "bon": {}, "verifier_auc": {}, **maj,
                 "p_fail": summarize(1.0 - g.correct.mean(axis=1), **box),
                 "cost": inference_cost(g, num_params, ks)}
        for v in verifiers:
            bc = bon_curve(g, v, ks)
            curves[f"bon:{v}"][t] = bc
            entry["bon"][v] = summarize(bc, **box)
            entry["verifier_auc"][v] = verifier_auc(g, v)
        if diversity:
            div = diversity_per_prompt(g, seed=seed)
            entry["diversity"] = {m: summarize(vals, **box) for m, vals in div.items()}
        out["per_temperature"][temperature_key(t)] = entry
    out["coscaling"] = {name: _coscaling(samples, by_t, fit_max_n) for name, by_t in curves.items()}
    return out


def _coscaling(samples: SampleSet, by_t: dict[float, np.ndarray], fit_max_n: int | None) -> dict:
    temps = sorted(by_t)
    res: dict = {"fits": {}, "extrapolation": {}}
    fits = []
    for t in temps:
        mean = by_t[t].mean(axis=0)
        ks = all_ks(mean.size)
        if ks.size < 3:
            return {"skipped": f"co-scaling needs n ≥ 3 samples per prompt, have n = {ks.size}"}
        fit = fit_coscaling(ks, mean)
        fits.append(fit)
        res["fits"][temperature_key(t)] = fit.as_dict()
        fmax = default_fit_max_n(ks.size) if fit_max_n == -1 else fit_max_n
        res["extrapolation"][temperature_key(t)] = (
            coscaling_extrapolation(ks, mean, fmax) if fmax is not None and 3 <= fmax < ks.size else None)
    n_min = min(by_t[t].shape[1] for t in temps)
    ks = all_ks(n_min)
    res["optimal_T"] = optimal_temperature(temps, [by_t[t].mean(axis=0)[:n_min] for t in temps], ks, fits,
                                           extra_ns=[2 * n_min, 4 * n_min, 8 * n_min])
    # per-prompt optimum over the prompts present at every temperature
    common = set.intersection(*(set(samples.at(t).problem_ids) for t in temps))
    if common:
        ids = sorted(common)
        rows = []
        for t in temps:
            index = {p: i for i, p in enumerate(samples.at(t).problem_ids)}
            rows.append(by_t[t][[index[p] for p in ids], :n_min])
        res["per_prompt"] = {"problem_ids": ids, **per_prompt_optimum(temps, rows, ks)}
    return res


def _pick_ks(n: int) -> list[int]:
    ks = [k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if k < n]
    return ks + [n]


def format_summary(metrics: dict, title: str = "Evaluation") -> str:
    """A short markdown summary: per temperature, pass@k / BoN@k / maj@k at k = 1, 2, 4, …, n."""
    lines = [f"# {title}", ""]
    meta = metrics.get("meta", {})
    facts = [f"{k}: `{meta[k]}`" for k in ("model", "task", "split", "num_params") if meta.get(k) is not None]
    if facts:
        lines += ["; ".join(facts), ""]
    pct = int(round(100 * metrics["level"]))
    lines += [f"Means over prompts with {pct}% bootstrap CIs over prompts ({metrics['n_boot']} draws); "
              "every k-sample value is the exact average over all k-subsets of the n samples.", ""]
    for key, e in metrics["per_temperature"].items():
        ks = _pick_ks(e["n"])
        lines += [f"## T = {key}  ({e['num_prompts']} prompts × n = {e['n']})", "",
                  "| metric | " + " | ".join(f"k={k}" for k in ks) + " |",
                  "|---|" + "---|" * len(ks)]
        rows = [("pass@k", e["pass"]), *((f"BoN@k [{v}]", s) for v, s in e["bon"].items()),
                *([("maj@k", e["maj"])] if "maj" in e else [])]
        for name, s in rows:
            cells = [f"{s['mean'][k - 1]:.3f} [{s['lo'][k - 1]:.3f}, {s['hi'][k - 1]:.3f}]" for k in ks]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        cost = e["cost"]
        lines += ["", f"Mean tokens: prompt {cost['prompt_tokens_mean']:.1f}, completion "
                      f"{cost['completion_tokens_mean']:.1f}; mean P_fail {e['p_fail']['mean']:.3f}.", ""]
    fits = metrics.get("coscaling", {}).get("pass", {}).get("fits", {})
    if fits:
        lines += ["## Co-scaling fit of pass@N ≈ exp(a·N^b)", "", "| T | a | b | R² |", "|---|---|---|---|"]
        for key, f in fits.items():
            r2 = "n/a" if f["r2"] is None else f"{f['r2']:.4f}"
            lines.append(f"| {key} | {f['a']:.4f} | {f['b']:.4f} | {r2} |")
        lines.append("")
    return "\n".join(lines)


def write_metrics(samples: SampleSet, out_dir: str | Path, title: str | None = None, **kwargs) -> dict:
    """Compute the metrics of ``samples`` and write ``metrics.json`` + ``summary.md`` into ``out_dir``."""
    metrics = compute_metrics(samples, **kwargs)
    out_dir = Path(out_dir)
    write_json_atomic(out_dir / METRICS_FILE, _json_safe(metrics))
    write_text_atomic(out_dir / SUMMARY_FILE, format_summary(metrics, title or "Evaluation"))
    return metrics


def _json_safe(obj):
    """NaN/inf → None (JSON has no NaN); numpy scalars → Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
