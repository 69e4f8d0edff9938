"""Experiment 13: what adaptive per-prompt budgets save (docs/adaptive.md).

``run``: (1) tune the adaptive procedure on **val** (priority rule, rounds, stop precision; the val
pilots' saved pools, n = 16, each model calibrated on its own val samples): the setting with the
largest mean paired gain over fixed Bo-B at B = 4 and 8, averaged over models; (2) on **test** (the
saved pools, n = 64 per prompt, at the temperature closest to 1), each model calibrated on its val
pilot, for a grid of budgets: per-prompt accuracy of adaptive (averaged over seeded draw orders) and
samples used, next to fixed Bo-N's unbiased per-prompt BoN@N. Writes the per-prompt numbers
(``per_prompt.json.gz``, the compact data of every table) and the tuning table.

Both rules are kept: the tuned one under the verifier's label, the other (same rounds and stop rule) as
``"<verifier>, <rule> rule"`` — the ablation.

``table``: from ``per_prompt.json.gz`` alone, one table per call (``--part``): ``delta``, adaptive vs
fixed Bo-B at equal mean budget per model (paired bootstrap over prompts); ``seeds``, the same per
method over its training seeds (seed-aware bootstrap, docs/statistics.md); ``match``, the mean samples
adaptive needs to match fixed Bo-16 and Bo-32 (the adaptive curve over budgets, linear
interpolation, paired bootstrap CI). ``settings``: what the val tuning chose.

  python experiments/13_adaptive/savings.py run --val base=DIR ... --test base=DIR ... --out docs/results/13_adaptive
  python experiments/13_adaptive/savings.py table docs/results/13_adaptive/per_prompt.json.gz --part delta
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np

from bonaware.estimators import bon_at_k_curve, bootstrap_means, paired_difference, seed_bootstrap_ci
from bonaware.evaluation.adaptive import calibrate, pool_summary
from bonaware.evaluation.adaptive_eval import pick_temperature
from bonaware.evaluation.compute import n_to_match
from bonaware.evaluation.report import load_run, markdown_table

TEST_BUDGETS = [1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64]
COMPARE = [2, 4, 8, 16, 32]
MATCH = [16, 32]


def _pairs(items):
    return dict(item.split("=", 1) for item in items)


def _delta(group, cal, B, knobs, repeats=4):
    v = knobs["verifier"]
    res = pool_summary(group.scores[v], group.correct, group.n_tokens, group.prompt_tokens, B, cal, repeats=repeats,
                       **{k: knobs[k] for k in ("priority", "rounds", "first_fraction")})
    fixed = bon_at_k_curve(group.scores[v], group.correct, [B])[:, 0]
    return float(np.mean(res["accuracy"] - fixed))


def tune(val: dict, verifier: str, T_wanted) -> tuple[dict, list]:
    """Grid search on val: the setting with the largest mean gain over fixed Bo-B at B = 4 and 8."""
    grid = list(itertools.product(["gain", "uniform"], [2, 4, 8], [0.8, 0.9, 0.95, None]))
    rows, best = [], None
    for priority, rounds, precision in grid:
        gains = []
        for s in val.values():
            g = s.at(pick_temperature(s.temperatures, T_wanted))
            cal = calibrate(g.scores[verifier], g.correct, precision=precision)
            knobs = {"verifier": verifier, "priority": priority, "rounds": rounds, "first_fraction": 0.25}
            gains += [_delta(g, cal, B, knobs) for B in (4, 8)]
        score = float(np.mean(gains))
        rows.append([priority, rounds, "none" if precision is None else precision, f"{score:+.4f}"])
        if best is None or score > best[0]:
            best = (score, {"priority": priority, "rounds": rounds, "precision": precision, "first_fraction": 0.25})
    return best[1], rows


def _test_models(val: dict, test: dict, verifier: str, settings: dict, args: argparse.Namespace) -> dict:
    """Per model: the adaptive per-prompt accuracy and samples, and fixed BoN@B, at every test budget."""
    per_model = {}
    for name, s in test.items():
        T = pick_temperature(s.temperatures, args.temperature)
        g = s.at(T)
        vg = val[name].at(pick_temperature(val[name].temperatures, args.temperature))
        cal = calibrate(vg.scores[verifier], vg.correct, precision=settings["precision"],
                        source=f"{name} val, T={vg.temperature:g}")
        entry = {"temperature": T, "n": g.n, "threshold": None if math.isinf(cal.threshold) else cal.threshold,
                 "fixed": {}, "adaptive": {}, "samples": {}, "stopped": {}}
        bon = bon_at_k_curve(g.scores[verifier], g.correct, list(range(1, g.n + 1)))
        for B in TEST_BUDGETS:
            if g.n < B:
                continue
            res = pool_summary(g.scores[verifier], g.correct, g.n_tokens, g.prompt_tokens, B, cal,
                               repeats=args.repeats, priority=settings["priority"], rounds=settings["rounds"],
                               first_fraction=settings["first_fraction"], seed=0)
            assert max(res["draws_total"]) <= res["budget_total"]
            entry["adaptive"][B] = [round(float(x), 5) for x in res["accuracy"]]
            entry["samples"][B] = [round(float(x), 4) for x in res["samples"]]
            entry["stopped"][B] = round(float(np.mean(res["stopped"])), 4)
            entry["fixed"][B] = [round(float(x), 5) for x in bon[:, B - 1]]
        per_model[name] = entry
        print(f"{verifier} ({settings['priority']}) {name}: done", flush=True)
    return per_model


def run(args: argparse.Namespace) -> None:
    val = {k: load_run(v) for k, v in _pairs(args.val).items()}
    test = {k: load_run(v) for k, v in _pairs(args.test).items()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = {"verifiers": {}, "budgets": TEST_BUDGETS}
    tuning_md = []
    for verifier in args.verifiers.split(","):
        settings, rows = tune(val, verifier, args.temperature)
        tuning_md += [f"Tuning on val, verifier `{verifier}` (mean adaptive − fixed Bo-B at B = 4, 8 over "
                      f"{len(val)} models; chosen: {settings}):", ""]
        tuning_md += markdown_table(["priority", "rounds", "stop precision", "mean gain"], rows)
        other = dict(settings, priority="uniform" if settings["priority"] == "gain" else "gain")
        # the tuned settings, and the other allocation rule with the same rounds and stop rule (the ablation)
        for key, cfg in ((verifier, settings), (f"{verifier}, {other['priority']} rule", other)):
            data["verifiers"][key] = {"settings": cfg, "models": _test_models(val, test, verifier, cfg, args)}
    with gzip.open(out / "per_prompt.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(data, fh)
    (out / "tuning.md").write_text("\n".join(tuning_md) + "\n")
    print(f"wrote {out / 'per_prompt.json.gz'} and {out / 'tuning.md'}")


def _groups(names) -> dict[str, list[str]]:
    """Training-seed groups of model names (``grpo_s0``, ``grpo_s1`` → ``grpo``)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        m = re.match(r"^(.*)_s\d+$", name)
        groups.setdefault(m.group(1) if m else name, []).append(name)
    return groups


