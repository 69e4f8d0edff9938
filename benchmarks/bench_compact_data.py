"""Size of the compact samples file, and the time to recompute a report from it, on tiny-like data.

    PYTHONPATH=src python benchmarks/bench_compact_data.py [--prompts 128] [--runs 6]

Simulates `bonaware eval` runs shaped like the tiny-model experiments (arith, ≤ 8 new tokens): per
prompt a success probability ~ Beta(0.6, 1.5); wrong answers from a skewed per-prompt pool, 5% no
answer; a completion is its answer plus a newline (8 tokens when it never stops), one char per token;
scores from the noisy verifier (r = d·R + z, ROC-AUC 0.85) and the oracle. Prints, side by side for
samples.jsonl and samples.npz.xz: bytes per sample, compute_metrics seconds, and the seconds of
`recompute_report` (what `summarize.py` runs per report folder) for a report of ``--runs`` runs; then
the issue-13 budget (15 experiments × 6 groups × 3 seeds × 128 prompts × n × temperatures) at the
measured bytes per sample.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtri

from bonaware.evaluation.compact import COMPACT_FILE, compact_run
from bonaware.evaluation.metrics import compute_metrics
from bonaware.evaluation.report import recompute_report, write_report
from bonaware.evaluation.samples import SamplesWriter, load_samples, make_row


def simulate(folder: Path, prompts: int, n: int, temperatures, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = np.random.default_rng(0).beta(0.6, 1.5, prompts)  # prompt difficulty, shared by the runs
    d = np.sqrt(2.0) * ndtri(0.85)
    rows = []
    for t in temperatures:
        for i in range(prompts):
            p = float(np.clip(base[i] * (1.25 - 0.25 * t) + rng.normal(0, 0.03), 0, 1))
            correct = (rng.random(n) < p).astype(int)
            truth = str(10 + i)
            pool = [str(x) for x in rng.integers(0, 200, 12)]
            weights = 1.0 / np.arange(1, 13) ** (2.0 / t)
            weights /= weights.sum()
            answers = [truth if c else (None if rng.random() < 0.05 else pool[rng.choice(12, p=weights)])
                       for c in correct]
            texts = [("7+" if a is None else a + "\n") for a in answers]
            n_tokens = [8 if a is None else len(a) + 1 for a in answers]
            scores = {"noisy:target_auc=0.85": [float(x) for x in d * correct + rng.normal(size=n)],
                      "oracle": [float(c) for c in correct]}
            rows.append(make_row(f"arith/add3/{i}", t, texts, correct, scores, answers, n_tokens, 12 + i % 4))
    folder.mkdir(parents=True)
    with SamplesWriter(folder / "samples.jsonl") as w:
        w.write(rows)


def _timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``: on a shared machine the CPU time is the steadier figure."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=128)
    ap.add_argument("--runs", type=int, default=6)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        print(f"{args.prompts} prompts per run; bytes per sample (jsonl → compact)")
        per_sample = {}
        for n, temps in ((32, (1.0,)), (64, (1.0,)), (64, (0.5, 0.7, 1.0, 1.3))):
            folder = tmp / f"n{n}_t{len(temps)}"
            simulate(folder, args.prompts, n, temps, seed=1)
            compact = compact_run(folder)
            samples = args.prompts * n * len(temps)
            per_sample[(n, len(temps))] = compact.stat().st_size / samples
            print(f"  n = {n}, {len(temps)} T: {(folder / 'samples.jsonl').stat().st_size / samples:7.1f} → "
                  f"{per_sample[(n, len(temps))]:.2f} bytes/sample ({compact.stat().st_size} bytes per run)")
        folder = tmp / "n64_t1"
        full = _timed(lambda: compute_metrics(load_samples(folder / "samples.jsonl")))
        compact = _timed(lambda: compute_metrics(load_samples(folder / COMPACT_FILE)))
        print(f"load + compute_metrics, n = 64, 1 T, wall (CPU) s: jsonl {full[0]:.2f} ({full[1]:.2f}), "
              f"compact {compact[0]:.2f} ({compact[1]:.2f}); CPU ratio {full[1] / compact[1]:.2f}")
        runs = []
        for r in range(args.runs):
            run = tmp / "report_runs" / f"run{r}"
            simulate(run, args.prompts, 32, (1.0,), seed=10 + r)
            compact_run(run)
            (run / "samples.jsonl").unlink()  # a fresh clone: only the compact file
            runs.append(run)
        write_report(runs, tmp / "report", make_plots=False)
        wall, cpu = _timed(lambda: recompute_report(tmp / "report"))
        print(f"recompute_report, {args.runs} runs × {args.prompts} prompts × n = 32: {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU")
        lo = 15 * 6 * 3 * 128 * 32 * 1 * per_sample[(32, 1)]
        hi = 15 * 6 * 3 * 128 * 64 * 4 * per_sample[(64, 4)]
        print(f"issue-13 budget (15 × 6 × 3 × 128 prompts): n = 32, 1 T: {lo / 1e6:.1f} MB; "
              f"n = 64, 4 T: {hi / 1e6:.1f} MB")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
