"""A claims table computed, not written: each claim's verdict follows from the committed data by one rule.

A claims file (YAML, schema in experiments/README.md) lists comparisons ``A − B`` of two run groups
(one evaluation run per training seed, under ``<root>/<experiment>/data/<group>``) on one metric at
one N. For each claim, every seed's per-prompt ``metric@N`` (the exact per-prompt estimates of
:mod:`bonaware.evaluation.curves`) goes into the seed-aware paired bootstrap of
``bonaware.estimators`` (seeds resampled per group, the shared prompts drawn once per replicate) and
rliable's probability of improvement P(A > B), training runs as the unit. The verdict rule:
**reproduces** if the 95% CI of Δ excludes 0 on the expected side, **contradicted** if it excludes 0
on the other side, **inconclusive** otherwise — and **inconclusive (< 3 seeds)** whenever a group of
*trained* models has fewer than :data:`MIN_SEEDS` training seeds (developers' standard of evidence: a
comparative claim needs ≥ 3 training seeds; with one seed the CI covers prompt noise only). An
untrained group (the base model: its runs name no training folder) is one run by nature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation.report import diff_cell, markdown_table
from bonaware.objectives.core import check_choice

COLUMNS = ["id", "paper", "claim", "A vs B", "metric", "expected", "seeds", "Δ [95% CI]", "P(A>B)", "verdict"]
METRICS = ("pass", "bon", "maj", "distinct")
SIGNS = {"+": "+", "-": "−", "−": "−"}
REQUIRED = ("id", "paper", "claim", "a", "b", "metric", "N", "expected")
OPTIONAL = ("verifier", "temperature", "N_b", "temperature_b")


@dataclass(frozen=True)
class Claim:
    """One row of the claims file (experiments/README.md, "Claims")."""

    id: str
    paper: str
    claim: str
    a: str  # "<experiment>/<group>": the folder <root>/<experiment>/data/<group> (the group may be nested)
    b: str
    metric: str  # pass | bon | maj | distinct
    N: int
    expected: str  # "+" or "−"
    verifier: str | None = None
    temperature: float | None = None
    N_b: int | None = None  # B's N when it differs from A's (compute savings: A@N vs B@2N); default N
    temperature_b: float | None = None  # B's temperature when it differs (the same model at two T); default A's


#: training seeds a group of trained models needs before a claim on it can be more than inconclusive
MIN_SEEDS = 3


def verdict(lo: float, hi: float, expected: str) -> str:
    """The rule: the CI [lo, hi] of A − B excludes 0 on the expected side → reproduces; on the other side →
    contradicted; otherwise (it contains 0) → inconclusive."""
    if SIGNS.get(expected) is None:
        raise BonawareError(f"expected sign must be '+' or '−', got {expected!r}")
    above, below = lo > 0, hi < 0
    if not above and not below:
        return "inconclusive"
    return "reproduces" if above == (SIGNS[expected] == "+") else "contradicted"


def ci_text(mean: float, lo: float, hi: float) -> str:
    """``+0.040 [+0.018, +0.062]`` (the report's difference cell, without its significance star: the
    verdict column says that)."""
    return diff_cell({"mean": [mean], "lo": [lo], "hi": [hi], "significant": [False]}, 0)


def group_runs(folder: Path) -> list[Path]:
    """The evaluation run folders of a run group: its ``seed<s>/`` runs (ordered by s) when it is a seed
    folder (:mod:`bonaware.evaluation.groups`), else the folder itself when it is a run, else none."""
    from bonaware.evaluation.groups import EVAL_RUN, is_seed_folder, seed_subdirs

    if is_seed_folder(folder):
        return [d for _, d in seed_subdirs(folder, EVAL_RUN)]
    return [folder] if any((folder / f).is_file() for f in EVAL_RUN) else []


def _text(entry: dict, key: str, where: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise BonawareError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def parse_claims(data: dict, where: str) -> list[Claim]:
    """Claims from the parsed YAML mapping ``{"claims": [...]}``; every error names the file and claim id."""
    unknown_top = sorted(set(data) - {"claims"})
    if unknown_top or not isinstance(data.get("claims"), list):
        raise BonawareError(f"{where}: expected a top-level 'claims:' list (and nothing else; got keys "
                            f"{sorted(data)})")
    out, seen = [], set()
    for i, entry in enumerate(data["claims"]):
        if not isinstance(entry, dict):
            raise BonawareError(f"{where}: claim #{i + 1} must be a mapping of {', '.join(REQUIRED)}")
        label = f"{where}: claim {entry.get('id', f'#{i + 1}')!r}"
        missing = [k for k in REQUIRED if k not in entry]
        extra = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
        if missing or extra:
            raise BonawareError(f"{label}: " + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else []) +
                ([f"unknown key(s) {', '.join(map(str, extra))} (known: {', '.join(REQUIRED + OPTIONAL)})"]
                 if extra else [])))
        cid = _text(entry, "id", label)
        if cid in seen:
            raise BonawareError(f"{label}: duplicate id")
        seen.add(cid)
        metric = entry["metric"]
        if metric not in METRICS:
            raise BonawareError(f"{label}: unknown metric {metric!r}; choose from {', '.join(METRICS)} "
                                "(N is its own key: metric: pass, N: 8)")
        N = entry["N"]
        if isinstance(N, bool) or not isinstance(N, int) or N < 1:
            raise BonawareError(f"{label}: N must be an integer ≥ 1, got {N!r}")
        sign = entry["expected"]
        if sign not in SIGNS:
            raise BonawareError(f"{label}: expected must be \"+\" or \"-\" (quoted in YAML), got {sign!r}")
        verifier = entry.get("verifier")
        if (metric == "bon") != (verifier is not None):
            need = ("metric bon needs a verifier (a label the runs were scored with)" if metric == "bon"
                    else f"verifier is only for metric bon, not {metric}")
            raise BonawareError(f"{label}: {need}")
        t, t_b = entry.get("temperature"), entry.get("temperature_b")
        for key, value in (("temperature", t), ("temperature_b", t_b)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value)):
                raise BonawareError(f"{label}: {key} must be a number, got {value!r}")
        N_b = entry.get("N_b")
        if N_b is not None and (isinstance(N_b, bool) or not isinstance(N_b, int) or N_b < 1):
            raise BonawareError(f"{label}: N_b must be an integer ≥ 1, got {N_b!r}")
        groups = []
        for side in ("a", "b"):
            ref = _text(entry, side, label)
            if "/" not in ref or "" in ref.split("/"):
                raise BonawareError(f"{label}: {side} must be '<experiment>/<run group>', got {ref!r}")
            groups.append(ref)
        out.append(Claim(cid, _text(entry, "paper", label), _text(entry, "claim", label), groups[0], groups[1],
                         metric, N, SIGNS[sign], None if verifier is None else str(verifier),
                         None if t is None else float(t), N_b, None if t_b is None else float(t_b)))
    return out


def load_claims(path: str | Path) -> list[Claim]:
    """Read and validate a claims YAML file (schema only; :func:`claim_values` checks it against the data)."""
    from bonaware.config import load_yaml

    return parse_claims(load_yaml(path), str(path))


def claim_values(claim: Claim, root: str | Path, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-prompt ``metric@N`` of every training seed of groups A and B: ([Sa, P], [Sb, P]), rows of both
    in the same prompt order. Errors name the claim for a missing group, temperature or verifier, N > n
    and different prompt sets."""
    a, b, _ = claim_data(claim, root, seed=seed)
    return a, b


