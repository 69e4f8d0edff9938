"""PNG figures of the report (docs/report.md says what each one shows). matplotlib, Agg canvas.

Every function draws from metrics dicts (:func:`bonaware.evaluation.metrics.compute_metrics`) or
report tables, never from anything that is not recomputable from the saved samples. Figures are
built with ``matplotlib.figure.Figure`` (no pyplot global state) and saved atomically.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from bonaware.evaluation.coscaling import coscaling_law
from bonaware.io import atomic_write

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _figure(ncols: int, nrows: int = 1, w: float = 4.4, h: float = 3.4):
    fig = Figure(figsize=(w * ncols, h * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a 256-colour palette PNG: line plots lose nothing visible and the file is about
    4x smaller than matplotlib's RGBA output, which matters for reports committed to a repository."""
    from PIL import Image  # a matplotlib dependency

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    buf.seek(0)
    image = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    with atomic_write(path, "wb") as fh:
        image.save(fh, format="PNG", optimize=True)
    return path


def _band(ax, x, s: Mapping, color: str, label: str, ls: str = "-") -> None:
    ax.plot(x, s["mean"], ls, color=color, label=label, lw=1.6)
    ax.fill_between(x, s["lo"], s["hi"], color=color, alpha=0.18, lw=0)


def _tkey(metrics: Mapping, t: float) -> str:
    return f"{float(t):g}"


def plot_k_curves(runs: Mapping[str, Mapping], temperatures: Sequence[float], verifier: str | None,
                  path: Path) -> Path:
    """Rows: BoN@N [verifier] (if any) and pass@N; columns: temperatures; one line + CI band per run."""
    rows = (["bon"] if verifier else []) + ["pass"]
    fig, axes = _figure(len(temperatures), len(rows))
    for c, t in enumerate(temperatures):
        for r, metric in enumerate(rows):
            ax = axes[r, c]
            for i, (name, m) in enumerate(runs.items()):
                e = m["per_temperature"][_tkey(m, t)]
                s = e["bon"][verifier] if metric == "bon" else e["pass"]
                _band(ax, e["ks"], s, COLORS[i % len(COLORS)], name)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("N (samples)")
            ax.set_ylabel(f"BoN@N [{verifier}]" if metric == "bon" else "pass@N")
            ax.set_title(f"T = {t:g}")
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _save(fig, path)


def plot_paired(paired: Mapping[str, Mapping[str, Mapping]], baseline: str, temperature: float,
                verifier: str | None, path: Path) -> Path:
    """One panel per metric (BoN@N, pass@N): each run's paired difference vs ``baseline`` against N, with
    its bootstrap CI band and the zero line. Where a curve crosses zero is what the absolute curves hide."""
    metrics = list(paired)
    fig, axes = _figure(len(metrics))
    for c, metric in enumerate(metrics):
        ax = axes[0, c]
        for i, (name, d) in enumerate(paired[metric].items()):
            _band(ax, d["ks"], d, COLORS[(i + 1) % len(COLORS)], name)  # colour i+1: the baseline keeps 0
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N (samples)")
        label = f"BoN@N [{verifier}]" if metric == "bon" else "pass@N"
        ax.set_ylabel(f"Δ {label} vs {baseline}")
        ax.set_title(f"T = {temperature:g}")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _save(fig, path)


