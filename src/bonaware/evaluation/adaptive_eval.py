"""``bonaware eval --allocation adaptive``: calibrate on val, run the adaptive budget (from the saved pool or
live), and add the ``"adaptive"`` block to metrics.json (docs/adaptive.md); the report recomputes it.

The block compares the adaptive procedure (:mod:`bonaware.evaluation.adaptive`) at a mean budget of B
samples per prompt with fixed Best-of-B on the same prompts (the unbiased BoN@B of the saved n ≥ B
samples), at one temperature (``--adaptive_temperature``, default the evaluated T closest to 1) with the
first ``--verifier``. Its calibration comes from val: ``--adaptive_calibration`` (a val run folder), or
this run when it is on val, or else a val pilot of the same model sampled into ``OUT/calibration_val``.
Live rounds (:func:`sample_adaptive`) sample through :class:`bonaware.evaluation.generate.ModelFns`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bonaware.errors import BonawareError
from bonaware.evaluation.adaptive import AdaptiveRun, Calibration, adaptive_block, calibrate, run_adaptive
from bonaware.evaluation.metrics import METRICS_FILE, SUMMARY_FILE, _json_safe
from bonaware.evaluation.samples import SampleSet, TemperatureSamples, make_row
from bonaware.io import iter_jsonl, write_json_atomic, write_text_atomic

CALIBRATION_DIR = "calibration_val"
ADAPTIVE_FILE = "adaptive_samples.jsonl"


def live_cap(budget: int, n: int) -> int:
    """The most samples one prompt may get when sampling live: 4 × the budget (at least n). A pool run is
    capped by its n saved samples; live sampling is not, and a cap of n = B would leave the samples freed
    by early stopping nowhere to go."""
    return max(int(n), 4 * int(budget))


def pick_temperature(temperatures: Sequence[float], wanted: float | None) -> float:
    """``wanted`` if given (must be one of ``temperatures``), else the temperature closest to 1."""
    if wanted is None:
        return min(temperatures, key=lambda t: abs(t - 1.0))
    if not any(abs(wanted - t) < 1e-9 for t in temperatures):
        raise BonawareError(f"--adaptive_temperature {wanted:g} is not one of the evaluated --temperatures "
                            f"{list(temperatures)}")
    return float(wanted)


def _calibration_group(cfg: Any, samples: SampleSet, T: float, verifier: str, opened: Any, task: Any,
                       meta: dict, box: dict) -> tuple[TemperatureSamples, str]:
    from bonaware.evaluation.generate import evaluate_model
    from bonaware.evaluation.report import load_run

    if cfg.adaptive_calibration:
        run = load_run(cfg.adaptive_calibration)
        split = run.meta.get("split", "?")
        return run.at(T), f"{cfg.adaptive_calibration} (split {split})"
    if cfg.split == "val":
        return samples.at(T), "this run (split val)"
    out = Path(cfg.out) / CALIBRATION_DIR
    problems = task.problems("val", n=cfg.num_prompts, seed=cfg.seed)
    if not problems:
        raise BonawareError(f"task {cfg.task!r} has no val problems to calibrate the adaptive budget on; "
                            "give --adaptive_calibration RUN_DIR")
    res = evaluate_model(opened.model, opened.tokenizer, task, problems, cfg.n, [T], [verifier], out,
                         meta={**meta, "split": "val", "name": f"{meta['name']} (val calibration)"},
                         sampler=opened.sampler, **box)
    return res.samples.at(T), f"{out} (split val, sampled for the calibration)"


def add_adaptive(cfg: Any, result: Any, opened: Any, task: Any, problems: Sequence, meta: dict, box: dict) -> dict:
    """Compute the adaptive block for ``bonaware eval`` (``cfg``: an EvalConfig; ``opened``: its
    :class:`~bonaware.evaluation.generate.OpenSampler`) and add it to the run's metrics.json and summary.md."""
    from bonaware.evaluation.generate import ModelFns

    samples = result.samples
    T = pick_temperature(samples.temperatures, cfg.adaptive_temperature)
    group, verifier = samples.at(T), cfg.verifier[0]
    cal_group, source = _calibration_group(cfg, samples, T, verifier, opened, task, meta, box)
    if cal_group.saved is not None:
        raise BonawareError(f"the calibration samples ({source}) are a compact samples.npz.xz, which keeps no raw "
                            "verifier scores; give a run folder with samples.jsonl")
    if verifier not in cal_group.scores:
        raise BonawareError(f"the calibration samples ({source}) have no scores of verifier {verifier!r}")
    cal = calibrate(cal_group.scores[verifier], cal_group.correct, precision=cfg.adaptive_precision, source=source)
    knobs = {"first_fraction": cfg.adaptive_first, "rounds": cfg.adaptive_rounds, "priority": cfg.adaptive_priority}
    live = None
    if cfg.adaptive_source == "live":
        probs = sorted(problems, key=lambda p: p.id)  # the samples' prompt order
        fns = ModelFns(opened.model, opened.tokenizer, task, [verifier], opened.sampler,
                       max_new_tokens=cfg.max_new_tokens, top_p=cfg.top_p)
        try:
            prompts = [task.format_prompt(p, opened.tokenizer) for p in probs]
            live = sample_adaptive(fns, probs, prompts, T, cfg.budget, cal, verifier, Path(cfg.out) / ADAPTIVE_FILE,
                                   cap=live_cap(cfg.budget, cfg.n), seed=cfg.seed, batch_prompts=cfg.batch_prompts,
                                   **knobs)
        finally:
            fns.close()
    block = adaptive_block(group, verifier, cfg.budget, cal, repeats=cfg.adaptive_repeats, level=cfg.level,
                           n_boot=cfg.n_boot, seed=cfg.seed, live=live,
                           cap=live_cap(cfg.budget, cfg.n) if live is not None else None, **knobs)
    write_block(result.out_dir, result.metrics, block)
    return block


