"""Time pass@k and BoN@k curves for every k ≤ n on an evaluation-sized grid.

    PYTHONPATH=src python benchmarks/bench_estimators.py [--prompts 100000] [--n 64] [--repeats 3]

Default: 10^5 prompts × n = 64 samples, all k in 1..64 (target < 1 s each), plus maj@k (exact
DP, per prompt) on ``--maj-prompts`` prompts with 8 distinct answers. Reports the best of
``--repeats`` runs. Set OMP_NUM_THREADS / OPENBLAS_NUM_THREADS to control the BLAS matmul.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bonaware.estimators import bon_at_k_curve, maj_at_k_curve, pass_at_k_curve


def _best_of(fn, repeats: int) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=100_000)
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--maj-prompts", type=int, default=500, help="prompts for the (slower) maj@k curve")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    p_correct = rng.beta(0.5, 0.5, size=(args.prompts, 1))
    correct = (rng.random((args.prompts, args.n)) < p_correct).astype(np.int8)
    # a noisy verifier on a coarse grid, so ties are common (the slower, tie-aware path)
    scores = np.round(correct + rng.normal(0, 0.7, size=correct.shape), 1)

    t_pass, pass_curve = _best_of(lambda: pass_at_k_curve(args.n, correct.sum(axis=1)), args.repeats)
    t_bon, bon_curve = _best_of(lambda: bon_at_k_curve(scores, correct), args.repeats)
    print(f"{args.prompts} prompts × n={args.n}, every k in 1..{args.n}")
    print(f"pass@k curve: {t_pass:.3f} s   (mean pass@{args.n} = {pass_curve[:, -1].mean():.3f})")
    print(f"bon@k  curve: {t_bon:.3f} s   (mean bon@{args.n}  = {bon_curve[:, -1].mean():.3f})")

    P = min(args.maj_prompts, args.prompts)
    if P < 1:
        return
    codes = rng.integers(0, 8, size=(P, args.n))
    answers = [[None if a == 7 else int(a) for a in row] for row in codes]  # 7 = "no answer"
    t0 = time.perf_counter()
    maj = maj_at_k_curve(answers, (codes == 0).astype(np.int8))
    t_maj = time.perf_counter() - t0
    print(f"maj@k  curve: {t_maj:.3f} s for {P} prompts ({1e3 * t_maj / P:.1f} ms/prompt, "
          f"{maj.exact.mean():.0%} exact)")


if __name__ == "__main__":
    main()
