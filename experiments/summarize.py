"""The tables of docs/results.md, recomputed from the committed compact data of each report folder.

    python experiments/summarize.py table docs/results/03_pass_at_n --metrics pass@1,pass@8,pass@64
    python experiments/summarize.py table docs/results/01_bon_sft --metrics bon@1,bon@8 --diff
    python experiments/summarize.py table docs/results/09_smollm2_headline --metrics pass@8,bon@32 --groups --diff
    python experiments/summarize.py seeds docs/results/03_pass_at_n/seeds --methods rl_s,grpo,bon_rlb_p,pass_at_k
    python experiments/summarize.py subreports docs/results/05_cross_domain --subs add3,sub2,add2,mul21,word
    python experiments/summarize.py savings docs/results/03_pass_at_n --runs rl_s,grpo,star,bon_rlb_p,pass_at_k
    python experiments/summarize.py best-t docs/results/08_coscaling --ns 1,2,4,8,16,64
    python experiments/summarize.py diversity docs/results/06_diversity
    python experiments/summarize.py claims                      # experiments/claims.yaml on docs/results
    python experiments/summarize.py check docs/results.md       # every cited table, regenerated and compared

A report folder's numbers are recomputed on the fly from the run folders its ``inputs.json`` names
(``bonaware report`` writes it; the runs' compact ``samples.npz.xz`` are committed under
``docs/results/<experiment>/data/``), so a fresh clone needs nothing else; a folder with only a
``report.json`` (older reports) is read as it is. Metrics are ``pass@N``, ``bon@N`` (the report's
verifier) or ``maj@N`` (and, in ``table`` without ``--diff``, ``tokens``: the mean completion length,
which tells a floor from a token cap); cells are means with 95% bootstrap CIs over prompts, or paired differences
against the report's baseline (``*``: the CI excludes 0); with ``--groups``, one row per run group of
training seeds with seed-aware CIs, Δ and P(A>B). Nothing in docs/results.md is typed by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import runpy
import shlex
import sys
from functools import cache
from pathlib import Path

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation.report import INPUTS_FILE, ci_cell, diff_cell, markdown_table, recompute_report

ROOT = Path(__file__).resolve().parents[1]


def load(report_dir: str | Path, majority: bool = False) -> dict:
    """A report's numbers: recomputed from its inputs.json and the runs' data, else its report.json.
    maj@k, most of the recomputation's time, only with ``majority`` (the other numbers do not depend on it)."""
    return _load(str(Path(report_dir).resolve()), majority)


def _wants_maj(metrics: list[str]) -> bool:
    return any(m.startswith("maj@") for m in metrics)


@cache
def _load(report_dir: str, majority: bool) -> dict:
    folder = Path(report_dir)
    if (folder / INPUTS_FILE).is_file():
        return recompute_report(folder, majority=majority)
    if (folder / "report.json").is_file():
        return json.loads((folder / "report.json").read_text())
    raise SystemExit(f"error: {folder} has neither {INPUTS_FILE} nor report.json (run the experiment first)")


def _md(header: list[str], rows: list[list]) -> str:
    return "\n".join(markdown_table(header, rows)).rstrip()


def _diff(report: dict, kind: str, name: str, k: int, ci: bool = True) -> str:
    d = report["paired"][kind][name]
    return diff_cell(d, d["ks"].index(k), with_ci=ci)


def _mean_ci(s: dict, k: int) -> str:
    return ci_cell(s, k - 1)


def table(report: dict, metrics: list[str], diff: bool = False, temperature: float | None = None) -> str:
    """One row per run, one column per metric: mean [CI], or with ``diff`` Δ vs the baseline [CI]."""
    if diff and temperature is not None and temperature != report["temperature"]:
        raise SystemExit("--diff uses the report's temperature (paired differences exist only there)")
    tkey = f"{report['temperature'] if temperature is None else temperature:g}"
    if diff and "tokens" in metrics:
        raise SystemExit("error: tokens has no paired difference; drop it or --diff")
    suffix = f" (Δ vs {report['baseline']})" if diff else ""
    header = ["run", *("mean completion tokens" if m == "tokens" else m + suffix for m in metrics)]
    rows = []
    for name, run in report["runs"].items():
        if diff and name == report["baseline"]:
            continue
        e = run["per_temperature"][tkey]
        cells = []
        for m in metrics:
            if m == "tokens":  # mean completion tokens per sample (the inference-cost numbers of the report)
                cells.append(f"{e['cost']['completion_tokens_mean']:.1f}")
                continue
            kind, k = m.split("@")
            if diff:
                cells.append(_diff(report, kind, name, int(k)))
            else:
                s = e["bon"][report["verifier"]] if kind == "bon" else e[kind]
                cells.append(_mean_ci(s, int(k)))
        rows.append([name, *cells])
    return _md(header, rows)


