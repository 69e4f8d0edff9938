"""Co-scaling of the number of samples N and the temperature T (paper.md §1 "optimal (T, N)", App. D.1).

**Law.** For each temperature T, accuracy(N, T) ≈ exp(a(T) · N^{b(T)})  (paper App. D.1, Fig. 3/9).

**Sign convention [derived].** Write acc(N) = exp(a·N^b). Then acc(1) = e^a, so a = log acc(1), and
an accuracy in (0, 1] forces **a ≤ 0** (a = 0 is a constant 1). The slope is
d acc/dN = acc · a · b · N^{b−1}, whose sign is that of a·b. Hence, with a < 0:

* **b < 0** — accuracy *increases* in N and tends to exp(0) = 1 as N → ∞ (pass@N, where it is
  rising; the smaller |b|, the slower the approach);
* **b > 0** — accuracy *decreases* in N towards 0 (BoN with a verifier that prefers wrong answers);
* b = 0 — flat at e^a.

Linearised: log(−log acc) = log(−a) + b · log N, a straight line in log N (used for the initial
guess). The paper's Fig. 9a plots b(T) ∈ [0, 0.4] rising with T for increasing curves, so it most
likely writes the law as exp(a·N^{−b}) or plots −b; which one is UNCONFIRMED (paper.md §5.2, §9).
A rise-then-fall BoN curve is not monotone, so this law cannot fit it well: R² says how well it does.

Functions: :func:`fit_coscaling` (one T), :func:`refit_coscaling` (the same fit for many curves
at once, e.g. bootstrap replicates), :func:`coscaling_extrapolation` (fit on N ≤ N_fit, error
at larger N), :func:`optimal_temperature` (argmax_T per N, empirical and fitted),
:func:`per_prompt_optimum` (each prompt's (N*, T*), paper Fig. 1).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from bonaware.errors import BonawareError


def coscaling_law(N, a: float, b: float) -> np.ndarray:
    """exp(a · N^b) (see the module docstring for the signs of a and b)."""
    return np.exp(a * np.power(np.asarray(N, dtype=float), b))


@dataclass(frozen=True)
class CoScalingFit:
    """Least-squares fit of ``acc(N) = exp(a·N^b)`` on accuracy scale; ``r2`` is R² on the fitted points
    (NaN when the points are all equal)."""

    a: float
    b: float
    r2: float
    n_points: int

    def predict(self, N) -> np.ndarray:
        return coscaling_law(N, self.a, self.b)

    @property
    def increasing(self) -> bool:
        """True when accuracy rises with N (a < 0 and b < 0)."""
        return self.a < 0 and self.b < 0

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "r2": None if math.isnan(self.r2) else self.r2,
                "n_points": self.n_points, "increasing": self.increasing}


def _check_points(ns, acc) -> tuple[np.ndarray, np.ndarray]:
    ns, acc = np.asarray(ns, dtype=float).reshape(-1), np.asarray(acc, dtype=float).reshape(-1)
    if ns.shape != acc.shape:
        raise BonawareError(f"ns has {ns.size} points but acc has {acc.size}")
    if ns.size < 3:
        raise BonawareError(f"a co-scaling fit needs at least 3 values of N, got {ns.size}")
    if np.any(ns < 1) or not np.all(np.isfinite(ns)):
        raise BonawareError("ns must be finite and ≥ 1")
    if not np.all(np.isfinite(acc)) or np.any((acc < 0) | (acc > 1)):
        raise BonawareError("accuracies must lie in [0, 1]")
    return ns, acc


def fit_coscaling(ns, acc) -> CoScalingFit:
    """Fit exp(a·N^b) to mean accuracies ``acc`` at sample counts ``ns`` (scipy ``curve_fit``).

    Initial guess from the linearisation log(−log acc) = log(−a) + b·log N (on the points strictly
    inside (0, 1)), then a generic start if that does not converge; the fit itself is least squares
    on the accuracy scale with a ≤ 0.
    """
    ns, acc = _check_points(ns, acc)
    # points at 0 or 1 carry no slope on the log(−log) scale (and their clipped logs are outliers)
    inner = (acc > 1e-6) & (acc < 1 - 1e-6)
    y = np.clip(acc, 1e-6, 1 - 1e-9)
    if inner.sum() >= 2:
        slope, intercept = np.polyfit(np.log(ns[inner]), np.log(-np.log(y[inner])), 1)
        starts = [(-math.exp(intercept), float(np.clip(slope, -9.9, 9.9)))]
    else:
        starts = []
    starts.append((float(np.log(y[0])), -1.0))  # a generic start: acc(1) = acc[0], rising
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        for p0 in starts:
            try:
                (a, b), _ = curve_fit(coscaling_law, ns, acc, p0=p0, bounds=([-np.inf, -10.0], [0.0, 10.0]),
                                      maxfev=20000)
            except RuntimeError:  # no convergence from this start: try the next one
                continue
            best = (float(a), float(b))
            break
    # no start converged: keep the start that fits best, R² tells how bad it is
    a, b = best if best is not None else min(starts, key=lambda p: float(np.sum((coscaling_law(ns, *p) - acc) ** 2)))
    pred = coscaling_law(ns, a, b)
    ss_tot = float(np.sum((acc - acc.mean()) ** 2))
    r2 = 1.0 - float(np.sum((acc - pred) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return CoScalingFit(float(a), float(b), r2, int(ns.size))


def refit_coscaling(ns, acc, start: CoScalingFit, *, iters: int = 60, tol: float = 1e-10) -> np.ndarray:
    """The least squares of :func:`fit_coscaling`, for many curves at once: ``acc`` is [B, K] (e.g.
    bootstrap replicates of one mean curve), each fitted from ``start`` (the fit of the original
    curve) → [B, 2] of (a, b).

    ``curve_fit`` costs ~ms per curve, too slow for thousands of bootstrap replicates; this is a
    vectorised Levenberg–Marquardt on the same residuals exp(a·N^b) − acc with the same bounds
    (a ≤ 0, |b| ≤ 10, by projection), started where each replicate's optimum is near. Its
    agreement with ``fit_coscaling`` is a test (tests/evaluation/test_advise.py).
    """
    ns = np.asarray(ns, dtype=float).reshape(-1)
    acc = np.atleast_2d(np.asarray(acc, dtype=float))
    if acc.shape[1] != ns.size:
        raise BonawareError(f"acc has {acc.shape[1]} points per curve but ns has {ns.size}")
    B = acc.shape[0]
    logn = np.log(ns)
    theta = np.tile([min(start.a, 0.0), float(np.clip(start.b, -10.0, 10.0))], (B, 1))
    lam = np.full(B, 1e-3)

    def sse(th: np.ndarray) -> np.ndarray:
        return np.sum((coscaling_law(ns[None, :], th[:, :1], th[:, 1:]) - acc) ** 2, axis=1)

    cur = sse(theta)
    for _ in range(int(iters)):
        nb = np.power(ns[None, :], theta[:, 1:])  # [B, K]
        f = np.exp(theta[:, :1] * nb)
        r = f - acc
        ja, jb = f * nb, f * theta[:, :1] * nb * logn[None, :]
        g = np.stack([np.sum(ja * r, 1), np.sum(jb * r, 1)], axis=1)
        haa, hab, hbb = np.sum(ja * ja, 1), np.sum(ja * jb, 1), np.sum(jb * jb, 1)
        daa, dbb = haa * (1 + lam) + 1e-12, hbb * (1 + lam) + 1e-12
        det = daa * dbb - hab * hab
        step = -np.stack([dbb * g[:, 0] - hab * g[:, 1], daa * g[:, 1] - hab * g[:, 0]], axis=1) / det[:, None]
        trial = np.column_stack([np.minimum(theta[:, 0] + step[:, 0], 0.0),
                                 np.clip(theta[:, 1] + step[:, 1], -10.0, 10.0)])
        new = sse(trial)
        better = np.isfinite(new) & (new <= cur)
        gain = np.where(better, cur - new, 0.0)
        theta[better], cur[better] = trial[better], new[better]
        lam = np.where(better, lam / 3.0, lam * 4.0)
        if np.all((gain <= tol * np.maximum(cur, 1e-12)) & better | (lam > 1e12)):
            break
    return theta


def coscaling_extrapolation(ns, acc, fit_max_n: int) -> dict:
    """Fit on N ≤ ``fit_max_n``, predict every larger N: the extrapolation check of App. D.1.

    Returns the fit, the mean/max absolute error over the held-out N, and the signed error
    (prediction − observed) at the largest N.
    """
    ns, acc = _check_points(ns, acc)
    train = ns <= fit_max_n
    if train.sum() < 3 or (~train).sum() < 1:
        raise BonawareError(f"fit_max_n={fit_max_n} must leave ≥ 3 points to fit and ≥ 1 to predict "
                            f"(N ranges over {int(ns.min())}..{int(ns.max())})")
    fit = fit_coscaling(ns[train], acc[train])
    err = fit.predict(ns[~train]) - acc[~train]
    return {"fit_max_n": int(fit_max_n), "fit": fit.as_dict(), "mae": float(np.mean(np.abs(err))),
            "max_abs_error": float(np.max(np.abs(err))), "error_at_max_n": float(err[-1]),
            "max_n": int(ns[~train][-1])}


def optimal_temperature(temperatures: Sequence[float], curves: Sequence[np.ndarray], ks,
                        fits: Sequence[CoScalingFit] | None = None, extra_ns: Sequence[int] = ()) -> dict:
    """argmax_T of mean accuracy for each N: ``empirical`` on ``ks`` (curves[t] is [K] at ``ks``),
    and ``fitted`` from the per-T fits on ``ks`` plus ``extra_ns`` (extrapolated).

    Ties go to the lowest temperature.
    """
    temps = np.asarray(temperatures, dtype=float)
    table = np.stack([np.asarray(c, dtype=float) for c in curves])  # [T, K]
    out = {"ns": [int(k) for k in ks], "empirical_T": [float(temps[i]) for i in np.argmax(table, axis=0)],
           "empirical_acc": [float(v) for v in table.max(axis=0)]}
    if fits is not None:
        ns = np.concatenate([np.asarray(ks, dtype=float), np.asarray(extra_ns, dtype=float)])
        pred = np.stack([f.predict(ns) for f in fits])
        out["fitted_ns"] = [int(n) for n in ns]
        out["fitted_T"] = [float(temps[i]) for i in np.argmax(pred, axis=0)]
        out["fitted_acc"] = [float(v) for v in pred.max(axis=0)]
    return out


def per_prompt_optimum(temperatures: Sequence[float], curves: Sequence[np.ndarray], ks,
                       tol: float = 1e-9) -> dict:
    """Each prompt's best (N*, T*) over the grid (paper.md §1, Fig. 1).

    ``curves[t]`` is the per-prompt [P, K] accuracy at temperature t (same prompts, same order).
    Ties (within ``tol``) go to the smallest N, then the lowest T: the cheapest way to reach the
    prompt's best accuracy. Returns N*, T*, the best accuracy per prompt, the mean of the per-prompt
    best (an oracle that picks (N, T) per prompt) and the best fixed (N, T) for all prompts.
    """
    temps = np.asarray(temperatures, dtype=float)
    ks = np.asarray(ks)
    cube = np.stack([np.asarray(c, dtype=float) for c in curves], axis=1)  # [P, T, K]
    if cube.ndim != 3:
        raise BonawareError("curves must be [P, K] arrays, one per temperature")
    P, nT, K = cube.shape
    best = cube.reshape(P, -1).max(axis=1)
    hit = cube >= best[:, None, None] - tol
    k_idx = np.argmax(hit.any(axis=1), axis=1)  # smallest N reaching the best
    t_idx = np.argmax(hit[np.arange(P), :, k_idx], axis=1)  # lowest T at that N
    mean_grid = cube.mean(axis=0)  # [T, K]
    ti, ki = np.unravel_index(int(np.argmax(mean_grid)), mean_grid.shape)
    return {"N_star": [int(v) for v in ks[k_idx]], "T_star": [float(v) for v in temps[t_idx]],
            "best": [float(v) for v in best], "oracle_mean": float(best.mean()),
            "best_fixed": {"N": int(ks[ki]), "T": float(temps[ti]), "acc": float(mean_grid[ti, ki])}}
