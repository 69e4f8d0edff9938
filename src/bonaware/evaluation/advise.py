"""``bonaware advise``: which model, N and temperature for an inference budget (paper.md §1, Fig. 1; App. D.1).

Input: pilot ``bonaware eval`` runs (one per candidate model), all on the **same prompts** of the
``val`` split, each at one or more temperatures. A *candidate* is one (run, T); an *option* is a
candidate with a number of samples N whose cost fits the budget. For every option the prediction is
the expected ``metric``@N (BoN with a verifier, or pass@N) **on new prompts from the same task
distribution** as the pilots' prompts (docs/advise.md):

* N ≤ n (the pilot's samples per prompt): the mean over prompts of the unbiased per-prompt
  estimate (``bonaware.estimators``), with a percentile bootstrap over prompts;
* n < N ≤ ``max_extrapolation``·n: the co-scaling law exp(a·N^b) (:mod:`bonaware.evaluation.coscaling`)
  fitted to the tail N ∈ [``fit_from``·n, n] of the pilot's mean curve — where the extrapolation
  starts; fitted on all of 1..n the law overshoots curves that bend (unsolvable prompts, BoN
  plateaus), see docs/advise.md — refitted on every bootstrap replicate of the prompts for the CI,
  and flagged ``extrapolated``.

All candidates are resampled with the *same* prompt draws (:func:`bonaware.estimators.bootstrap_means`
with one seed), so every replicate compares options on the same prompts: P(recommendation better)
is the share of replicates in which it beats the runner-up (ties count ½). Costs per prompt
(:mod:`bonaware.evaluation.compute`): ``samples`` = N; ``tokens`` = prompt + N × mean completion
tokens (measured in the pilot); ``flops`` ≈ 2 · parameters · tokens.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from bonaware.errors import BonawareError
from bonaware.estimators import bootstrap_means
from bonaware.evaluation.compute import tokens_per_point
from bonaware.evaluation.coscaling import CoScalingFit, coscaling_law, fit_coscaling, refit_coscaling
from bonaware.evaluation.curves import all_ks, metric_curve
from bonaware.evaluation.samples import SampleSet, TemperatureSamples

BUDGET_UNITS = ("samples", "tokens", "flops")
ADVISE_METRICS = ("bon", "pass")


@dataclass
class Candidate:
    """One (run, temperature) of the pilots, with its per-prompt curve and its bootstrap replicates."""

    run: str
    group: TemperatureSamples
    num_params: int | None
    curve: np.ndarray  # [P, n]: per-prompt metric@k, k = 1..n
    boot: np.ndarray  # [n_boot, n]: replicate means over prompts (same draws for every candidate)
    fit_from: float = 0.5  # the law is fitted on N in [fit_from * n, n]
    fit: CoScalingFit | None = None
    boot_fit: np.ndarray | None = None  # [n_boot, 2]: (a, b) refitted per replicate
    _backtests: dict = field(default_factory=dict)  # n' -> backtest error (see backtest)

    @property
    def temperature(self) -> float:
        return self.group.temperature

    @property
    def n(self) -> int:
        return self.group.n

    @property
    def label(self) -> str:
        return f"{self.run} @ T={self.temperature:g}"

    def cost(self, N, unit: str) -> np.ndarray:
        """Cost per prompt of drawing N samples, in ``unit`` (module docstring)."""
        N = np.asarray(N, dtype=float)
        if unit == "samples":
            return N
        tokens = tokens_per_point(self.group, N)
        if unit == "tokens":
            return tokens
        return 2.0 * float(self.num_params) * tokens

    def max_n(self, budget: float, unit: str) -> int:
        """The largest N whose cost fits ``budget`` (0 if not even one sample does)."""
        if unit == "samples":
            return int(math.floor(budget + 1e-9))
        per = self.cost([0.0, 1.0], unit)  # fixed (prompt) cost and cost per sample
        if budget < per[0]:
            return 0
        if per[1] <= per[0]:  # empty completions cost nothing more: any N fits
            return 10**9
        return max(0, int(math.floor((budget - per[0]) / (per[1] - per[0]) + 1e-9)))

    def predict(self, N: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Point predictions [len(N)] and bootstrap replicates [n_boot, len(N)] at sample counts N."""
        N = np.asarray(N, dtype=int)
        point, boot = np.empty(N.size), np.empty((self.boot.shape[0], N.size))
        inside = self.n >= N
        point[inside] = self.curve[:, N[inside] - 1].mean(axis=0)
        boot[:, inside] = self.boot[:, N[inside] - 1]
        if (~inside).any():
            self._ensure_fit()
            point[~inside] = self.fit.predict(N[~inside])
            boot[:, ~inside] = coscaling_law(N[~inside][None, :], self.boot_fit[:, :1], self.boot_fit[:, 1:])
        return point, boot

    def interval(self, N: Sequence[int], alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Point predictions, bootstrap replicates and the (alpha, 1 − alpha) interval at sample counts N.

        Beyond n the bootstrap interval (prompt noise of the fit) is widened for the law's own misfit
        (docs/advise.md): (1) its lower end is at most the lower end at N = n — the law can only rise,
        but a mean curve may flatten (unsolved prompts, a Best-of-N verifier that stops finding the
        right answers); (2) it is stretched by the :meth:`backtest` error at the same ratio N/n, on the
        side the law missed: the same fit made from the first n·n/N samples, predicting N = n."""
        point, boot = self.predict(N)
        lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        N = np.asarray(N)
        beyond = self.n < N
        if beyond.any():
            floor = float(np.quantile(self.boot[:, self.n - 1], alpha))
            err = np.array([self.backtest(float(x) / self.n) if b else 0.0 for x, b in zip(N, beyond)])
            lo = np.where(beyond, np.minimum(lo - np.maximum(err, 0.0), floor), lo)
            hi = np.where(beyond, np.minimum(hi + np.maximum(-err, 0.0), 1.0), hi)
        return point, boot, np.maximum(lo, 0.0), hi

    def backtest(self, ratio: float) -> float:
        """The law's extrapolation error at ``ratio`` = N/n measured on the pilot itself: fitted (same
        window rule) on the curve of its first n' = round(n / ratio) samples (at least 3), predicting
        N = n; prediction − observed at n."""
        n_small = min(self.n - 1, max(3, int(round(self.n / ratio))))
        if n_small < 3:
            return 0.0
        key = n_small
        if key not in self._backtests:
            ks, mean = self.fit_window(n_small), self.curve.mean(axis=0)
            self._backtests[key] = float(fit_coscaling(ks, mean[ks - 1]).predict(self.n) - mean[-1])
        return self._backtests[key]

    def fit_window(self, n: int | None = None) -> np.ndarray:
        """The N the law is fitted on: [``fit_from``·n, n], at least the last 3 points (docs/advise.md)."""
        n = self.n if n is None else n
        lo = min(max(1, math.ceil(self.fit_from * n)), n - 2)
        return np.arange(lo, n + 1)

    def _ensure_fit(self) -> None:
        if self.fit is not None:
            return
        if self.n < 3:
            raise BonawareError(f"{self.label}: extrapolating beyond the pilot's n = {self.n} needs n >= 3")
        ks = self.fit_window()
        self.fit = fit_coscaling(ks, self.curve[:, ks - 1].mean(axis=0))
        self.boot_fit = refit_coscaling(ks, np.clip(self.boot[:, ks - 1], 0.0, 1.0), self.fit)

    def fit_info(self) -> dict | None:
        """The co-scaling fit, and its own 2x extrapolation check (:meth:`backtest` at ratio 2:
        ``check_error_at_n`` = prediction − observed at N = n)."""
        if self.fit is None:
            return None
        ks, mean = self.fit_window(), self.curve.mean(axis=0)
        rmse = float(np.sqrt(np.mean((self.fit.predict(ks) - mean[ks - 1]) ** 2)))
        out = {**self.fit.as_dict(), "fit_ns": [int(ks[0]), self.n], "rmse": rmse}
        if self.n >= 6:
            out["check_error_at_n"] = self.backtest(2.0)
        return out


def pilot_names(dirs: Sequence, runs: Sequence[SampleSet], names: Sequence[str] | None = None) -> list[str]:
    """One name per pilot run: ``names``, else each run's ``run.json`` name (else its folder); a name
    used twice gets its folder appended, and names that still repeat are an error."""
    from pathlib import Path

    if names is not None:
        if len(names) != len(dirs):
            raise BonawareError(f"--names has {len(names)} names for {len(dirs)} pilot runs")
        out = list(names)
    else:
        out = [str(r.meta.get("name") or Path(d).name) for d, r in zip(dirs, runs)]
    out = [f"{n} ({Path(d).name})" if out.count(n) > 1 else n for n, d in zip(out, dirs)]
    if len(set(out)) != len(out):
        raise BonawareError(f"pilot run names are not unique: {out}; pass --names")
    return out


def check_same_prompts(runs: Mapping[str, SampleSet]) -> list[str]:
    """The pilots' shared prompt ids; a clear error if any (run, T) was evaluated on other prompts.

    Paired comparisons (and a prediction for *one* prompt distribution) need every pilot on the
    same prompts: the same --task, --task_args, --split, --num_prompts and --seed of ``bonaware eval``.
    """
    ref_name, ref_ids = None, None
    for name, s in runs.items():
        for t in s.temperatures:
            ids = s.at(t).problem_ids
            if ref_ids is None:
                ref_name, ref_ids = f"{name} (T={t:g})", ids
            elif set(ids) != set(ref_ids):
                only_a, only_b = sorted(set(ref_ids) - set(ids)), sorted(set(ids) - set(ref_ids))
                raise BonawareError(
                    f"advise compares options paired over the same prompts, but {name} (T={t:g}) has "
                    f"{len(ids)} prompts and {ref_name} has {len(ref_ids)} ({len(only_a)} only in {ref_name}, "
                    f"e.g. {', '.join(only_a[:2]) or '-'}; {len(only_b)} only in {name}, e.g. "
                    f"{', '.join(only_b[:2]) or '-'}). Evaluate every pilot with the same --task, --task_args, "
                    "--split val, --num_prompts and --seed")
    return list(ref_ids)


def build_candidates(runs: Mapping[str, SampleSet], *, metric: str, verifier: str | None, n_boot: int,
                     seed: int, temperatures: Sequence[float] | None = None,
                     fit_from: float = 0.5) -> list[Candidate]:
    """Every (run, T) of the pilots with its per-prompt curve and paired bootstrap replicates."""
    if metric not in ADVISE_METRICS:
        raise BonawareError(f"--metric must be one of {', '.join(ADVISE_METRICS)}, got {metric!r}")
    ids = check_same_prompts(runs)
    out = []
    for name, s in runs.items():
        temps = s.temperatures if temperatures is None else [t for t in s.temperatures
                                                             if any(abs(t - u) < 1e-9 for u in temperatures)]
        for t in temps:
            g = s.at(t).select(ids)  # one prompt order for every candidate: the bootstrap draws pair up
            curve = metric_curve(g, metric, verifier if metric == "bon" else None, all_ks(g.n), seed=seed)
            boot = bootstrap_means(curve, n_boot=n_boot, seed=seed)
            out.append(Candidate(name, g, s.meta.get("num_params"), curve, np.atleast_2d(boot), fit_from))
    if not out:
        raise BonawareError(f"no pilot samples at the requested temperatures {list(temperatures or [])}")
    return out


def _grid(n_max: int, pilot_n: int) -> list[int]:
    """The N of the options table: powers of two up to ``n_max``, the pilot's n and ``n_max`` itself."""
    grid = {2 ** j for j in range(int(math.log2(max(n_max, 1))) + 1)} | {n_max}
    if pilot_n <= n_max:
        grid.add(pilot_n)
    return sorted(g for g in grid if g >= 1)


