"""Why `advise` fits the co-scaling law on the tail [n/2, n] of the pilot curve (docs/advise.md): a simulation.

Pilots of 128 prompts x n = 16 samples; each prompt's success probability ~ Beta(0.5, 1.5), 15% of prompts
unsolvable; Best-of-N with a Gaussian verifier of AUC 0.85. The population truth comes from 20 000 prompts x
256 samples. For 150 simulated pilots: the 95% bootstrap CI (400 draws) and the bias of the prediction at
N = 4, 16 (inside n) and 24, 32, 48, 64 (extrapolated), with the law fitted on every N (`all`), on [n/4, n]
(`tail4`) and on [n/2, n] (`tail2`, the default). About 2 min per metric on one core.

  python experiments/10_advise_calibration/fit_window_sim.py pass
  python experiments/10_advise_calibration/fit_window_sim.py bon
"""

import sys

import numpy as np
from scipy.special import ndtri

from bonaware.estimators import bon_at_k_curve, bootstrap_means, pass_at_k_curve
from bonaware.evaluation.coscaling import coscaling_law, fit_coscaling, refit_coscaling

D = np.sqrt(2) * ndtri(0.85)


def draw(rng, P, n, a=0.5, b=1.5, zero=0.15):
    p = rng.beta(a, b, P)
    p[rng.random(P) < zero] = 0.0
    R = (rng.random((P, n)) < p[:, None]).astype(float)
    return R, D * R + rng.normal(size=(P, n))


def curves(R, s, metric, ks):
    return pass_at_k_curve(R.shape[1], R.sum(1).astype(int), ks) if metric == "pass" else bon_at_k_curve(s, R, ks)


def main(metric: str, reps: int = 150, P: int = 128, n: int = 16, n_boot: int = 400) -> None:
    rng = np.random.default_rng(123)
    truth = curves(*draw(rng, 20000, 256), metric, np.arange(1, 257)).mean(0)
    Ns = np.array([4, 16, 24, 32, 48, 64])
    schemes = {"all": 1, "tail4": n // 4, "tail2": n // 2}
    cov = {k: np.zeros(Ns.size) for k in schemes}
    bias = {k: np.zeros(Ns.size) for k in schemes}
    ks = np.arange(1, n + 1)
    for r in range(reps):
        c = curves(*draw(rng, P, n), metric, ks)
        boot, m = bootstrap_means(c, n_boot=n_boot, seed=r), c.mean(0)
        for name, lo_n in schemes.items():
            sel = ks >= lo_n
            f = fit_coscaling(ks[sel], m[sel])
            th = refit_coscaling(ks[sel], np.clip(boot[:, sel], 0, 1), f)
            for j, N in enumerate(Ns):
                pt, bb = (m[N - 1], boot[:, N - 1]) if n >= N else (f.predict(N), coscaling_law(N, th[:, 0], th[:, 1]))
                lo, hi = np.quantile(bb, [0.025, 0.975])
                cov[name][j] += lo <= truth[N - 1] <= hi
                bias[name][j] += pt - truth[N - 1]
    print(f"{metric}: N = {Ns.tolist()}, population truth {np.round(truth[Ns - 1], 3).tolist()}")
    for name in schemes:
        print(f"  {name:6s} coverage {np.round(cov[name] / reps, 2).tolist()}  "
              f"bias {np.round(bias[name] / reps, 3).tolist()}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pass")