def group_table(report: dict, metrics: list[str], diff: bool = False) -> str:
    """One row per run group (training seeds of one configuration) at the report's temperature: the
    seed-aware mean [95% CI], or with ``diff`` the seed-aware paired Δ vs the baseline group [CI] and
    P(A > B) (report.json ``groups`` / ``comparisons``, written by ``bonaware report``)."""
    if "groups" not in report:
        raise SystemExit("error: this report has no run groups (written before bonaware report grouped seeds)")
    base = report["baseline_group"]
    header = ["group", "seeds", *(m + (f" (Δ vs {base})" if diff else "") for m in metrics)]
    if diff:
        header.append(f"P(A>B) {metrics[-1]}")
    rows = []
    for name, g in report["groups"].items():
        if diff and name == base:
            continue
        cells = []
        for m in metrics:
            kind, k = m.split("@")
            if diff:
                cells.append(diff_cell(report["comparisons"][name]["metrics"][kind], int(k) - 1))
            else:
                cells.append(ci_cell(g["metrics"][kind], int(k) - 1))
        if diff:  # the probability of improvement of the last metric, with its CI
            kind, k = metrics[-1].split("@")
            p = report["comparisons"][name]["metrics"][kind]["p_improve"]
            cells.append(f"{p['mean'][int(k) - 1]:.2f} [{p['lo'][int(k) - 1]:.2f}, {p['hi'][int(k) - 1]:.2f}]")
        rows.append([name, len(g["seeds"]), *cells])
    return _md(header, rows)


def seeds(report: dict, methods: list[str], ks: list[int]) -> str:
    """Δ pass@k vs base per method and training seed (runs named ``M``, ``M seed 1``, ...), then mean ± sd."""
    rows = []
    for m in methods:
        names = [m] + sorted(n for n in report["runs"] if n.startswith(f"{m} seed "))
        vals = np.array([[report["paired"]["pass"][n]["mean"][report["paired"]["pass"][n]["ks"].index(k)]
                          for k in ks] for n in names])
        for j, n in enumerate(names):
            rows.append([m if j == 0 else "", n.split(" seed ")[1] if " seed " in n else "0",
                         *(_diff(report, "pass", n, k, ci=False) for k in ks)])
        sd = vals.std(0, ddof=1) if len(names) > 1 else np.zeros(len(ks))
        rows.append(["", "mean ± sd", *(f"**{a:+.3f} ± {s:.3f}**" for a, s in zip(vals.mean(0), sd))])
    return _md(["method", "seed", *(f"Δ pass@{k}" for k in ks)], rows)


def subreports(root: Path, subs: list[str], metrics: list[str], base_metrics: list[str]) -> str:
    """One row per report folder ``root/<sub>``: the baseline's ``base_metrics`` [CI], then for each
    metric the Δ vs the baseline of every other run of that report (joined by " · ", in report order)."""
    first = load(root / subs[0], _wants_maj(base_metrics))
    others = [n for n in first["runs"] if n != first["baseline"]]
    suffix = ": " + " · ".join(others) if len(others) > 1 else ""  # the first report's runs name the columns
    header = ["report", *(f"base {m}" for m in base_metrics), *(f"Δ {m}{suffix}" for m in metrics)]
    rows = []
    for sub in subs:
        r = load(root / sub, _wants_maj(base_metrics))
        e = r["runs"][r["baseline"]]["per_temperature"][f"{r['temperature']:g}"]
        names = [n for n in r["runs"] if n != r["baseline"]]
        base_cells = []
        for m in base_metrics:
            kind, k = m.split("@")
            base_cells.append(_mean_ci(e["bon"][r["verifier"]] if kind == "bon" else e[kind], int(k)))
        rows.append([sub, *base_cells, *(" · ".join(_diff(r, m.split("@")[0], n, int(m.split("@")[1]),
                                                         ci=len(names) == 1) for n in names) for m in metrics)])
    return _md(header, rows)