def plot_seed_groups(groups: Mapping[str, Mapping], verifier: str | None, temperature: float, path: Path) -> Path:
    """One panel per metric (BoN@N, pass@N): each run group's mean with its seed-aware CI band, and each
    training seed's own curve as a thin line of the same colour (report.json ``groups``)."""
    metrics = (["bon"] if verifier else []) + ["pass"]
    fig, axes = _figure(len(metrics))
    for c, metric in enumerate(metrics):
        ax = axes[0, c]
        for i, (name, g) in enumerate(groups.items()):
            s, color = g["metrics"][metric], COLORS[i % len(COLORS)]
            _band(ax, g["ks"], s, color, f"{name} ({len(s['per_seed'])} seed{'s' * (len(s['per_seed']) > 1)})")
            for row in s["per_seed"] if len(s["per_seed"]) > 1 else []:
                ax.plot(g["ks"], row, "-", color=color, lw=0.6, alpha=0.6)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N (samples)")
        ax.set_ylabel(f"BoN@N [{verifier}]" if metric == "bon" else "pass@N")
        ax.set_title(f"T = {temperature:g}; band: seed-aware CI, thin: seeds", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _save(fig, path)


def plot_heatmaps(name: str, metrics: Mapping, verifier: str | None, ks: Sequence[int], path: Path) -> Path:
    """N × T heatmaps of mean BoN@N [verifier] and pass@N for one run, values printed in the cells."""
    temps = metrics["temperatures"]
    panels = ([("bon", f"BoN@N [{verifier}]")] if verifier else []) + [("pass", "pass@N")]
    fig, axes = _figure(len(panels), 1, w=0.75 * len(ks) + 2.2, h=0.5 * len(temps) + 1.8)
    for ax, (metric, title) in zip(axes[0], panels):
        grid = np.array([[(metrics["per_temperature"][_tkey(metrics, t)]["bon"][verifier] if metric == "bon"
                           else metrics["per_temperature"][_tkey(metrics, t)]["pass"])["mean"][k - 1] for k in ks]
                         for t in temps])
        im = ax.imshow(grid, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="w" if v < 0.6 else "k")
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_yticks(range(len(temps)), [f"{t:g}" for t in temps])
        ax.set_xlabel("N")
        ax.set_ylabel("T")
        ax.set_title(f"{name}: {title}")
        fig.colorbar(im, ax=ax, shrink=0.8)
    return _save(fig, path)


def plot_coscaling(name: str, metrics: Mapping, verifier: str | None, path: Path) -> Path:
    """Mean accuracy vs N per T (dots) with the fitted exp(a·N^b) (lines, extrapolated to 4n); last
    panel: each prompt's optimal (N*, T*) for BoN (or pass@N without a verifier)."""
    keys = (["pass"] + ([f"bon:{verifier}"] if verifier else []))
    fig, axes = _figure(len(keys) + 1)
    temps = metrics["temperatures"]
    cmap = [COLORS[i % len(COLORS)] for i in range(len(temps))]
    for ax, key in zip(axes[0], keys):
        co = metrics["coscaling"][key]
        for t, color in zip(temps, cmap):
            e = metrics["per_temperature"][_tkey(metrics, t)]
            mean = e["bon"][verifier]["mean"] if key.startswith("bon:") else e["pass"]["mean"]
            ks = np.asarray(e["ks"])
            show = np.unique(np.round(np.geomspace(1, ks[-1], 14)).astype(int))
            ax.plot(show, np.asarray(mean)[show - 1], "o", ms=3.5, color=color)
            fit = co.get("fits", {}).get(_tkey(metrics, t))
            if fit:
                xs = np.geomspace(1, 4 * ks[-1], 100)
                r2 = "n/a" if fit["r2"] is None else f"{fit['r2']:.3f}"
                ax.plot(xs, coscaling_law(xs, fit["a"], fit["b"]), "-", color=color, lw=1.2,
                        label=f"T={t:g}: a={fit['a']:.2f}, b={fit['b']:.2f}, R²={r2}")
        ax.axvline(ks[-1], color="0.5", ls=":", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N (dotted line: n, fits extrapolate beyond)")
        ax.set_ylabel("pass@N" if key == "pass" else f"BoN@N [{verifier}]")
        ax.set_title(f"{name}: exp(a·N^b) per T")
        if co.get("fits"):
            ax.legend(fontsize=6.5)
        ax.grid(alpha=0.3)
    ax = axes[0, -1]
    opt = metrics["coscaling"][keys[-1]].get("per_prompt")
    if opt:
        best = np.asarray(opt["best"])
        solved = best > 0  # never-solved prompts tie everywhere (N* = 1, lowest T): not informative
        rng = np.random.default_rng(0)  # jitter only, so stacked points stay visible
        T = np.asarray(opt["T_star"])[solved] + rng.uniform(-0.03, 0.03, solved.sum())
        N = np.asarray(opt["N_star"])[solved] * np.exp(rng.uniform(-0.08, 0.08, solved.sum()))
        sc = ax.scatter(T, N, s=12, c=best[solved], cmap="viridis", vmin=0, vmax=1)
        fig.colorbar(sc, ax=ax, shrink=0.8, label="prompt's best accuracy")
        ax.set_yscale("log", base=2)
        bf = opt["best_fixed"]
        ax.set_title(f"per-prompt (T*, N*) [{keys[-1]}], {int((~solved).sum())} never-solved prompts not shown\n"
                     f"oracle {opt['oracle_mean']:.3f} vs best fixed {bf['acc']:.3f} (N={bf['N']}, T={bf['T']:g})",
                     fontsize=8)
    ax.set_xlabel("T*")
    ax.set_ylabel("N* (smallest N reaching the prompt's best)")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_compute(runs: Mapping[str, Mapping], temperature: float, verifier: str | None, path: Path) -> Path:
    """Accuracy vs inference compute (FLOPs if every run knows its size, else tokens) per run."""
    use_flops = all(m["per_temperature"][_tkey(m, temperature)]["cost"]["flops"] for m in runs.values())
    panels = ([("bon", f"BoN@N [{verifier}]")] if verifier else []) + [("pass", "pass@N")]
    fig, axes = _figure(len(panels))
    for ax, (metric, label) in zip(axes[0], panels):
        for i, (name, m) in enumerate(runs.items()):
            e = m["per_temperature"][_tkey(m, temperature)]
            x = e["cost"]["flops"] if use_flops else e["cost"]["tokens"]
            _band(ax, x, e["bon"][verifier] if metric == "bon" else e["pass"], COLORS[i % len(COLORS)], name)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis overlap
        ax.set_xlabel("inference FLOPs per prompt (2·params·tokens)" if use_flops else "tokens per prompt")
        ax.set_ylabel(label)
        ax.set_title(f"T = {temperature:g}")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _save(fig, path)


def plot_pfail(pfail: Mapping[str, Mapping], baseline: str, temperature: float, path: Path) -> Path:
    """Per-prompt P_fail before (baseline, x) vs after (each run, y); below the diagonal = easier."""
    fig, axes = _figure(max(1, len(pfail)), w=3.8, h=3.8)
    for ax, (name, d) in zip(axes[0], pfail.items()):
        ax.scatter(d["before"], d["after"], s=14, alpha=0.6)
        ax.plot([0, 1], [0, 1], "k--", lw=0.8)
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(f"P_fail, {baseline}")
        ax.set_ylabel(f"P_fail, {name}")
        ax.set_title(f"T={temperature:g}: {d['easier']} easier, {d['harder']} harder", fontsize=9)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_verifiers(runs: Mapping[str, Mapping], temperature: float, path: Path) -> Path:
    """Per run: BoN@N under every verifier in the samples, against pass@N (the oracle's BoN)."""
    fig, axes = _figure(len(runs))
    for ax, (name, m) in zip(axes[0], runs.items()):
        e = m["per_temperature"][_tkey(m, temperature)]
        _band(ax, e["ks"], e["pass"], "k", "pass@N (oracle)", "--")
        for i, (v, s) in enumerate(e["bon"].items()):
            auc = e["verifier_auc"][v]["within_prompt_auc"]
            _band(ax, e["ks"], s, COLORS[i % len(COLORS)], f"{v} (AUC {auc:.2f})" if auc is not None else v)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{name}, T = {temperature:g}")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_diversity(runs: Mapping[str, Mapping], path: Path) -> Path:
    """Each diversity metric (mean and CI over prompts) vs temperature, one line per run."""
    metrics = list(next(iter(runs.values()))["per_temperature"].values())[0].get("diversity", {})
    fig, axes = _figure(max(1, len(metrics)), w=3.6)
    for ax, metric in zip(axes[0], metrics):
        for i, (name, m) in enumerate(runs.items()):
            temps = m["temperatures"]
            s = {k: [m["per_temperature"][_tkey(m, t)]["diversity"][metric][k] for t in temps]
                 for k in ("mean", "lo", "hi")}
            ax.errorbar(temps, s["mean"], yerr=[np.subtract(s["mean"], s["lo"]), np.subtract(s["hi"], s["mean"])],
                        fmt="o-", ms=3.5, capsize=2, color=COLORS[i % len(COLORS)], label=name)
        ax.set_xlabel("T")
        ax.set_title(metric.replace("_", " "))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return _save(fig, path)


def plot_weights(curves: Mapping[int, Mapping[str, np.ndarray]], p: np.ndarray, p_fail_observed,
                 label: str, path: Path) -> Path:
    """g⁺_N, g⁻ and ḡ⁺_N vs P_fail (log y) for several N, with the observed per-prompt P_fail histogram."""
    fig, axes = _figure(2, w=4.8)
    ax, axb = axes[0]
    for i, (N, w) in enumerate(curves.items()):
        color = COLORS[i % len(COLORS)]
        ax.plot(p, w["g_plus"], "-", color=color, label=f"g⁺_N, N={N}")
        axb.plot(p, w["g_bar_plus"], "-", color=color, label=f"ḡ⁺_N, N={N}")
    ax.plot(p, next(iter(curves.values()))["g_minus"], "k:", label="g⁻ (same for every N)")
    ax.set_yscale("log")
    top = max(float(np.max(w["g_minus"])) for w in curves.values())
    ax.set_ylim(1e-3, 2 * top)  # g⁺ underflows to ~1e-60 at small p for large N: not informative
    ax.set_title("BoN-RLB (Lemma 3): g⁺_N, g⁻", fontsize=10)
    axb.set_title("BoN-RLB(P) (Cor. 4): ḡ⁺_N ∈ [0, 1]", fontsize=10)
    for a in (ax, axb):
        a.set_xlabel("P_fail (clipped to [0.01, 0.99])")
        a.grid(alpha=0.3)
        a.legend(fontsize=7, loc="upper left")
        if p_fail_observed is not None and len(p_fail_observed):
            twin = a.twinx()
            twin.hist(p_fail_observed, bins=20, range=(0, 1), color="0.6", alpha=0.35)
            twin.set_ylabel(f"prompts ({label})", color="0.4")
            a.set_zorder(twin.get_zorder() + 1)  # curves above the histogram
            a.patch.set_visible(False)
    return _save(fig, path)