def write_block(run_dir: str | Path, metrics: dict, block: dict) -> None:
    """Add ``block`` to the run's metrics.json and its summary to summary.md (atomically)."""
    run_dir = Path(run_dir)
    metrics["adaptive"] = block
    write_json_atomic(run_dir / METRICS_FILE, _json_safe(metrics))
    summary = run_dir / SUMMARY_FILE
    text = summary.read_text() if summary.is_file() else ""
    text = text.split("\n## Adaptive per-prompt budget")[0].rstrip("\n")
    write_text_atomic(summary, text + "\n\n" + format_adaptive(block))


def format_adaptive(block: dict) -> str:
    """The adaptive block as a markdown section: the headline comparison and the sweep table."""
    from bonaware.evaluation.report import markdown_table

    thr = block["calibration"]["threshold"]
    stop = "no early stop" if thr is None else (f"stop at score ≥ {thr:.4g} (val precision ≥ "
                                                f"{block['calibration']['precision']:g})")
    head = (f"Adaptive, mean budget B = {block['budget']} ({block['source']}, T = {block['temperature']:g}, "
            f"[{block['verifier']}], {block['rounds']} rounds, priority {block['priority']}, {stop}; "
            f"calibrated on {block['calibration']['source']}): BoN {block['bon']:.3f} "
            f"[{block['bon_ci'][0]:.3f}, {block['bon_ci'][1]:.3f}] with {block['mean_samples']:.2f} samples per "
            f"prompt vs fixed Bo-{block['budget']} {block['fixed_bon']:.3f} [{block['fixed_bon_ci'][0]:.3f}, "
            f"{block['fixed_bon_ci'][1]:.3f}]; paired difference {block['delta']:+.3f} "
            f"[{block['delta_ci'][0]:+.3f}, {block['delta_ci'][1]:+.3f}]{' *' if block['significant'] else ''}.")
    rows = [[s["budget"], f"{s['mean_samples']:.2f}", f"{s['bon']:.3f} [{s['bon_ci'][0]:.3f}, {s['bon_ci'][1]:.3f}]",
             f"{s['fixed_bon']:.3f}", f"{s['delta']:+.3f} [{s['delta_ci'][0]:+.3f}, {s['delta_ci'][1]:+.3f}]",
             f"{s['tokens_per_prompt']:.1f} / {s['fixed_tokens_per_prompt']:.1f}", f"{s['stopped_early']:.2f}"]
            for s in block["sweep"]]
    return "\n".join(["## Adaptive per-prompt budget", "", head, "",
                      "From the saved pool, for every budget (paired over prompts; tokens include the prompt "
                      "once per round it is sampled in):", ""]
                     + markdown_table(["B", "mean samples", "adaptive BoN [CI]", "fixed Bo-B", "Δ [CI]",
                                       "tokens adaptive / fixed", "stopped early"], rows))


def load_live(path: str | Path, group: TemperatureSamples, verifier: str, cal: Calibration,
              budget: float) -> AdaptiveRun:
    """The live run saved in ``path`` (adaptive_samples.jsonl) as an :class:`AdaptiveRun` over ``group``'s prompts."""
    from bonaware.evaluation.adaptive import picked_correct

    rows: dict[str, list[dict]] = {}
    for row in iter_jsonl(path):
        if abs(float(row["temperature"]) - group.temperature) < 1e-9:
            rows.setdefault(row["problem_id"], []).append(row)
    P = group.num_prompts
    draws, rounds, tokens, acc, best = (np.zeros(P) for _ in range(5))
    for i, pid in enumerate(group.problem_ids):
        mine = sorted(rows.get(pid, []), key=lambda r: r["round"])
        if not mine:
            raise BonawareError(f"{path}: no adaptive samples for problem {pid!r} at T={group.temperature:g}")
        s = [v for r in mine for v in r["scores"][verifier]]
        c = [v for r in mine for v in r["correct"]]
        draws[i], rounds[i], tokens[i] = len(s), len(mine), sum(sum(r["n_tokens"]) for r in mine)
        acc[i], best[i] = picked_correct(s, c), max(s)
    return AdaptiveRun(draws.astype(int), rounds.astype(int), tokens, acc, best >= cal.threshold,
                       int(np.floor(budget * P + 1e-9)))