def _match(curve, x, target: float, boot_curve, boot_x, boot_target) -> str:
    """The x (samples per prompt) at which ``curve`` first reaches ``target`` (linear interpolation), with the
    paired bootstrap CI of the replicates."""
    point = n_to_match(curve, target, x)
    reps = np.array([n_to_match(boot_curve[i], float(boot_target[i]), boot_x[i]) for i in range(len(boot_target))])
    lo, hi = np.quantile(reps, [0.025, 0.975], method="inverted_cdf")
    return f"{_fmt(point)} [{_fmt(lo)}, {_fmt(hi)}]"


def _fmt(x: float) -> str:
    return "not reached" if not math.isfinite(x) else f"{x:.1f}"


def table(args: argparse.Namespace) -> None:
    """One table (``--part``) for one verifier (``--verifier``) from the committed per-prompt data."""
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    if args.verifier not in data["verifiers"]:
        raise SystemExit(f"no verifier {args.verifier!r} in {args.data} (have {', '.join(data['verifiers'])})")
    vd = data["verifiers"][args.verifier]
    models = vd["models"]
    if args.part == "delta":  # adaptive − fixed Bo-B per model, paired over prompts; adaptive's mean samples
        rows = []
        for name, e in models.items():
            cells = []
            for B in COMPARE:
                if str(B) not in e["adaptive"]:
                    cells.append("—")
                    continue
                d = paired_difference(np.array(e["adaptive"][str(B)]), np.array(e["fixed"][str(B)]), n_boot=2000,
                                      seed=0)
                star = " *" if d.lo > 0 or d.hi < 0 else ""
                cells.append(f"{d.mean:+.3f} [{d.lo:+.3f}, {d.hi:+.3f}]{star} ({np.mean(e['samples'][str(B)]):.1f})")
            rows.append([name, f"{e['temperature']:g}", *cells])
        header = ["model", "T", *(f"B = {B}" for B in COMPARE)]
    elif args.part == "seeds":  # the same per method over its training seeds, seed-aware
        rows = []
        for group, members in _groups(models).items():
            cells = []
            for B in COMPARE:
                if any(str(B) not in models[x]["adaptive"] for x in members):
                    cells.append("—")
                    continue
                d = np.stack([np.array(models[x]["adaptive"][str(B)]) - np.array(models[x]["fixed"][str(B)])
                              for x in members])  # [seeds, prompts]
                ci = seed_bootstrap_ci(d, n_boot=2000, seed=0)
                star = " *" if ci.lo > 0 or ci.hi < 0 else ""
                cells.append(f"{ci.mean:+.3f} [{ci.lo:+.3f}, {ci.hi:+.3f}]{star}")
            rows.append([group, len(members), *cells])
        header = ["method", "seeds", *(f"B = {B}" for B in COMPARE)]
    else:  # match: the mean samples adaptive needs to reach fixed Bo-16 / Bo-32, and what fixed N needs
        rows = []
        for name, e in models.items():
            budgets = [B for B in data["budgets"] if str(B) in e["adaptive"]]
            acc = np.stack([e["adaptive"][str(B)] for B in budgets], axis=1)  # [P, nB]
            used = np.stack([e["samples"][str(B)] for B in budgets], axis=1)
            fixed = np.stack([e["fixed"][str(B)] for B in budgets], axis=1)
            cells = []
            for N in MATCH:
                if str(N) not in e["fixed"]:
                    cells.append("—")
                    continue
                target = np.array(e["fixed"][str(N)])
                # the same prompt draws for the curves and the target: paired (bootstrap_means, one seed)
                bc, bt, bu, bf = (bootstrap_means(x, n_boot=2000, seed=0) for x in (acc, target, used, fixed))
                ns = np.asarray(budgets, dtype=float)
                cells.append(_match(acc.mean(axis=0), used.mean(axis=0), float(target.mean()), bc, bu, bt))
                cells.append(_match(fixed.mean(axis=0), ns, float(target.mean()), bf, np.tile(ns, (len(bt), 1)), bt))
            rows.append([name, *cells])
        header = ["model", *(f"{who} to reach Bo-{N}" for N in MATCH for who in ("adaptive", "fixed N"))]
    print("\n".join(markdown_table(header, rows)).strip())


