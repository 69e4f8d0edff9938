"""Compute efficiency: inference cost per Best-of-N point, compute savings, training cost.

**Inference cost** (per prompt, then averaged over prompts). Sampling N completions costs the
prompt once (it is prefilled once and its KV cache shared by the N continuations) plus N
completions: tokens(N) = prompt_tokens + N · mean completion tokens, and
FLOPs(N) ≈ 2 · parameters · tokens(N) (a forward pass costs ≈ 2 FLOPs per parameter per token;
attention over the context and the verifier's own cost are not counted).

**Compute savings.** For a fine-tuned model at N₀ with accuracy A_ft(N₀), the base model needs
N_match = min{N : A_base(N) ≥ A_ft(N₀)} samples, found on the base's mean curve (every N ≤ n) with
linear interpolation between consecutive N; savings = cost_base(N_match) / cost_ft(N₀) with
cost = parameters · tokens(N). Not reached within n samples → None ("more than n"). A paired
percentile bootstrap over prompts (same prompt draws for both models) gives the CI.

**Training cost** from a training run folder (``metrics.csv`` of ``bonaware train``): tokens
processed (a ``tokens`` column, ``gen_tokens`` + ``train_tokens``, or Σ tokens_per_s · step_seconds),
scaled up when only every k-th step was logged; FLOPs ≈ 6 · parameters · tokens (forward and
backward per token: a rough upper-end estimate, since sampled-but-untrained tokens cost only 2).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation.curves import all_ks, metric_curve
from bonaware.evaluation.samples import TemperatureSamples


def tokens_per_point(group: TemperatureSamples, ks=None) -> np.ndarray:
    """Mean tokens to draw N samples, for N in ``ks`` (default 1..n): [K] (prompt counted once)."""
    ks = all_ks(group.n) if ks is None else np.asarray(ks)
    return float(group.prompt_tokens.mean()) + np.asarray(ks, dtype=float) * float(group.n_tokens.mean())


def inference_cost(group: TemperatureSamples, num_params: int | None = None, ks=None) -> dict:
    """Tokens and (with ``num_params``) FLOPs ≈ 2·params·tokens per N, as JSON-ready lists."""
    ks = all_ks(group.n) if ks is None else np.asarray(ks)
    tokens = tokens_per_point(group, ks)
    out = {"ns": [int(k) for k in ks], "tokens": [float(t) for t in tokens],
           "prompt_tokens_mean": float(group.prompt_tokens.mean()),
           "completion_tokens_mean": float(group.n_tokens.mean())}
    out["flops"] = None if num_params is None else [float(2.0 * num_params * t) for t in tokens]
    return out


_ROUNDOFF = 1e-12


def n_to_match(curve, target: float, ks=None) -> float:
    """Smallest N (linear interpolation between consecutive ``ks``) with ``curve(N) ≥ target``.

    ``curve`` is a mean accuracy [K] at increasing ``ks`` (default 1..K). Returns ks[0] if the first
    point already reaches the target and ``inf`` if no point does; a point within 1e-12 (relative) of the
    target reaches it, so the answer does not depend on the summation order of either.
    """
    curve = np.asarray(curve, dtype=float)
    ks = np.arange(1, curve.size + 1, dtype=float) if ks is None else np.asarray(ks, dtype=float)
    if curve.shape != ks.shape or curve.ndim != 1 or curve.size == 0:
        raise BonawareError("curve and ks must be 1-D of the same non-zero length")
    return float(_n_to_match_rows(curve[None, :], np.array([float(target)]), ks)[0])


def _n_to_match_rows(curves: np.ndarray, targets: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """:func:`n_to_match` for every row of ``curves`` [R, K] against ``targets`` [R] at once (the
    bootstrap of :func:`compute_savings` asks it for thousands of replicates)."""
    ks = np.asarray(ks, dtype=float)
    # reached within round-off: a target taken from the same samples (e.g. a curve's own value at N, summed
    # in another order by a bootstrap) must not be missed by 1 ulp, which BLAS threading would decide
    reached = curves >= targets[:, None] - _ROUNDOFF * np.maximum(1.0, np.abs(targets))[:, None]
    j = reached.argmax(axis=1)  # the first point that reaches the target (0 also when none does)
    prev = np.maximum(j - 1, 0)
    rows = np.arange(curves.shape[0])
    lo, hi = curves[rows, prev], curves[rows, j]
    # capped at ks[j]: a point that reaches the target only within round-off would interpolate past itself
    with np.errstate(invalid="ignore", divide="ignore"):  # j = 0 rows divide 0 by 0 and are replaced below
        between = np.minimum(ks[prev] + (targets - lo) / (hi - lo) * (ks[j] - ks[prev]), ks[j])
    return np.where(~reached.any(axis=1), math.inf, np.where(j == 0, ks[0], between))


def _none_if_inf(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def compute_savings(base: TemperatureSamples, tuned: TemperatureSamples, N: int, *, metric: str = "bon",
                    verifier: str | None = None, base_params: int | None = None,
                    tuned_params: int | None = None, level: float = 0.95, n_boot: int = 2000,
                    seed: int = 0) -> dict:
    """How many samples the base model needs to match the tuned model's ``metric``@N (see module doc).

    Both must hold the same prompts (matched by problem id; error otherwise). Unknown parameter
    counts are taken as equal, so the savings factor is then a ratio of tokens.
    """
    from bonaware.evaluation.compare import align

    base, tuned = align(base, tuned, "base", "tuned")
    if not 1 <= int(N) <= tuned.n:
        raise BonawareError(f"N={N} must be between 1 and the tuned run's n = {tuned.n}")
    ks = all_ks(base.n)
    cb = metric_curve(base, metric, verifier, ks, seed=seed)  # [P, K]
    ct = metric_curve(tuned, metric, verifier, [int(N)], seed=seed)[:, 0]  # [P]
    # per-prompt token costs: prompt once, then tokens per sample
    pb, sb = base.prompt_tokens, base.n_tokens.mean(axis=1)
    pt, st = tuned.prompt_tokens, tuned.n_tokens.mean(axis=1)
    wb, wt = (1.0, 1.0) if base_params is None or tuned_params is None else (float(base_params), float(tuned_params))

    def replicates(weights: np.ndarray) -> np.ndarray:
        """(N to match, savings) for each row of prompt weights [R, P]: one matrix product for all rows."""
        w = weights / weights.sum(axis=1, keepdims=True)
        curves, target = w @ cb, w @ ct
        nm = _n_to_match_rows(curves, target, ks)
        cost_t = wt * (w @ pt + N * (w @ st))
        cost_b = wb * (w @ pb + nm * (w @ sb))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.stack([nm, np.where(cost_t > 0, cost_b / np.where(cost_t > 0, cost_t, 1.0), math.nan)], axis=1)

    P = base.num_prompts
    n_match, savings = (float(v) for v in replicates(np.ones((1, P)))[0])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, P, (int(n_boot), P))  # the same stream as one draw of P per replicate
    counts = np.bincount((np.arange(int(n_boot))[:, None] * P + draws).ravel(), minlength=int(n_boot) * P)
    boot = replicates(counts.reshape(int(n_boot), P).astype(float))
    alpha = (1.0 - level) / 2.0
    # 'inverted_cdf' returns observed replicate values, so "not reached" (inf) replicates stay inf
    lo, hi = np.quantile(boot, [alpha, 1.0 - alpha], axis=0, method="inverted_cdf")
    return {"N": int(N), "metric": metric, "verifier": verifier, "temperature": base.temperature,
            "tuned_acc": float(ct.mean()), "base_acc_at_N": float(cb[:, int(N) - 1].mean()) if base.n >= N else None,
            "base_max_n": int(base.n), "n_match": _none_if_inf(n_match),
            "n_match_ci": [_none_if_inf(lo[0]), _none_if_inf(hi[0])],
            "savings": _none_if_inf(savings), "savings_ci": [_none_if_inf(lo[1]), _none_if_inf(hi[1])],
            "level": level, "n_boot": int(n_boot), "cost_unit": "flops" if base_params and tuned_params else "tokens"}


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _column(rows: list[dict], name: str, path: Path) -> np.ndarray | None:
    if not rows or name not in rows[0]:
        return None
    vals = []
    for i, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            vals.append(float(row[name]))
        except (TypeError, ValueError):
            raise BonawareError(f"{path}:{i}: column {name!r} is not a number ({row[name]!r})") from None
    return np.nan_to_num(np.array(vals), nan=0.0)


def training_compute(train_dir: str | Path, num_params: int | None = None) -> dict | None:
    """Training tokens, wall time and FLOPs of a ``bonaware train`` run folder (None if no metrics.csv)."""
    train_dir = Path(train_dir)
    path = train_dir / "metrics.csv"
    if not path.is_file():
        return None
    rows = _read_csv(path)
    if not rows:
        return None
    config = {}
    if (train_dir / "config.json").is_file():
        config = json.loads((train_dir / "config.json").read_text())
    step = _column(rows, "step", path)
    steps = int(step[-1]) if step is not None else int(config.get("steps", len(rows)))
    scale = steps / len(rows)  # metrics logged every k-th step stand for k steps each
    tok = _column(rows, "tokens", path)
    source = "tokens"
    if tok is None and _column(rows, "gen_tokens", path) is not None:
        tok = _column(rows, "gen_tokens", path) + (_column(rows, "train_tokens", path) if "train_tokens" in rows[0]
                                                   else 0.0)
        source = "gen_tokens+train_tokens"
    secs = _column(rows, "step_seconds", path)
    if tok is None and secs is not None and _column(rows, "tokens_per_s", path) is not None:
        tok = _column(rows, "tokens_per_s", path) * secs
        source = "tokens_per_s*step_seconds"
    tokens = None if tok is None else float(tok.sum() * scale)
    return {"train_dir": str(train_dir), "steps": steps, "logged_rows": len(rows),
            "tokens": tokens, "tokens_source": source if tokens is not None else None,
            "seconds": None if secs is None else float(secs.sum() * scale),
            "flops": None if tokens is None or num_params is None else float(6.0 * num_params * tokens),
            "method": config.get("method"), "n_prime": config.get("n_prime")}