def is_trained(run) -> bool:
    """Whether an evaluation run (a loaded SampleSet) evaluated a fine-tuned model (its meta names the
    training folder, or the compact file kept the training record)."""
    return bool(run.meta.get("train_dir") or run.training)


def claim_data(claim: Claim, root: str | Path, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[bool, bool]]:
    """:func:`claim_values` plus, per group, whether its runs are trained models (for :data:`MIN_SEEDS`)."""
    from bonaware.evaluation.compare import align
    from bonaware.evaluation.curves import metric_curve
    from bonaware.evaluation.report import load_run

    label = f"claim {claim.id!r}"
    groups = []
    for ref in (claim.a, claim.b):
        experiment, group = ref.split("/", 1)  # a group may be nested: 05_cross_domain/add3/rl_s
        folder = Path(root) / experiment / "data" / group
        runs = group_runs(folder)
        if not runs:
            raise BonawareError(f"{label}: unknown run group {ref!r} (no evaluation runs in {folder} "
                                "or its seed<k>/ subfolders)")
        groups.append([(f"{ref} ({d.name})", load_run(d)) for d in runs])
    sets = [s for g in groups for _, s in g]
    temps = sorted(set.intersection(*(set(s.temperatures) for s in sets)))
    T = claim.temperature if claim.temperature is not None else min(temps or [1.0], key=lambda t: abs(t - 1.0))
    T_b = T if claim.temperature_b is None else claim.temperature_b
    for t_side, runs, ref_side in ((T, groups[0], claim.a), (T_b, groups[1], claim.b)):
        sampled = sorted(set.intersection(*(set(s.temperatures) for _, s in runs)))
        if not any(abs(t_side - t) < 1e-9 for t in sampled):
            raise BonawareError(f"{label}: temperature {t_side:g} is not sampled by every run of {ref_side} "
                                f"(sampled: {', '.join(f'{t:g}' for t in sampled) or 'none'})")
    ref_name, ref = groups[0][0][0], groups[0][0][1].at(T)
    out = []
    for runs, t_side, n_side in ((groups[0], T, claim.N), (groups[1], T_b, claim.N_b or claim.N)):
        rows = []
        for name, s in runs:
            _, g = align(ref, s.at(t_side), ref_name, name)
            if g.n < n_side:
                raise BonawareError(f"{label}: N = {n_side} exceeds the n = {g.n} samples per prompt of {name}")
            if claim.verifier is not None and claim.verifier not in g.scores:
                raise BonawareError(f"{label}: {name} has no verifier {claim.verifier!r} "
                                    f"(it has {', '.join(g.scores) or 'none'})")
            rows.append(metric_curve(g, claim.metric, claim.verifier, [n_side], seed=seed)[:, 0])
        out.append(np.array(rows))
    trained = tuple(any(is_trained(s) for _, s in g) for g in groups)
    return out[0], out[1], trained