def _p_better(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a > b) + 0.5 * np.mean(a == b))


def advise(runs: Mapping[str, SampleSet], budget: float, *, budget_unit: str = "samples", metric: str = "bon",
           verifier: str | None = None, level: float = 0.95, n_boot: int = 1000, seed: int = 0,
           max_extrapolation: float = 4.0, temperatures: Sequence[float] | None = None,
           fit_from: float = 0.5, frontier_points: int = 40, candidates: Sequence[Candidate] | None = None) -> dict:
    """The advice for ``budget`` (per prompt, in ``budget_unit``) from pilot runs ``{name: SampleSet}``.

    Returns a JSON-ready dict: ``recommendation``, ``runner_up``, ``p_better`` (P(recommendation
    better than the runner-up)), ``options`` (every (run, T, N) within the budget, best first),
    ``frontier`` (predicted accuracy vs cost per candidate), ``pilots`` and ``warnings``.
    ``candidates``: the :func:`build_candidates` of the same runs and settings, to reuse their
    bootstrap replicates and fits across several budgets (e.g. a calibration study).
    """
    if budget_unit not in BUDGET_UNITS:
        raise BonawareError(f"--budget_unit must be one of {', '.join(BUDGET_UNITS)}, got {budget_unit!r}")
    if not math.isfinite(budget) or budget <= 0:
        raise BonawareError(f"--budget must be a positive number, got {budget}")
    if max_extrapolation < 1:
        raise BonawareError(f"--max_extrapolation must be >= 1, got {max_extrapolation}")
    if not 0 < level < 1:
        raise BonawareError(f"--level must be in (0, 1), got {level}")
    if not 0 <= fit_from < 1:
        raise BonawareError(f"--fit_from must be in [0, 1), got {fit_from}")
    if not runs:
        raise BonawareError("give at least one pilot run folder")
    if metric == "bon":
        shared = [v for v in next(iter(runs.values())).verifiers if all(v in s.verifiers for s in runs.values())]
        if verifier is None:
            if not shared:
                raise BonawareError("--metric bon needs a verifier shared by every pilot run; none is")
            verifier = shared[0]
        elif verifier not in shared:
            raise BonawareError(f"--verifier {verifier!r} is not in every pilot run (shared: {shared})")
    if budget_unit == "flops":
        missing = [name for name, s in runs.items() if not s.meta.get("num_params")]
        if missing:
            raise BonawareError(f"--budget_unit flops needs each run's parameter count (run.json num_params); "
                                f"missing for {', '.join(missing)}")
    cands = list(candidates) if candidates is not None else build_candidates(
        runs, metric=metric, verifier=verifier, n_boot=n_boot, seed=seed, temperatures=temperatures, fit_from=fit_from)
    alpha = (1.0 - level) / 2.0
    warnings = []
    options, boots = [], []
    for c in cands:
        limit = int(math.floor(max_extrapolation * c.n))
        n_budget = c.max_n(budget, budget_unit)
        n_max = min(n_budget, limit)
        if n_budget > limit:
            warnings.append(f"{c.label}: the budget allows N = {n_budget}, but predictions stop at "
                            f"{max_extrapolation:g} x the pilot's n = {limit}; run a pilot with a larger --n")
        if n_max < 1:
            continue
        Ns = _grid(n_max, c.n)
        point, boot, lo, hi = c.interval(Ns, alpha)
        cost = c.cost(Ns, budget_unit)
        best = int(np.argmax(point))
        for j, N in enumerate(Ns):
            options.append({"run": c.run, "temperature": c.temperature, "n": int(N), "cost": float(cost[j]),
                            "predicted": float(point[j]), "ci": [float(lo[j]), float(hi[j])],
                            "extrapolated": bool(c.n < N), "pilot_n": c.n, "best_for_candidate": j == best,
                            "backtest_error": c.backtest(N / c.n) if c.n < N else None})
            boots.append(boot[:, j])
    if not options:
        raise BonawareError(f"no option fits the budget {budget:g} {budget_unit} (one sample costs "
                            f"{min(c.cost(1, budget_unit) for c in cands):.4g} {budget_unit})")
    # best first; equal predictions: the cheaper option first
    order = sorted(range(len(options)), key=lambda i: (-options[i]["predicted"], options[i]["cost"], i))
    options, boots = [options[i] for i in order], [boots[i] for i in order]
    rec = options[0]
    same = [i for i, o in enumerate(options)
            if (o["run"], o["temperature"]) == (rec["run"], rec["temperature"])]
    others = [i for i in range(1, len(options)) if i not in same] or [i for i in range(1, len(options))]
    for i, o in enumerate(options):
        o["p_recommendation_better"] = None if i == 0 else _p_better(boots[0], boots[i])
    runner = options[others[0]] if others else None
    for c in cands:
        if c.fit is not None:
            info = c.fit_info()
            for o in options:
                if o["extrapolated"] and (o["run"], o["temperature"]) == (c.run, c.temperature):
                    o["fit"] = info
            check = abs(info.get("check_error_at_n") or 0.0)
            if info["rmse"] > 0.01 or check > 0.03:
                warnings.append(f"{c.label}: the co-scaling law fits the pilot curve poorly (RMSE {info['rmse']:.3f}, "
                                f"2x check error {check:.3f}); do not trust its extrapolation")
    splits = sorted({str(s.meta.get("split", "?")) for s in runs.values()})
    if splits != ["val"]:
        warnings.append(f"pilots are on split {', '.join(splits)}: choose on val and keep test for the final number")
    P = cands[0].group.num_prompts
    what = f"BoN@N [{verifier}]" if metric == "bon" else "pass@N"
    return {
        "budget": float(budget), "budget_unit": budget_unit, "metric": metric, "verifier": verifier,
        "level": level, "n_boot": int(n_boot), "seed": int(seed), "max_extrapolation": float(max_extrapolation),
        "fit_from": float(fit_from),
        "prediction": (f"expected {what} on new prompts from the same task distribution as the pilots' {P} "
                       f"prompts (split {', '.join(splits)}); {int(round(100 * level))}% CIs are percentile "
                       f"bootstraps over prompts ({n_boot} draws, paired across options); N beyond a pilot's n "
                       "comes from the co-scaling fit exp(a*N^b), refitted per draw (extrapolated). The CIs do "
                       "not cover training-seed variation or a misfit of the law beyond n."),
        "recommendation": rec, "runner_up": runner,
        "p_better": None if runner is None else runner["p_recommendation_better"],
        "options": options,
        "frontier": _frontier(cands, budget, budget_unit, max_extrapolation, alpha, frontier_points),
        "pilots": [{"run": name, "path": None if s.path is None else str(s.path.parent), "split": s.meta.get("split"),
                    "task": s.meta.get("task"), "task_args": s.meta.get("task_args"), "num_prompts": P,
                    "temperatures": s.temperatures, "n": {f"{t:g}": s.at(t).n for t in s.temperatures},
                    "num_params": s.meta.get("num_params")} for name, s in runs.items()],
        "warnings": warnings,
    }


