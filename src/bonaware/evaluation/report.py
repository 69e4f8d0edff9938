"""``bonaware report``: a markdown report with PNG plots comparing evaluation runs (docs/report.md).

:func:`write_report` reads each run folder's ``samples.jsonl`` (+ ``run.json``), recomputes its
metrics from the samples, and writes ``report.md``, the figures and ``report.json`` (every number
shown, including paired differences and compute savings). The first run is the baseline (the base
model) unless ``baseline`` names another.

Runs are grouped by training seed (:mod:`bonaware.evaluation.groups`): a seed folder, or runs with the
same name and different training seeds, form one group, which gets seed-aware CIs, paired seed-aware
differences against the baseline group and P(A > B) (docs/statistics.md). Per-run sections show every
seed as its own run; with one seed per group the report says that its CIs cover prompt noise only.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation import plots as plot_module
from bonaware.evaluation.compare import group_statistics, paired_comparison, per_prompt_pfail
from bonaware.evaluation.compute import compute_savings, training_compute
from bonaware.evaluation.groups import RunGroup, collect_groups
from bonaware.evaluation.metrics import _json_safe, _pick_ks, compute_metrics, temperature_key
from bonaware.evaluation.samples import SampleSet, load_samples
from bonaware.io import write_json_atomic, write_text_atomic

REPORT_FILE = "report.md"
INPUTS_FILE = "inputs.json"


def load_run(run_dir: str | Path) -> SampleSet:
    """A run folder's samples with its ``run.json`` as metadata (or, without one, the metadata a
    compact samples file saved)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise BonawareError(f"run folder {str(run_dir)!r} does not exist")
    meta = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else None
    return load_samples(run_dir, meta=meta)


def weight_curves(Ns: Sequence[int], p: np.ndarray) -> dict[int, dict[str, np.ndarray]]:
    """g⁺_N, g⁻ (paper.md §3.3, Eq. 9) and ḡ⁺_N (§3.4, Cor. 4) on the grid ``p`` for each N."""
    from bonaware.objectives import bon_rlb_p_weights, bon_rlb_weights

    out = {}
    for N in Ns:
        g_plus, g_minus = bon_rlb_weights(p, int(N))
        out[int(N)] = {"g_plus": g_plus, "g_minus": g_minus, "g_bar_plus": bon_rlb_p_weights(p, int(N))}
    return out


def ci_cell(s: dict, i: int) -> str:
    """Entry ``i`` of a summary ``{mean, lo, hi}`` as ``"0.312 [0.271, 0.355]"`` (the report's format)."""
    return f"{s['mean'][i]:.3f} [{s['lo'][i]:.3f}, {s['hi'][i]:.3f}]"


