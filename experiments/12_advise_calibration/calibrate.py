"""Experiment 12: is `bonaware advise` calibrated, and how much does following it cost? (docs/advise.md)

``run``: split the val pilots' prompts into disjoint pilot sets; for every pilot set, candidate set
(e.g. base + the methods trained with one seed), metric and budget, ask ``advise`` (the library
function behind ``bonaware advise``) for its recommendation and evaluate every option on ``test``
(the unbiased estimate from n_test ≥ the largest N samples per test prompt). Writes one JSON line per
trial (``trials.jsonl.gz``: the compact data every table below is computed from).

``table``: from ``trials.jsonl.gz`` alone, the coverage of the 95% CIs (the recommendation's and every
option's; inside the pilot's n and extrapolated 1.5-4x beyond it) against the test estimate, next to
the coverage a perfectly calibrated CI would show against a test estimate that has its own prompt
noise, and how often prediction and test estimate agree within their joint uncertainty
(|pred − test| ≤ √(pilot half-CI² + test half-CI²)); the bias; the regret of the recommendation
against the best option on test; and P(better) against how often the recommendation beat the
runner-up on test. ``plot`` draws predicted vs test.

  python experiments/12_advise_calibration/calibrate.py run --val base=DIR ... --test base=DIR ... \\
      --sets base,grpo_s0,bon_rlb_p_s0 --sets base,grpo_s1,bon_rlb_p_s1 --out docs/results/12_advise_calibration
  python experiments/12_advise_calibration/calibrate.py table docs/results/12_advise_calibration/trials.jsonl.gz \
      --part coverage   # or --part regret
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import norm

from bonaware.estimators import bootstrap_ci
from bonaware.evaluation.advise import advise, build_candidates
from bonaware.evaluation.curves import all_ks, metric_curve
from bonaware.evaluation.report import load_run, markdown_table
from bonaware.evaluation.samples import SampleSet, TemperatureSamples


def _pairs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, _, path = item.partition("=")
        out[name] = path
    return out


def _restrict(s: SampleSet, ids: list[str], n: int | None = None) -> SampleSet:
    """``s`` on the prompts ``ids``; with ``n``, only each prompt's first n samples (i.i.d., so still a valid
    n-sample pilot)."""
    out = {}
    for t, g in s.by_temperature.items():
        g = g.select(ids)
        if n is not None:
            # ranks of the first n samples keep their order and ties (a compact file's scores are ranks)
            g = TemperatureSamples(t, g.problem_ids, g.correct[:, :n], {k: v[:, :n] for k, v in g.scores.items()},
                                   [a[:n] for a in g.answers], g.n_tokens[:, :n], g.prompt_tokens,
                                   None if g.completions is None else [c[:n] for c in g.completions])
        out[t] = g
    return SampleSet(s.path, out, s.meta)


def _truth(runs: dict[str, SampleSet], ids: list[str], verifier: str):
    """(metric, run, T) → (mean curve, CI width) over the prompts ``ids`` of ``runs`` (cached)."""
    cache: dict = {}

    def get(metric: str, run_name: str, T: float):
        key = (metric, run_name, T)
        if key not in cache:
            g = runs[run_name].at(T).select(ids)
            curve = metric_curve(g, metric, verifier if metric == "bon" else None, all_ks(g.n))
            ci = bootstrap_ci(curve, n_boot=500, seed=0)
            cache[key] = (np.asarray(ci.mean), np.asarray(ci.hi) - np.asarray(ci.lo))
        return cache[key]

    return get


def _trials(design: str, k: int, pilots: dict[str, SampleSet], truth, metric: str, set_spec: str,
            args: argparse.Namespace) -> list[dict]:
    names = set_spec.split(",")
    runs = {name: pilots[name] for name in names}
    verifier = args.verifier if metric == "bon" else None
    cands = build_candidates(runs, metric=metric, verifier=verifier, n_boot=args.n_boot, seed=k)
    rows = []
    for B in args.budgets:
        adv = advise(runs, B, metric=metric, verifier=verifier, n_boot=args.n_boot, seed=k, candidates=cands)
        opts = []
        for o in adv["options"]:
            mean, width = truth(metric, o["run"], o["temperature"])
            opts.append([o["run"], o["temperature"], o["n"], round(o["predicted"], 5), round(o["ci"][0], 5),
                         round(o["ci"][1], 5), round(float(mean[o["n"] - 1]), 5), round(float(width[o["n"] - 1]), 5),
                         o["pilot_n"]])
        # the best option on the held-out prompts: any candidate, any N within the budget
        best = max(float(truth(metric, c.run, c.temperature)[0][:int(B)].max()) for c in cands)
        ru = adv["runner_up"]
        rows.append({"design": design, "metric": metric, "set": set_spec, "pilot": k,
                     "pilot_prompts": next(iter(runs.values())).at(cands[0].temperature).num_prompts,
                     "budget": B, "options": opts, "best_test": round(best, 5),
                     "runner_up": None if ru is None else [ru["run"], ru["temperature"], ru["n"]],
                     "p_better": adv["p_better"]})
    return rows


def run(args: argparse.Namespace) -> None:
    """Two designs. ``val_test`` (the issue's): disjoint pilot sets of the val prompts, truth = every test
    prompt. They share one val and one test draw, so a difference between the two splits moves every
    trial alike. ``resplit``: the test prompts split at random, ``resplits`` times, into a pilot (its first
    ``pilot_n`` samples per prompt) and the held-out rest (all n_test samples): exchangeable replicates of
    "a pilot from the distribution, then new prompts from it" — the statistical calibration alone."""
    val = {k: load_run(v) for k, v in _pairs(args.val).items()}
    test = {k: load_run(v) for k, v in _pairs(args.test).items()}
    first = next(iter(val.values()))
    ids = sorted(first.at(first.temperatures[0]).problem_ids)
    order = np.random.default_rng(0).permutation(len(ids))
    chunks = [[ids[i] for i in order[j:j + args.pilot_prompts]]
              for j in range(0, len(ids) - args.pilot_prompts + 1, args.pilot_prompts)]
    pilot_n = args.pilot_n or first.at(first.temperatures[0]).n  # default: the val pilots' n
    first = next(iter(test.values()))
    test_ids = sorted(first.at(first.temperatures[0]).problem_ids)
    truth_all = _truth(test, test_ids, args.verifier)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for metric in args.metrics.split(","):
        for set_spec in args.sets:
            for k, chunk in enumerate(chunks):
                rows += _trials("val_test", k, {n: _restrict(val[n], chunk) for n in val}, truth_all, metric,
                                set_spec, args)
            for r in range(args.resplits):
                perm = np.random.default_rng(1000 + r).permutation(len(test_ids))
                pilot_ids = sorted(test_ids[i] for i in perm[:args.pilot_prompts])
                rest = sorted(test_ids[i] for i in perm[args.pilot_prompts:])
                rows += _trials("resplit", 100 + r, {n: _restrict(test[n], pilot_ids, pilot_n) for n in test},
                                _truth(test, rest, args.verifier), metric, set_spec, args)
            print(f"{metric} {set_spec}: done", flush=True)
    with gzip.open(out / "trials.jsonl.gz", "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} trials to {out / 'trials.jsonl.gz'}")


def load_trials(path: str) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _expected(widths_val, widths_test) -> float:
    """Coverage of an exactly calibrated 95% CI against a test estimate with its own noise: the test
    estimate's SD is r times the pilot's (r = ratio of the two CI widths), so P(|Z| ≤ 1.96/√(1 + r²))."""
    r = np.asarray(widths_test) / np.maximum(np.asarray(widths_val), 1e-12)
    return float(np.mean(2 * norm.cdf(1.959964 / np.sqrt(1 + r ** 2)) - 1))


def _band(ratio: float) -> str:
    return "N ≤ n" if ratio <= 1 else "1 < N/n ≤ 2" if ratio <= 2 else "2 < N/n ≤ 4"


def table(args: argparse.Namespace) -> None:
    trials = load_trials(args.trials)
    bands = ["N ≤ n", "1 < N/n ≤ 2", "2 < N/n ≤ 4"]
    groups = list(dict.fromkeys((t["design"], t["metric"]) for t in trials))
    rows = []
    for design, metric in groups:
        for band in bands:
            rec, allo = [], []
            for t in trials:
                if (t["design"], t["metric"]) != (design, metric):
                    continue
                for j, o in enumerate(t["options"]):
                    if _band(o[2] / o[8]) != band:
                        continue
                    side = o[5] - o[3] if o[6] > o[3] else o[3] - o[4]  # the CI's half on the test value's side
                    joint = abs(o[6] - o[3]) <= math.hypot(side, o[7] / 2)
                    item = (o[4] <= o[6] <= o[5], o[5] - o[4], o[7], o[3] - o[6], joint)
                    allo.append(item)
                    if j == 0:
                        rec.append(item)
            if not allo:
                continue
            cov = lambda xs: f"{np.mean([x[0] for x in xs]):.2f} ({len(xs)})" if xs else "—"  # noqa: E731
            expected = _expected([x[1] for x in allo], [x[2] for x in allo])
            rows.append([design, metric, band, cov(rec), cov(allo), f"{expected:.2f}",
                         f"{np.mean([x[4] for x in allo]):.2f}", f"{np.mean([x[3] for x in allo]):+.3f}",
                         f"{np.mean([abs(x[3]) for x in allo]):.3f}"])
    if args.part == "coverage":
        print("\n".join(markdown_table(["design", "metric", "N vs pilot n", "coverage: recommendation (trials)",
                                        "coverage: every option (options)", "calibrated CI would show",
                                        "agree within joint CI", "bias (pred − truth)", "mean |pred − truth|"],
                                       rows)).strip())
        return
    rows = []
    for design, metric in groups:
        ts = [t for t in trials if (t["design"], t["metric"]) == (design, metric)]
        regret = np.array([t["best_test"] - t["options"][0][6] for t in ts])
        won, pb = [], []
        for t in ts:
            if t["runner_up"] is None:
                continue
            ru = next(o for o in t["options"] if [o[0], o[1], o[2]] == t["runner_up"])
            won.append(float(t["options"][0][6] > ru[6]) + 0.5 * float(t["options"][0][6] == ru[6]))
            pb.append(t["p_better"])
        rows.append([design, metric, len(ts), f"{regret.mean():.4f}", f"{np.median(regret):.4f}",
                     f"{regret.max():.4f}", f"{np.mean(regret <= 0.01):.2f}", f"{np.mean(pb):.2f}",
                     f"{np.mean(won):.2f}"])
    print("\n".join(markdown_table(["design", "metric", "trials", "mean regret", "median regret", "max regret",
                                    "share with regret ≤ 0.01", "mean P(rec. better)",
                                    "rec. beat runner-up on truth"], rows)).strip())


def plot(args: argparse.Namespace) -> None:
    from matplotlib.figure import Figure

    from bonaware.evaluation.plots import _save

    trials = load_trials(args.trials)
    groups = list(dict.fromkeys((t["design"], t["metric"]) for t in trials))
    fig = Figure(figsize=(4.0 * len(groups) + 4.6, 4.0), layout="constrained")
    axes = fig.subplots(1, len(groups) + 1, squeeze=False)[0]
    colors = {"N ≤ n": "#1f77b4", "1 < N/n ≤ 2": "#ff7f0e", "2 < N/n ≤ 4": "#d62728"}
    for ax, (design, metric) in zip(axes, groups):
        for t in (t for t in trials if (t["design"], t["metric"]) == (design, metric)):
            o = t["options"][0]
            c = colors[_band(o[2] / o[8])]
            ax.errorbar([o[6]], [o[3]], yerr=[[o[3] - o[4]], [o[5] - o[3]]], fmt="o", ms=3, color=c, alpha=0.6,
                        elinewidth=0.8)
        lim = [0, 1]
        ax.plot(lim, lim, "k--", lw=0.8)
        ax.set_xlabel("accuracy of the recommendation on new prompts")
        ax.set_ylabel("predicted from the pilot [95% CI]")
        ax.set_title(f"{design}, {metric}: recommendations", fontsize=9)
        ax.grid(alpha=0.3)
    ax = axes[-1]
    for design, metric in groups:
        xs, ys = [], []
        for band in colors:
            hits = [o[4] <= o[6] <= o[5] for t in trials if (t["design"], t["metric"]) == (design, metric)
                    for o in t["options"] if _band(o[2] / o[8]) == band]
            if hits:
                xs.append(band)
                ys.append(np.mean(hits))
        ax.plot(xs, ys, "o-" if design == "resplit" else "s--", label=f"{design}, {metric}")
    ax.axhline(0.95, color="0.4", ls=":", lw=1)
    ax.axhline(0.90, color="0.6", ls=":", lw=1)
    ax.set_ylim(0.3, 1.0)
    ax.set_ylabel("coverage of 95% CIs, every option")
    ax.set_title("coverage vs extrapolation", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    for band, c in colors.items():
        axes[0].plot([], [], "o", color=c, label=band)
    axes[0].legend(fontsize=7)
    _save(fig, Path(args.out))
    print(f"wrote {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--val", nargs="+", required=True, metavar="NAME=DIR", help="val pilot runs, one per model")
    r.add_argument("--test", nargs="+", required=True, metavar="NAME=DIR", help="test runs of the same models")
    r.add_argument("--sets", action="append", required=True, help="comma-separated candidate names (repeatable)")
    r.add_argument("--budgets", type=lambda s: [float(x) for x in s.split(",")],
                   default=[1, 2, 4, 8, 16, 24, 32, 48, 64])
    r.add_argument("--metrics", default="bon,pass")
    r.add_argument("--verifier", default="noisy:target_auc=0.85")
    r.add_argument("--pilot_prompts", type=int, default=125, help="prompts per pilot")
    r.add_argument("--pilot_n", type=int, default=None, help="resplit pilots: samples per prompt (default: val's n)")
    r.add_argument("--resplits", type=int, default=12, help="random pilot / held-out splits of the test prompts")
    r.add_argument("--n_boot", type=int, default=1000)
    r.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("trials")
    t.add_argument("--part", choices=["coverage", "regret"], default="coverage", help="which table to print")
    p = sub.add_parser("plot")
    p.add_argument("trials")
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    {"run": run, "table": table, "plot": plot}[args.cmd](args)


if __name__ == "__main__":
    main()