def _frontier(cands: Sequence[Candidate], budget: float, unit: str, max_extrapolation: float, alpha: float,
              points: int) -> list[dict]:
    """Predicted accuracy vs cost per candidate, N = 1 .. max_extrapolation·n on a log grid (for the plot)."""
    out = []
    for c in cands:
        top = max(1, int(math.floor(max_extrapolation * c.n)))
        Ns = np.unique(np.round(np.geomspace(1, top, points)).astype(int))
        point, _, lo, hi = c.interval(Ns, alpha)
        out.append({"run": c.run, "temperature": c.temperature, "pilot_n": c.n, "ns": [int(v) for v in Ns],
                    "cost": [float(v) for v in c.cost(Ns, unit)], "predicted": [float(v) for v in point],
                    "lo": [float(v) for v in lo], "hi": [float(v) for v in hi]})
    return out


def _option_row(o: dict, unit: str) -> list[str]:
    mark = " †" if o["extrapolated"] else ""
    p = o.get("p_recommendation_better")
    return [o["run"], f"{o['temperature']:g}", f"{o['n']}{mark}", f"{o['cost']:.4g}",
            f"{o['predicted']:.3f} [{o['ci'][0]:.3f}, {o['ci'][1]:.3f}]", "—" if p is None else f"{p:.2f}"]