def recompute_adaptive(run_dir: str | Path, samples: SampleSet, *, level: float = 0.95,
                       n_boot: int = 2000) -> dict | None:
    """The run's adaptive block recomputed from its saved samples (and, for a live run, its
    adaptive_samples.jsonl) with the settings and calibration recorded in metrics.json; None if it has none."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return None
    old = json.loads(path.read_text()).get("adaptive")
    if not old:
        return None
    cal = Calibration.from_dict(old["calibration"])
    group = samples.at(old["temperature"])
    live = None
    if old["source"] == "live":
        live = load_live(Path(run_dir) / ADAPTIVE_FILE, group, old["verifier"], cal, old["budget"])
    return adaptive_block(group, old["verifier"], old["budget"], cal, first_fraction=old["first_fraction"],
                          rounds=old["rounds"], priority=old["priority"], repeats=old["repeats"] or 8, level=level,
                          n_boot=n_boot, seed=old["seed"], live=live, cap=old.get("cap"))


def sample_adaptive(fns: Any, problems: Sequence, prompts: Sequence[str], temperature: float, budget: float,
                    cal: Any, verifier: str, path: str | Path, *, cap: int, first_fraction: float = 0.25,
                    rounds: int = 8, priority: str = "uniform", seed: int = 0, batch_prompts: int = 8) -> AdaptiveRun:
    """Live adaptive sampling in rounds (:func:`bonaware.evaluation.adaptive.run_adaptive`): each round's
    requested samples are drawn from the model, judged and appended to ``path`` as one row per (problem,
    round) — a samples row plus ``round`` and the ``settings`` — so a killed run resumes: the allocation is
    a deterministic function of the samples, and rows already on disk are replayed instead of resampled."""
    from bonaware.io import JsonlAppender

    T = float(temperature)
    settings = {"budget": float(budget), "cap": int(cap), "first_fraction": float(first_fraction),
                "rounds": int(rounds), "priority": priority, "seed": int(seed), "verifier": verifier,
                "calibration": cal.as_dict()}
    with JsonlAppender(path) as out:
        cached = {(r["problem_id"], float(r["temperature"]), int(r["round"])): r for r in out.existing()}

        def draw(req: np.ndarray, rnd: int) -> list[tuple]:
            rows: list[dict | None] = [None] * len(problems)
            todo: dict[int, list[int]] = {}
            for i in np.flatnonzero(req):
                row = cached.get((problems[i].id, T, rnd))
                if row is None:
                    todo.setdefault(int(req[i]), []).append(int(i))
                elif row.get("settings") != settings or len(row["completions"]) != req[i]:
                    raise BonawareError(f"{path} holds adaptive samples drawn with other settings (problem "
                                        f"{problems[i].id}, round {rnd}); use another --out or the same settings")
                else:
                    rows[i] = row
            for m, idx in sorted(todo.items()):
                for c in range(0, len(idx), batch_prompts):
                    chunk = idx[c:c + batch_prompts]
                    sub_seed = int(np.random.SeedSequence([int(seed), round(T * 1e6), rnd, m, c]).generate_state(1)[0])
                    comps = fns.sample([prompts[i] for i in chunk], T, sub_seed, m)
                    texts = [[x.text for x in row] for row in comps]
                    correct, scores, answers = fns.judge([problems[i] for i in chunk], texts)
                    n_prompt = fns.prompt_tokens([prompts[i] for i in chunk])
                    new = [{**make_row(problems[i].id, T, texts[j], correct[j], {k: v[j] for k, v in scores.items()},
                                       answers[j], [len(x.token_ids) for x in comps[j]], n_prompt[j],
                                       [str(x.finish_reason) for x in comps[j]]), "round": rnd, "settings": settings}
                           for j, i in enumerate(chunk)]
                    out.write_many(new)
                    for j, i in enumerate(chunk):
                        rows[i] = new[j]
            empty = ((), (), ())
            return [empty if r is None else (r["scores"][verifier], r["correct"], r["n_tokens"]) for r in rows]

        return run_adaptive(draw, len(problems), budget, cal, cap=cap, first_fraction=first_fraction, rounds=rounds,
                            priority=priority, seed=seed)