def _vs(claim: Claim) -> str:
    (ea, ga), (eb, gb) = claim.a.split("/", 1), claim.b.split("/", 1)
    return f"{ga} vs {gb}" if ea == eb else f"{claim.a} vs {claim.b}"


def _metric(claim: Claim) -> str:
    n = f"{claim.N}" if claim.N_b in (None, claim.N) else f"{claim.N} vs @{claim.N_b}"
    text = f"{claim.metric}@{n}" + (f" ({claim.verifier})" if claim.verifier else "")
    if claim.temperature_b is not None:
        return text + f", T={claim.temperature if claim.temperature is not None else 1:g} vs {claim.temperature_b:g}"
    return text + (f", T={claim.temperature:g}" if claim.temperature is not None else "")


def _named(claim: Claim, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, with any error's message naming the claim (e.g. runs on different prompts)."""
    try:
        return fn(*args, **kwargs)
    except BonawareError as e:
        if str(e).startswith(f"claim {claim.id!r}"):
            raise
        raise BonawareError(f"claim {claim.id!r}: {e}") from None


def has_data(claim: Claim, root: str | Path) -> bool:
    """Whether both run groups of ``claim`` have at least one evaluation run under ``root``."""
    return all(group_runs(Path(root) / ref.split("/", 1)[0] / "data" / ref.split("/", 1)[1])
               for ref in (claim.a, claim.b))


def claims_rows(claims: list[Claim], root: str | Path, *, n_boot: int = 4000, seed: int = 0,
                missing: str = "error") -> list[list[str]]:
    """One table row per claim (:data:`COLUMNS`; 95% intervals, ``n_boot`` replicates, bootstrap ``seed``).

    ``missing="error"`` (default) refuses a claim whose run group has no data; ``missing="not run"``
    gives it a row with verdict ``not run`` instead (an experiment the budget left out, said plainly).
    Any other problem with the data (N > n, a missing verifier, other prompts) is an error either way.
    """
    check_choice(missing, "missing", ("error", "not run"))
    skip = {c.id for c in claims if missing == "not run" and not has_data(c, root)}
    # every claim with data is checked against it before any bootstrap runs
    values = [None if c.id in skip else _named(c, claim_data, c, root, seed=seed) for c in claims]
    from bonaware.estimators import paired_seed_difference, probability_of_improvement

    rows = []
    for c, ab in zip(claims, values):
        if ab is None:
            rows.append([c.id, c.paper, c.claim.replace("|", "\\|"), _vs(c), _metric(c), c.expected,
                         "0", "—", "—", "not run"])
            continue
        a, b, trained = ab
        d = paired_seed_difference(a, b, level=0.95, n_boot=n_boot, seed=seed)
        p = probability_of_improvement(a, b, level=0.95, n_boot=n_boot, seed=seed)
        rows.append([c.id, c.paper, c.claim.replace("|", "\\|"), _vs(c), _metric(c), c.expected,
                     f"{a.shape[0]} / {b.shape[0]}", ci_text(float(d.mean), float(d.lo), float(d.hi)),
                     f"{float(p.mean):.2f}", seeded_verdict(float(d.lo), float(d.hi), c.expected,
                                                            (a.shape[0], b.shape[0]), trained)])
    return rows


def seeded_verdict(lo: float, hi: float, expected: str, seeds: tuple[int, int], trained: tuple[bool, bool]) -> str:
    """:func:`verdict`, or ``inconclusive (< 3 seeds)`` when a trained group has fewer than :data:`MIN_SEEDS`."""
    if any(t and s < MIN_SEEDS for s, t in zip(seeds, trained)):
        return f"inconclusive (< {MIN_SEEDS} seeds)"
    return verdict(lo, hi, expected)


def claims_table(path: str | Path, root: str | Path, **kwargs) -> str:
    """The markdown claims table of the claims file ``path`` on the data under ``root``."""
    return "\n".join(markdown_table(COLUMNS, claims_rows(load_claims(path), root, **kwargs))).rstrip()