def settings(args: argparse.Namespace) -> None:
    """The settings tuned on val, per verifier."""
    with gzip.open(args.data, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    rows = []
    for v, d in data["verifiers"].items():
        st = [x for e in d["models"].values() for x in e.get("stopped", {}).values()]
        rows.append([f"`{v}`", d["settings"]["priority"], d["settings"]["rounds"], d["settings"]["precision"] or "none",
                     d["settings"]["first_fraction"], f"{min(st):.2f}–{max(st):.2f}" if st else "—"])
    print("\n".join(markdown_table(["configuration", "priority", "rounds", "stop precision", "round-0 share",
                                    "prompts stopped early"], rows)).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--val", nargs="+", required=True, metavar="NAME=DIR")
    r.add_argument("--test", nargs="+", required=True, metavar="NAME=DIR")
    r.add_argument("--verifiers", default="noisy:target_auc=0.85,oracle")
    r.add_argument("--temperature", type=float, default=None, help="default: the T closest to 1")
    r.add_argument("--repeats", type=int, default=8)
    r.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("data")
    t.add_argument("--verifier", default="noisy:target_auc=0.85")
    t.add_argument("--part", choices=["delta", "seeds", "match"], default="delta", help="which table to print")
    st = sub.add_parser("settings")
    st.add_argument("data")
    args = parser.parse_args()
    {"run": run, "table": table, "settings": settings}[args.cmd](args)


if __name__ == "__main__":
    main()