def savings(report: dict, runs: list[str], ns: list[int]) -> str:
    """Compute-savings factor vs the baseline [CI] at each N, and each run's training FLOPs."""
    def f(x):
        return "—" if x is None else f"{x:.2f}"
    rows = []
    for name in runs:
        by_n = {s["N"]: s for s in report["savings"][name]}
        rows.append([name, *(f"{f(by_n[N]['savings'])} [{f(by_n[N]['savings_ci'][0])}, "
                             f"{f(by_n[N]['savings_ci'][1])}]" for N in ns),
                     f"{report['training'][name]['flops']:.2e}" if name in report["training"] else "—"])
    return _md(["run", *(f"N={N}" for N in ns), "training FLOPs"], rows)


def best_t(report: dict, ns: list[int]) -> str:
    """Per run: the best pass@N over the sampled temperatures (and that T), and the R² range of the fits."""
    rows = []
    for name, run in report["runs"].items():
        cells = []
        for N in ns:
            t, e = max(run["per_temperature"].items(), key=lambda kv: kv[1]["pass"]["mean"][N - 1])
            cells.append(f"{e['pass']['mean'][N - 1]:.3f} (T={t})")
        r2 = [fit["r2"] for fit in run["coscaling"]["pass"]["fits"].values()]
        rows.append([name, *cells, f"{min(r2):.3f}–{max(r2):.3f}"])
    return _md(["model", *(f"N={N}" for N in ns), "R² of the per-T fits"], rows)


def diversity(report: dict, n_max: int) -> str:
    """Per run and temperature: answer entropy (bits) · distinct answers · pass@1 · pass@n_max."""
    temps = list(next(iter(report["runs"].values()))["per_temperature"])
    rows = []
    for name, run in report["runs"].items():
        cells = []
        for t in temps:
            e = run["per_temperature"][t]
            dv = e["diversity"]
            cells.append(f"{dv['answer_entropy']['mean']:.2f} · {dv['distinct_answers']['mean']:.1f} · "
                         f"{e['pass']['mean'][0]:.3f} · {e['pass']['mean'][n_max - 1]:.3f}")
        rows.append([name, *cells])
    return _md(["model", *(f"T = {t}: entropy · distinct · pass@1 · pass@{n_max}" for t in temps)], rows)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


SUB = re.compile(r"^<sub>`(?P<cmd>[^`]+)`</sub>$")


def cited_tables(lines: list[str], where: str) -> list[tuple[int, str, int, int]]:
    """Every ``<sub>`command`</sub>`` line of a markdown file with the table right above it:
    (line number, command, first table line index, end index)."""
    out = []
    for i, line in enumerate(lines):
        m = SUB.match(line.strip())
        if not m:
            continue
        end = i
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        start = end
        while start > 0 and lines[start - 1].startswith("|"):
            start -= 1
        if start == end:
            raise BonawareError(f"{where}:{i + 1}: no table right above the cited command")
        out.append((i + 1, m["cmd"], start, end))
    return out


