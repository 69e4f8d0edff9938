"""How long each table command cited in docs/results.md takes, run the way a reader runs it.

    python benchmarks/bench_results_page.py [docs/results.md] [--full REPORT_DIR]

Every ``<sub>`python ...`</sub>`` command under a table is run as its own process from the repository
root (imports included, as on a fresh clone), one torch/BLAS thread; prints wall and CPU seconds per
command, the slowest and the total. ``--full`` times, side by side in this process, recomputing one
report folder the way ``summarize.py`` does (without maj@k, which no cited table reads) and with every
metric (what ``bonaware report`` computes), so the ratio is measured under the same load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_commands(page: Path) -> list[tuple[float, float, str]]:
    import summarize

    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
    rows = []
    for line_no, cmd, _, _ in summarize.cited_tables(page.read_text().splitlines(), str(page)):
        argv = shlex.split(cmd)
        t0, c0 = time.perf_counter(), _children_cpu()
        subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, env=env, check=True, capture_output=True)
        rows.append((time.perf_counter() - t0, _children_cpu() - c0, f"line {line_no}: {cmd}"))
        print(f"{rows[-1][0]:6.1f} s wall {rows[-1][1]:6.1f} s CPU  {rows[-1][2][:150]}", flush=True)
    return rows


def time_full(report_dir: Path) -> None:
    from bonaware.evaluation.report import recompute_report

    for majority in (False, True):
        t0, c0 = time.perf_counter(), time.process_time()
        recompute_report(report_dir, majority=majority)
        print(f"recompute_report({report_dir.name}, majority={majority}): {time.perf_counter() - t0:.1f} s wall, "
              f"{time.process_time() - c0:.1f} s CPU", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", nargs="?", default=str(ROOT / "docs" / "results.md"))
    ap.add_argument("--full", help="also time one report folder without and with maj@k")
    args = ap.parse_args()
    rows = time_commands(Path(args.page))
    slowest = max(rows)
    print(f"{len(rows)} commands: total {sum(r[0] for r in rows):.1f} s wall, {sum(r[1] for r in rows):.1f} s CPU; "
          f"slowest {slowest[0]:.1f} s wall ({slowest[2][:100]})")
    if args.full:
        time_full(Path(args.full))


if __name__ == "__main__":
    main()
