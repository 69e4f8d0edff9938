"""Compact markdown tables for docs/results.md from a ``bonaware report`` folder's report.json.

    python experiments/summarize.py docs/results/03_pass_at_n --metrics pass@1,pass@8,pass@64
    python experiments/summarize.py docs/results/01_bon_sft --metrics bon@1,bon@8,bon@32 --diff

Columns are ``pass@N``, ``bon@N`` (the report's verifier) or ``maj@N``; each cell is the mean with its
95% bootstrap CI over prompts, or with ``--diff`` the paired difference against the report's baseline
(``*``: the CI excludes 0). ``--temperature`` picks T (default: the report's). Every number comes from
report.json, which ``bonaware report`` recomputes from the saved samples: nothing is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cell(metric: str, e: dict, verifier: str | None) -> dict:
    kind = metric.split("@")[0]
    return e["bon"][verifier] if kind == "bon" else e[kind]


def table(report: dict, metrics: list[str], diff: bool = False, temperature: float | None = None) -> str:
    if diff and temperature is not None and temperature != report["temperature"]:
        raise SystemExit("--diff uses the report's temperature (paired differences exist only there)")
    T = report["temperature"] if temperature is None else temperature
    tkey = f"{T:g}"
    header = ["run", *(m + (" (Δ vs " + report["baseline"] + ")" if diff else "") for m in metrics)]
    rows = []
    for name, run in report["runs"].items():
        if diff and name == report["baseline"]:
            continue
        e = run["per_temperature"][tkey]
        cells = []
        for m in metrics:
            kind, k = m.split("@")
            k = int(k)
            if diff:
                d = report["paired"][kind][name]
                i = d["ks"].index(k)
                cells.append(f"{d['mean'][i]:+.3f} [{d['lo'][i]:+.3f}, {d['hi'][i]:+.3f}]"
                             + (" *" if d["significant"][i] else ""))
            else:
                s = _cell(kind + "@", e, report["verifier"])
                cells.append(f"{s['mean'][k - 1]:.3f} [{s['lo'][k - 1]:.3f}, {s['hi'][k - 1]:.3f}]")
        rows.append([name, *cells])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report_dir")
    ap.add_argument("--metrics", default="pass@1,pass@8,bon@8")
    ap.add_argument("--diff", action="store_true", help="paired differences against the baseline")
    ap.add_argument("--temperature", type=float, default=None)
    args = ap.parse_args(argv)
    path = Path(args.report_dir) / "report.json"
    if not path.is_file():
        print(f"error: {path} does not exist (run the experiment first)", file=sys.stderr)
        return 2
    print(table(json.loads(path.read_text()), args.metrics.split(","), args.diff, args.temperature))
    return 0


if __name__ == "__main__":
    sys.exit(main())