@contextlib.contextmanager
def _in_root():
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def run_cited(cmd: str) -> str:
    """Run a cited ``python SCRIPT ARGS`` command from the repository root, in this process; its output."""
    argv = shlex.split(cmd)
    if len(argv) < 2 or argv[0] not in ("python", "python3"):
        raise BonawareError(f"`{cmd}`: only `python SCRIPT ...` commands can be re-run")
    script = (ROOT / argv[1]).resolve()
    out, code = io.StringIO(), 0
    with _in_root(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            if script == Path(__file__).resolve():
                code = _dispatch(_parser().parse_args(argv[2:]))
            else:
                saved, sys.argv = sys.argv, [str(script), *argv[2:]]
                try:
                    runpy.run_path(str(script), run_name="__main__")
                finally:
                    sys.argv = saved
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
            print(e.code if isinstance(e.code, str) else "", file=sys.stderr)
        except BonawareError as e:
            code = 2
            print(f"error: {e}", file=sys.stderr)
    if code:
        raise BonawareError(f"`{cmd}` failed (exit {code}): {err.getvalue().strip()[-300:]}")
    return out.getvalue().strip()


def check(path: Path, write: bool = False) -> int:
    """Regenerate every cited table of the markdown file ``path`` and compare (``write``: replace them)."""
    import difflib

    from bonaware.io import write_text_atomic

    text = path.read_text()
    lines = text.splitlines()
    bad, messages = 0, []
    for line_no, cmd, start, end in reversed(cited_tables(lines, str(path))):  # bottom up: --write keeps indices
        try:
            got = run_cited(cmd)
        except BonawareError as e:
            bad += 1
            messages.append(f"{path}:{line_no}: FAILED {e}")
            continue
        want = "\n".join(lines[start:end])
        if got == want:
            messages.append(f"{path}:{line_no}: ok")
        elif write:
            lines[start:end] = got.splitlines()
            messages.append(f"{path}:{line_no}: rewritten")
        else:
            bad += 1
            diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "in the file", "recomputed", lineterm="")
            messages.append(f"{path}:{line_no}: DIFFERS from `{cmd}`\n" + "\n".join(diff))
    print("\n".join(reversed(messages)))
    if write:
        write_text_atomic(path, "\n".join(lines) + ("\n" if text.endswith("\n") else ""))
    return 1 if bad else 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("table")
    p.add_argument("report_dir")
    p.add_argument("--metrics", default="pass@1,pass@8,bon@8")
    p.add_argument("--diff", action="store_true", help="paired differences against the baseline")
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--groups", action="store_true",
                   help="one row per run group with seed-aware CIs (and with --diff: Δ vs the baseline group, P(A>B))")
    p = sub.add_parser("seeds")
    p.add_argument("report_dir")
    p.add_argument("--methods", required=True)
    p.add_argument("--ks", default="1,4,8,16,32,64")
    p = sub.add_parser("subreports")
    p.add_argument("root")
    p.add_argument("--subs", required=True, help="report folders under ROOT (comma-separated)")
    p.add_argument("--metrics", default="pass@1,pass@8")
    p.add_argument("--base", default="pass@1,pass@8", help="metrics of the baseline shown with CIs")
    p = sub.add_parser("savings")
    p.add_argument("report_dir")
    p.add_argument("--runs", required=True)
    p.add_argument("--ns", default="1,2,4,8,16,32")
    p = sub.add_parser("best-t")
    p.add_argument("report_dir")
    p.add_argument("--ns", default="1,2,4,8,16,64")
    p = sub.add_parser("diversity")
    p.add_argument("report_dir")
    p.add_argument("--n", type=int, default=32, help="the large N shown beside pass@1")
    p = sub.add_parser("claims", help="the claims table: Δ with its seed-aware CI, P(A>B) and the verdict")
    p.add_argument("claims_file", nargs="?", default=str(ROOT / "experiments" / "claims.yaml"))
    p.add_argument("--root", default=str(ROOT / "docs" / "results"),
                   help="folder of the experiments; a group A/B is ROOT/<experiment>/data/<group>")
    p.add_argument("--n_boot", type=int, default=4000, help="bootstrap replicates")
    p.add_argument("--missing", choices=("error", "not-run"), default="error",
                   help="a claim whose run group has no committed data: an error (default), or a row "
                        "with verdict 'not run' (what docs/results.md prints: experiments the budget left out)")
    p = sub.add_parser("check", help="regenerate every table cited with a <sub> command and compare")
    p.add_argument("markdown", nargs="?", default=str(ROOT / "docs" / "results.md"))
    p.add_argument("--write", action="store_true", help="replace each table by the recomputed one")
    return ap


def _dispatch(a: argparse.Namespace) -> int:
    if a.cmd == "check":
        return check(Path(a.markdown), a.write)
    if a.cmd == "table":
        if a.groups and a.temperature is not None:
            raise SystemExit("error: --groups uses the report's temperature (group statistics exist only there)")
        metrics = a.metrics.split(",")
        report = load(a.report_dir, _wants_maj(metrics))
        out = group_table(report, metrics, a.diff) if a.groups else table(report, metrics, a.diff, a.temperature)
    elif a.cmd == "seeds":
        out = seeds(load(a.report_dir), a.methods.split(","), _ints(a.ks))
    elif a.cmd == "subreports":
        out = subreports(Path(a.root), a.subs.split(","), a.metrics.split(","), a.base.split(","))
    elif a.cmd == "savings":
        out = savings(load(a.report_dir), a.runs.split(","), _ints(a.ns))
    elif a.cmd == "best-t":
        out = best_t(load(a.report_dir), _ints(a.ns))
    elif a.cmd == "claims":
        from bonaware.evaluation.claims import claims_table

        out = claims_table(a.claims_file, a.root, n_boot=a.n_boot, missing=a.missing.replace("-", " "))
    else:
        out = diversity(load(a.report_dir), a.n)
    print(out)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _load.cache_clear()  # a new command sees the data as it is now
    try:
        return _dispatch(args)
    except BonawareError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
