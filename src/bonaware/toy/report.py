"""The toy's outputs: printed tables, ``toy_results.json``, ``bon_vs_n.png``, ``distributions.png``,
``report.md`` (all written atomically through bonaware.io)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from bonaware.io import atomic_write, write_json_atomic, write_text_atomic


def _mean(values) -> float:
    return float(np.mean(values))


def results_table(results: dict, metric: str) -> str:
    """A fixed-width table: one row per policy (base first), one column per N, plus mean KL and entropy.
    ``metric``: "bon" (Bo-N accuracy under the verifier) or "pass" (pass@N)."""
    ns = results["config"]["eval_ns"]
    name_w = max(len(r["label"]) for r in results["policies"].values()) + 2
    head = f"{'method':<{name_w}}" + "".join(f"{'N=' + str(n):>8}" for n in ns) + f"{'KL':>8}{'H':>7}"
    lines = [head, "-" * len(head)]
    for r in results["policies"].values():
        ev = r["eval"]
        lines.append(f"{r['label']:<{name_w}}" + "".join(f"{_mean(ev[metric][n]):>8.3f}" for n in ns)
                     + f"{_mean(ev['kl']):>8.3f}{_mean(ev['entropy']):>7.2f}")
    return "\n".join(lines)


def print_tables(results: dict) -> str:
    cfg = results["config"]
    text = (
        f"Bo-N accuracy under the verifier (AUC {cfg['verifier_auc']:g}; mean over {cfg['num_prompts']} "
        f"prompts; KL = mean KL(pi || pi_0), H = mean entropy in nats)\n{results_table(results, 'bon')}\n\n"
        f"pass@N (an oracle picks any correct sample)\n{results_table(results, 'pass')}"
    )
    return text


def _save_png(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    with atomic_write(path, "wb") as fh:
        fh.write(buf.getvalue())


def _style(i: int):
    import matplotlib.pyplot as plt

    colors = plt.get_cmap("tab10").colors
    return {"color": colors[i % 10], "marker": "osD^v<>ph*"[i % 10]}


def plot_bon_vs_n(results: dict, path: Path) -> None:
    """Bo-N accuracy (verifier) and pass@N vs N, log-x, one line per method and the base policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cfg = results["config"]
    ns = cfg["eval_ns"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for ax, metric, title in ((axes[0], "bon", f"Bo-N accuracy (verifier AUC {cfg['verifier_auc']:g})"),
                              (axes[1], "pass", "pass@N (oracle selection)")):
        for i, (name, r) in enumerate(results["policies"].items()):
            y = [_mean(r["eval"][metric][n]) for n in ns]
            if name == "base":
                ax.plot(ns, y, "k--", lw=2, label=r["label"])
            else:
                ax.plot(ns, y, lw=1.8, ms=5, label=r["label"], **_style(i - 1))
        ax.axvline(cfg["train_n"], color="grey", lw=0.8, ls=":")
        ax.text(cfg["train_n"], 0.02, f" N′={cfg['train_n']}", color="grey", fontsize=9)
        ax.set_xscale("log", base=2)
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel("N (samples at inference)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel(f"mean over {cfg['num_prompts']} prompts")
    axes[1].legend(loc="lower right", fontsize=8.5)
    kl = f"KL budget {cfg['kl_target']:g} nats" if cfg["kl_target"] is not None else f"β = {cfg['kl_coef']:g}"
    fig.suptitle(f"Exact tabular toy: each method trained with its exact expected gradient ({kl})")
    _save_png(fig, path)
    plt.close(fig)


def plot_distributions(results: dict, path: Path) -> None:
    """Learned distributions on the easiest and the hardest prompt (heatmaps, candidates sorted by verifier
    score, correct ones marked), and P(correct) / entropy per prompt for every method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pr = results["prompts"]
    pols = results["policies"]
    labels = [r["label"] for r in pols.values()]
    P = len(pr["base_success"])
    fig = plt.figure(figsize=(15, 9.5))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.15, 1], hspace=0.45, wspace=0.62)
    for col, (i, kind) in enumerate(((0, "easiest"), (P - 1, "hardest"))):
        ax = fig.add_subplot(grid[0, col])
        order = np.argsort(-np.asarray(pr["scores"][i]), kind="stable")
        M = np.array([[r["eval"]["probs"][i][k] for k in order] for r in pols.values()])
        ax.imshow(M, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for a in range(M.shape[0]):
            for b in range(M.shape[1]):
                ax.text(b, a, f"{M[a, b]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if M[a, b] > 0.6 else "black")
        xt = [("✓ " if pr["rewards"][i][k] else "✗ ") + f"{pr['scores'][i][k]:.2f}" for k in order]
        ax.set_xticks(range(len(order)), xt, fontsize=8.5)
        for tick, k in zip(ax.get_xticklabels(), order):
            tick.set_color("green" if pr["rewards"][i][k] else "firebrick")
        N = results["config"]["train_n"]
        ent = [f"{lab}  (H={r['eval']['entropy'][i]:.2f}, Bo-{N}={r['eval']['bon'][N][i]:.2f})"
               if N in r["eval"]["bon"] else f"{lab}  (H={r['eval']['entropy'][i]:.2f})"
               for lab, r in zip(labels, pols.values())]
        ax.set_yticks(range(len(labels)), ent, fontsize=8.5)
        ax.set_xlabel("candidates, by verifier score (✓ correct, ✗ wrong)")
        ax.set_title(f"{kind} prompt (#{i}, base P(correct) = {pr['base_success'][i]:.2f})", fontsize=10)
    for col, (key, ylab) in enumerate((("p_correct", "P(correct) after training"), ("entropy", "entropy (nats)"))):
        ax = fig.add_subplot(grid[1, col])
        x = np.arange(P)
        for j, (name, r) in enumerate(pols.items()):
            if name == "base":
                ax.plot(x, r["eval"][key], "k--", lw=2, label=r["label"])
            else:
                ax.plot(x, r["eval"][key], lw=1.6, ms=4, label=r["label"], **_style(j - 1))
        ax.set_xticks(x, [f"{p:.2f}" for p in pr["base_success"]], fontsize=8)
        ax.set_xlabel("prompt, by base P(correct) (easy → hard)")
        ax.set_ylabel(ylab)
        ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.suptitle("Where each method puts its probability mass (exact, after training)")
    _save_png(fig, path)
    plt.close(fig)


def report_markdown(results: dict, tables: str) -> str:
    """A short report: setup, the tables, and facts read off the results (no interpretation hard-coded)."""
    cfg = results["config"]
    N = cfg["train_n"]
    ns = cfg["eval_ns"]
    pols = results["policies"]
    lines = [
        "# bonaware toy — exact tabular demo",
        "",
        f"{cfg['num_prompts']} prompts × {cfg['num_candidates']} candidates ({cfg['num_correct']} correct), "
        f"base P(correct) {cfg['p_easy']:g} → {cfg['p_hard']:g}, verifier AUC {cfg['verifier_auc']:g}, "
        f"N′ = {N}, {cfg['steps']} steps, "
        + (f"KL budget {cfg['kl_target']:g} nats (adaptive β)." if cfg["kl_target"] is not None
           else f"fixed β = {cfg['kl_coef']:g}.")
        + f" Training and evaluation took {results['wall_time_s']:.1f} s.",
        "",
        "```", tables, "```",
        "",
        "Read off the results:",
        "",
    ]
    trained = {k: v for k, v in pols.items() if k != "base"}
    if N in ns and trained:
        best_bon = max(trained, key=lambda k: _mean(trained[k]["eval"]["bon"][N]))
        best_pass = max(trained, key=lambda k: _mean(trained[k]["eval"]["pass"][N]))
        lines.append(f"* Best Bo-{N} accuracy: {trained[best_bon]['label']} "
                     f"({_mean(trained[best_bon]['eval']['bon'][N]):.3f}); best pass@{N}: "
                     f"{trained[best_pass]['label']} ({_mean(trained[best_pass]['eval']['pass'][N]):.3f}).")
    for r in pols.values():
        bon = [_mean(r["eval"]["bon"][n]) for n in ns]
        peak = int(np.argmax(bon))
        ent = r["eval"]["entropy"]
        fact = (f"* {r['label']}: Bo-N accuracy peaks at N = {ns[peak]} ({bon[peak]:.3f})"
                + (f" and falls to {bon[-1]:.3f} at N = {ns[-1]}" if bon[-1] < bon[peak] - 1e-3 else "")
                + f"; entropy {ent[0]:.2f} on the easiest prompt, {ent[-1]:.2f} on the hardest"
                + f"; P(correct) {r['eval']['p_correct'][0]:.2f} / {r['eval']['p_correct'][-1]:.2f}.")
        lines.append(fact)
    lines += ["", "Figures: `bon_vs_n.png`, `distributions.png`. Raw numbers: `toy_results.json`.", ""]
    return "\n".join(lines)


def write_outputs(results: dict, out: str | Path, plots: bool = True) -> tuple[str, list[Path]]:
    """Write every output file into ``out``; returns the printed tables and the paths written."""
    out = Path(out)
    tables = print_tables(results)
    written = [out / "toy_results.json", out / "report.md"]
    write_json_atomic(written[0], results)
    if plots:
        plot_bon_vs_n(results, out / "bon_vs_n.png")
        plot_distributions(results, out / "distributions.png")
        written += [out / "bon_vs_n.png", out / "distributions.png"]
    write_text_atomic(written[1], report_markdown(results, tables))
    return tables, written