def diff_cell(d: dict, i: int, with_ci: bool = True) -> str:
    """Entry ``i`` of a paired difference: ``"+0.031 [+0.014, +0.053] *"`` (``*``: the CI excludes 0);
    ``with_ci=False`` gives the compact ``"+0.031*"``."""
    star = d["significant"][i]
    if not with_ci:
        return f"{d['mean'][i]:+.3f}" + ("*" if star else "")
    return f"{d['mean'][i]:+.3f} [{d['lo'][i]:+.3f}, {d['hi'][i]:+.3f}]" + (" *" if star else "")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """A markdown table as lines, followed by one empty line."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(c) for c in r) + " |" for r in rows), ""]


def _fmt(x, spec: str = ".3g", none: str = "—") -> str:
    return none if x is None else format(x, spec)


def _adaptive_section(runs: dict[str, SampleSet], metrics: dict, report: dict, out: Path, *, level: float,
                      n_boot: int, plots=plot_module) -> list[str]:
    """Accuracy vs mean samples per prompt, adaptive vs fixed N, for the runs with an adaptive block
    (recomputed from their samples and recorded calibration: docs/adaptive.md)."""
    from bonaware.evaluation.adaptive_eval import recompute_adaptive

    blocks = {name: b for name, s in runs.items() if s.path is not None
              and (b := recompute_adaptive(s.path.parent, s, level=level, n_boot=n_boot)) is not None}
    if not blocks:
        return []
    report["adaptive"] = blocks
    plots.plot_adaptive(blocks, metrics, out / "adaptive.png")
    rows = [[name, "live" if s is b else "pool", s["budget"], f"{s['mean_samples']:.2f}",
             f"{s['bon']:.3f} [{s['bon_ci'][0]:.3f}, {s['bon_ci'][1]:.3f}]", f"{s['fixed_bon']:.3f}",
             f"{s['delta']:+.3f} [{s['delta_ci'][0]:+.3f}, {s['delta_ci'][1]:+.3f}]"
             + (" *" if s["significant"] else ""),
             f"{s['tokens_per_prompt']:.1f} / {s['fixed_tokens_per_prompt']:.1f}"]
            for name, b in blocks.items() for s in [*b["sweep"], *([b] if b["source"] == "live" else [])]]
    return ["## Adaptive per-prompt budgets", "", "![adaptive](adaptive.png)", "",
            "Same mean samples per prompt, spent where the verifier says they help (docs/adaptive.md); Δ = adaptive − "
            "fixed Bo-B on the same prompts (paired bootstrap), `*`: the CI excludes 0. Pool rows draw from the saved "
            "samples; a live row was sampled in rounds.", "",
            *markdown_table(["run", "source", "B", "mean samples", "adaptive BoN [CI]", "fixed Bo-B", "Δ [CI]",
                             "tokens adaptive / fixed"], rows)]


def _seed_note(groups: dict[str, RunGroup]) -> list[str]:
    """What the intervals cover, in words: seed-aware for groups of seeds, prompt noise only otherwise."""
    multi = [g for g in groups.values() if g.seed_aware]
    single = [g.name for g in groups.values() if not g.seed_aware]
    lines = []
    if multi:
        lines.append("Run groups of training seeds: " + ", ".join(
            f"**{g.name}** (seeds {', '.join(map(str, g.seeds))})" for g in multi)
            + "; their seed-aware intervals (section *Training seeds*) also cover the variation between "
              "training runs; per-run sections show each seed as its own run.")
    if single:
        if not multi:
            who, its = "Each run here is a single run", "its"
        elif len(single) == 1:
            who, its = f"**{single[0]}** is a single run", "its"
        else:
            who, its = ", ".join(f"**{g}**" for g in single) + " are single runs", "their"
        lines.append(f"{who} (one training seed, or an untrained model): {its} intervals cover prompt noise only "
                     "(which prompts were drawn), not the variation between training runs. A claim that one "
                     "training method beats another needs several seeds per method (`bonaware train --seeds "
                     "0,1,2`; docs/statistics.md).")
    return [" ".join(lines)]


def _seed_section(report: dict, groups: dict[str, RunGroup], base_group: str, T: float, verifier: str | None,
                  ks: Sequence[int], level: float, out: Path, plots=plot_module) -> tuple[list[str], list[str]]:
    """The *Training seeds* section (markdown) and its tables alone (for the headline)."""
    pg, cmp = report["groups"], report["comparisons"]
    label = {"bon": f"BoN [{verifier}]", "pass": "pass", "maj": "maj"}
    metrics = [m for m in label if m in pg[base_group]["metrics"]]
    cols = [f"N={k}" for k in ks]
    rows = []
    for g, d in pg.items():
        for m in metrics:
            s = d["metrics"][m]
            rows.append([g, label[m], len(s["per_seed"]), *(ci_cell(s, k - 1) for k in ks)])
            for seed_, vals in zip(d["seeds"], s["per_seed"]) if len(s["per_seed"]) > 1 else []:
                rows.append([f"↳ seed {seed_}", label[m], "", *(f"{vals[k - 1]:.3f}" for k in ks)])
    pct = int(round(100 * level))
    tables = [f"Seed-aware {pct}% CIs at T = {T:g} (↳: each training seed's mean over the prompts):", "",
              *markdown_table(["group", "metric", "seeds", *cols], rows)]
    if cmp:
        diffs, probs = [], []
        for g, c in cmp.items():
            seeds = f"{len(pg[g]['seeds'])} vs {len(pg[base_group]['seeds'])}"
            for m in metrics:
                d, p = c["metrics"][m], c["metrics"][m]["p_improve"]
                diffs.append([g, label[m], seeds, *(diff_cell(d, k - 1) for k in ks)])
                probs.append([g, label[m], seeds, *(f"{p['mean'][k - 1]:.2f} [{p['lo'][k - 1]:.2f}, "
                                                    f"{p['hi'][k - 1]:.2f}]" for k in ks)])
        tables += [f"Difference vs {base_group} (seed-aware paired bootstrap; `*`: the CI excludes 0):", "",
                   *markdown_table(["group", "metric", "seeds", *cols], diffs),
                   f"P(A > B): probability that a training run of the group scores higher than one of {base_group} "
                   "(rliable; ties count ½), with its CI:", "",
                   *markdown_table(["group", "metric", "seeds", *cols], probs)]
        plots.plot_paired({m: {g: {"ks": c["ks"], **c["metrics"][m]} for g, c in cmp.items()}
                           for m in metrics if m != "maj"}, base_group, T, verifier, out / "paired_seeds.png")
    plots.plot_seed_groups(pg, verifier, T, out / "seeds.png")
    md = ["## Training seeds: seed-aware estimates and comparisons", "",
          "Intervals from a two-level bootstrap: each replicate resamples the training seeds of a group and the "
          "prompts, one prompt draw shared by all seeds (and by both groups of a comparison); each seed's deviation "
          "is inflated by √(S/(S−1)). They cover a new training seed of the configuration evaluated on new "
          "prompts. With few seeds they are still too narrow: in simulation a nominal 95% interval covered "
          "≈ 88% of the truth with 3 seeds and ≈ 94% with 10 (docs/statistics.md). A group with one seed "
          "has prompt-only intervals.", "", "![seeds](seeds.png)", "",
          *(["![seed-aware differences](paired_seeds.png)", ""] if cmp else []), *tables]
    return md, tables


def write_report(run_dirs: Sequence[str | Path], out_dir: str | Path, *, names: Sequence[str] | None = None,
                 baseline: str | None = None, temperature: float | None = None, verifier: str | None = None,
                 level: float = 0.95, n_boot: int = 2000, seed: int = 0, progress: bool = False,
                 make_plots: bool = True, majority: bool = True) -> Path:
    """Write ``report.md`` (+ PNGs, ``report.json`` and ``inputs.json``) for ``run_dirs`` into ``out_dir``;
    returns its path.

    ``temperature``: the T of the single-T sections (default: the common T closest to 1);
    ``verifier``: the BoN verifier (default: the baseline's first verifier present in every run);
    ``make_plots=False``: the numbers only (report.md then links figures that were not drawn);
    ``majority=False``: without maj@k, the slowest metric (every other number is unchanged).
    """
    if not run_dirs:
        raise BonawareError("give at least one run folder")
    inputs = {"runs": [Path(d) for d in run_dirs], "names": None if names is None else list(names)}
    groups = {g.name: g for g in collect_groups(run_dirs, names, load_run)}
    runs = {member: run for g in groups.values() for member, run in zip(g.member_names, g.runs)}
    names, sets = list(runs), list(runs.values())
    base_group = baseline or next(iter(groups))
    if base_group not in groups:
        raise BonawareError(f"--baseline {base_group!r} is not one of the runs ({', '.join(groups)})")
    baseline = groups[base_group].member_names[0]  # the baseline of the per-run sections
    temps = sorted(set.intersection(*(set(s.temperatures) for s in sets)))
    if not temps:
        raise BonawareError("the runs share no sampling temperature; nothing to compare")
    T = min(temps, key=lambda t: abs(t - 1.0)) if temperature is None else float(temperature)
    if not any(abs(T - t) < 1e-9 for t in temps):
        raise BonawareError(f"--temperature {T:g} is not shared by all runs (shared: {temps})")
    common_v = [v for v in runs[baseline].verifiers if all(v in s.verifiers for s in sets)]
    if verifier is not None and verifier not in common_v:
        raise BonawareError(f"--verifier {verifier!r} is not in every run (shared: {common_v})")
    verifier = verifier or (common_v[0] if common_v else None)
    out = Path(out_dir)
    plots = plot_module if make_plots else _NoPlots()
    box = {"level": level, "n_boot": n_boot, "seed": seed}
    metrics = {name: compute_metrics(s, **box, majority=majority, progress=progress) for name, s in runs.items()}
    report: dict = {"baseline": baseline, "temperature": T, "verifier": verifier, **box, "runs": metrics}
    n = min(s.at(T).n for s in sets)
    ks = _pick_ks(n)
    per_group, comparisons = group_statistics({g: [r.at(T) for r in grp.runs] for g, grp in groups.items()},
                                              base_group, verifier=verifier, **box,
                                              metrics=("bon", "pass", "maj") if majority else ("bon", "pass"))
    report["baseline_group"] = base_group
    report["groups"] = {g: {"runs": grp.member_names, "seeds": grp.seeds, "seed_aware": grp.seed_aware,
                            **per_group[g]} for g, grp in groups.items()}
    report["comparisons"] = comparisons

    md = [f"# bonaware report: {', '.join(names)}", "",
          f"Baseline: **{baseline}**. Every number is recomputed from the runs' saved samples "
          f"(`samples.jsonl` or the compact `samples.npz.xz`): k-sample metrics are exact averages over all "
          f"k-subsets of the n samples per prompt; intervals are {int(round(100 * level))}% percentile-bootstrap "
          f"CIs over prompts ({n_boot} draws, seed {seed}); differences use a paired bootstrap over the same "
          "prompts.", "", *_seed_note(groups), ""]
    md += markdown_table(["run", "model", "task", "params", "prompts", "n", "temperatures", "verifiers"],
                 [[name, s.meta.get("model", "—"), s.meta.get("task", "—"), _fmt(s.meta.get("num_params")),
                   s.at(T).num_prompts, s.at(T).n, ", ".join(f"{t:g}" for t in s.temperatures),
                   ", ".join(s.verifiers) or "—"] for name, s in runs.items()])

    # 0. run groups of several training seeds: seed-aware CIs, paired differences and P(A > B)
    seed_md, seed_headline = _seed_section(report, groups, base_group, T, verifier, ks, level, out, plots) if any(
        g.seed_aware for g in groups.values()) else ([], [])
    md += seed_md

    # 1. BoN@N / pass@N curves
    plots.plot_k_curves(metrics, temps, verifier, out / "curves.png")
    md += ["## Best-of-N and pass@N vs N", "", "![curves](curves.png)", ""]
    rows = []
    for name, m in metrics.items():
        e = m["per_temperature"][temperature_key(T)]
        for label, s in ([(f"BoN [{verifier}]", e["bon"][verifier])] if verifier else []) + [("pass", e["pass"])] + (
                [("maj", e["maj"])] if majority else []):
            rows.append([name, label, *(ci_cell(s, k - 1) for k in ks)])
    table = [f"At T = {T:g}:", ""] + markdown_table(["run", "metric", *(f"N={k}" for k in ks)], rows)
    md += table
    headline = seed_headline + table

    # 2. paired differences vs the baseline
    if len(runs) > 1:
        report["paired"] = {}
        md += [f"## Paired differences vs {baseline} (T = {T:g})", ""]
        rows = []
        for metric in (["bon"] if verifier else []) + ["pass"]:
            diff = paired_comparison(runs, baseline, temperature=T, metric=metric, verifier=verifier, ks=ks, **box)
            report["paired"][metric] = diff
            for name, d in diff.items():
                rows.append([name, metric, *(diff_cell(d, i) for i in range(len(ks)))])
        paired = markdown_table(["run", "metric", *(f"N={k}" for k in ks)], rows) + ["`*`: the CI excludes 0.", ""]
        plots.plot_paired(report["paired"], baseline, T, verifier, out / "paired.png")
        md += ["![paired differences](paired.png)", "", *paired]
        headline += [f"Difference vs {baseline} (paired bootstrap over prompts):", "", *paired]

    # 3. N × T heatmaps
    # (a run sampled at one temperature has no N x T plane: its heatmap and co-scaling plot would be a
    # single column / curve, so they are left out and the tables carry its numbers)
    md += ["## N × T", ""]
    for i, (name, m) in enumerate(metrics.items()):
        if len(m["per_temperature"]) < 2:
            md += [f"{name}: one sampling temperature, no N × T plane (evaluate with several --temperatures).", ""]
            continue
        plots.plot_heatmaps(name, m, verifier, _pick_ks(min(e["n"] for e in m["per_temperature"].values())),
                            out / f"heatmap_{i}.png")
        md += [f"![heatmap {name}](heatmap_{i}.png)", ""]

    # 4. co-scaling
    md += ["## Co-scaling of N and T (paper App. D.1)", "",
           "Fits accuracy(N, T) ≈ exp(a(T)·N^{b(T)}) with a ≤ 0; b < 0 means accuracy rises towards 1 with N, "
           "b > 0 that it falls (docs/evaluation.md). Extrapolation: fit on N ≤ n/4, error on larger N.", ""]
    for i, (name, m) in enumerate(metrics.items()):
        if len(m["per_temperature"]) > 1:
            plots.plot_coscaling(name, m, verifier, out / f"coscaling_{i}.png")
            md += [f"![coscaling {name}](coscaling_{i}.png)", ""]
        else:
            md += [f"**{name}**", ""]
        rows = []
        for key in ["pass", *([f"bon:{verifier}"] if verifier else []), *(["maj"] if majority else [])]:
            co = m["coscaling"][key]
            for t, f in co.get("fits", {}).items():
                ex = co["extrapolation"].get(t)
                rows.append([key, t, f"{f['a']:.3f}", f"{f['b']:.3f}", _fmt(f["r2"], ".4f"),
                             _fmt(ex and ex["mae"], ".4f"), _fmt(ex and ex["error_at_max_n"], "+.4f")])
        md += markdown_table(["metric", "T", "a", "b", "R²", "extrap. MAE", "error at N=n"], rows)
        opt = m["coscaling"][f"bon:{verifier}" if verifier else "pass"].get("optimal_T")
        if opt is None:  # n < 3: no fits
            continue
        md += ["Best temperature per N (empirical / fitted): " + ", ".join(
            f"N={k}: {opt['empirical_T'][k - 1]:g}/{opt['fitted_T'][k - 1]:g}" for k in _pick_ks(len(opt["ns"])))
               + "; extrapolated: " + ", ".join(f"N={N}: {t:g}" for N, t in
                                                zip(opt["fitted_ns"][-3:], opt["fitted_T"][-3:])), ""]

    # 5. compute efficiency
    plots.plot_compute(metrics, T, verifier, out / "compute.png")
    md += ["## Compute efficiency", "", "![compute](compute.png)", "",
           "Inference cost per prompt: tokens(N) = prompt + N × mean completion tokens; FLOPs ≈ 2·params·tokens.", ""]
    if len(runs) > 1:
        report["savings"] = {}
        rows = []
        metric = "bon" if verifier else "pass"
        base_params = runs[baseline].meta.get("num_params")
        for name, s in runs.items():
            if name == baseline:
                continue
            for N in [k for k in ks if k <= s.at(T).n]:
                sv = compute_savings(runs[baseline].at(T), s.at(T), N, metric=metric, verifier=verifier,
                                     base_params=base_params, tuned_params=s.meta.get("num_params"), **box)
                report["savings"].setdefault(name, []).append(sv)
                rows.append([name, N, f"{sv['tuned_acc']:.3f}",
                             f"{_fmt(sv['n_match'], '.1f', f'> {n}')} [{_fmt(sv['n_match_ci'][0], '.1f', f'> {n}')}, "
                             f"{_fmt(sv['n_match_ci'][1], '.1f', f'> {n}')}]",
                             f"{_fmt(sv['savings'], '.2f', '—')} [{_fmt(sv['savings_ci'][0], '.2f')}, "
                             f"{_fmt(sv['savings_ci'][1], '.2f')}]"])
        md += [f"N the baseline **{baseline}** needs to match each run's {metric}@N (T = {T:g}); savings = "
               f"baseline cost / run cost (— : not reached within n = {n}):", ""]
        md += markdown_table(["run", "N", f"run {metric}@N", "baseline N needed [CI]", "compute savings [CI]"], rows)
    train_rows = []
    for name, s in runs.items():
        # the training folder when it is still there, else what the compact samples file saved from it
        tc = training_compute(s.meta["train_dir"], s.meta.get("num_params")) if s.meta.get("train_dir") else None
        tc = tc or s.training
        if tc:
            report.setdefault("training", {})[name] = tc
            train_rows.append([name, tc["method"] or "—", tc["steps"], _fmt(tc["tokens"]), _fmt(tc["flops"]),
                               _fmt(tc["seconds"], ".1f")])
    if train_rows:
        md += ["Training compute (from each run's training `metrics.csv`; FLOPs ≈ 6·params·tokens):", ""]
        md += markdown_table(["run", "method", "steps", "tokens", "FLOPs", "seconds"], train_rows)

    # 5b. adaptive per-prompt budgets (runs evaluated with --allocation adaptive)
    md += _adaptive_section(runs, metrics, report, out, level=level, n_boot=n_boot, plots=plots)

    # 6. per-prompt P_fail
    if len(runs) > 1:
        pf = {name: per_prompt_pfail(runs[baseline].at(T), s.at(T)) for name, s in runs.items() if name != baseline}
        report["p_fail"] = pf
        plots.plot_pfail(pf, baseline, T, out / "pfail.png")
        md += ["## Per-prompt failure probability before vs after", "", "![pfail](pfail.png)", ""]
        md += markdown_table(["run", "easier", "harder", "same", "newly solvable", "newly unsolved"],
                     [[k, d["easier"], d["harder"], d["same"], d["newly_solved"], d["newly_unsolved"]]
                      for k, d in pf.items()])

    # 7. verifier quality
    plots.plot_verifiers(metrics, T, out / "verifiers.png")
    md += ["## Verifier quality", "", "![verifiers](verifiers.png)", ""]
    rows = [[name, v, _fmt(a["pooled_auc"], ".3f"), _fmt(a["within_prompt_auc"], ".3f"),
             ci_cell(m["per_temperature"][temperature_key(T)]["bon"][v], n - 1),
             ci_cell(m["per_temperature"][temperature_key(T)]["pass"], n - 1)]
            for name, m in metrics.items() for v, a in m["per_temperature"][temperature_key(T)]["verifier_auc"].items()]
    md += markdown_table(["run", "verifier", "pooled AUC", "within-prompt AUC", f"BoN@{n}", f"pass@{n}"], rows)

    # 8. diversity
    plots.plot_diversity(metrics, out / "diversity.png")
    md += ["## Diversity of the n samples", "", "![diversity](diversity.png)", ""]
    rows = [[name, f"{t:g}", *(f"{d[k]['mean']:.3f} [{d[k]['lo']:.3f}, {d[k]['hi']:.3f}]" for k in d)]
            for name, m in metrics.items() for t in m["temperatures"]
            for d in [m["per_temperature"][temperature_key(t)]["diversity"]]]
    md += markdown_table(["run", "T", "distinct answers", "answer entropy (bits)", "n-gram distance",
                          "edit distance"], rows)

    # 9. BoN-RLB weights against the observed P_fail
    p = np.linspace(0.01, 0.99, 197)
    Ns = sorted({4, 8, 32} | {int(s.meta["n_prime"]) for s in sets if s.meta.get("n_prime")})
    base_pf = 1.0 - runs[baseline].at(T).correct.mean(axis=1)
    plots.plot_weights(weight_curves(Ns, p), p, base_pf, f"{baseline}, T={T:g}", out / "weights.png")
    wt = weight_curves(Ns, np.array([0.5, 0.9, 0.99]))
    md += ["## BoN-RLB weights vs P_fail (paper §3.3–3.4)", "", "![weights](weights.png)", "",
           "g⁺_N(p) = N p^{N−1}/(1 − p^N), g⁻(p) = N p/(1 − p), ḡ⁺_N(p) = N p^{N−1}(1 − p)/(1 − p^N); grey: "
           f"histogram of the baseline's per-prompt P_fail at T = {T:g} (mean {base_pf.mean():.3f}).", ""]
    md += markdown_table(["N", "p", "g⁺", "g⁻", "ḡ⁺"], [[N, p_, f"{w['g_plus'][j]:.3g}", f"{w['g_minus'][j]:.3g}",
                                                f"{w['g_bar_plus'][j]:.3g}"]
                                               for N, w in wt.items() for j, p_ in enumerate([0.5, 0.9, 0.99])])

    report["tables_markdown"] = "\n".join(headline)  # the headline tables alone (e.g. for a terminal)
    write_json_atomic(out / "report.json", _json_safe(report))
    write_json_atomic(out / INPUTS_FILE, {
        "version": 1, "runs": [Path(os.path.relpath(d.resolve(), out.resolve())).as_posix() for d in inputs["runs"]],
        "names": inputs["names"], "baseline": base_group, "temperature": T, "verifier": verifier, **box})
    write_text_atomic(out / REPORT_FILE, "\n".join(md))
    return out / REPORT_FILE


class _NoPlots:
    """Stands in for :mod:`bonaware.evaluation.plots` when only the numbers are wanted."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def recompute_report(report_dir: str | Path, *, majority: bool = True) -> dict:
    """The numbers of ``report_dir``'s ``report.json``, recomputed (without plots) from the run folders and
    options its ``inputs.json`` records: a fresh clone with the runs' compact files committed needs no more.
    ``majority=False`` skips maj@k (most of the time on large reports); the other numbers are the same."""
    report_dir = Path(report_dir)
    path = report_dir / INPUTS_FILE
    if not path.is_file():
        raise BonawareError(f"{path} does not exist (bonaware report writes it next to report.md)")
    spec = json.loads(path.read_text())
    if spec.pop("version", None) != 1:
        raise BonawareError(f"{path}: unknown inputs version (this bonaware reads version 1)")
    runs = [report_dir / r for r in spec.pop("runs")]
    with tempfile.TemporaryDirectory() as tmp:
        write_report(runs, tmp, **spec, make_plots=False, majority=majority)
        return json.loads((Path(tmp) / "report.json").read_text())