def _describe(o: dict) -> str:
    extra = f", extrapolated from the pilot's n = {o['pilot_n']}" if o["extrapolated"] else ""
    return (f"{o['run']} at T = {o['temperature']:g}, N = {o['n']}: {o['predicted']:.3f} "
            f"[{o['ci'][0]:.3f}, {o['ci'][1]:.3f}]{extra}")


def format_advice(advice: dict, full: bool = True) -> str:
    """The advice as markdown: recommendation, runner-up, P(better), the options table (``full``: every
    option; else the best N of each candidate), what the prediction means, and the warnings."""
    from bonaware.evaluation.report import markdown_table

    unit, rec, ru = advice["budget_unit"], advice["recommendation"], advice["runner_up"]
    what = f"BoN@N [{advice['verifier']}]" if advice["metric"] == "bon" else "pass@N"
    lines = [f"# bonaware advise: {advice['budget']:g} {unit} per prompt, {what}", "",
             f"**Recommendation: {_describe(rec)}.**", ""]
    if ru is not None:
        lines += [f"Runner-up: {_describe(ru)}. P(recommendation better) = {advice['p_better']:.2f} "
                  "(paired bootstrap over the same prompts).", ""]
    lines += [f"Prediction: {advice['prediction']}", ""]
    rows = [_option_row(o, unit) for o in advice["options"] if full or o["best_for_candidate"]]
    title = "Every option within the budget" if full else "Best N of each model and temperature"
    lines += [f"## {title} († = extrapolated beyond the pilot's n)", ""]
    lines += markdown_table(["run", "T", "N", f"cost ({unit})", "predicted [CI]", "P(rec. better)"], rows)
    if advice["warnings"]:
        lines += ["## Warnings", "", *(f"- {w}" for w in advice["warnings"]), ""]
    return "\n".join(lines)


def write_advice(advice: dict, out_dir) -> dict[str, str]:
    """Write ``advice.json``, ``advice.md`` and ``frontier.png`` into ``out_dir``; returns their paths."""
    from pathlib import Path

    from bonaware.evaluation.metrics import _json_safe
    from bonaware.evaluation.plots import plot_frontier
    from bonaware.io import write_json_atomic, write_text_atomic

    out = Path(out_dir)
    paths = {"json": out / "advice.json", "markdown": out / "advice.md", "plot": out / "frontier.png"}
    write_json_atomic(paths["json"], _json_safe(advice))
    write_text_atomic(paths["markdown"], format_advice(advice) + "\n![frontier](frontier.png)\n")
    plot_frontier(advice, paths["plot"])
    return {k: str(v) for k, v in paths.items()}
