"""Every number in metrics.json is recomputable from samples.jsonl with the documented estimators.

The recomputation reads the raw JSONL itself (not bonaware.evaluation.samples) and calls the
estimators directly, or brute force (ROC-AUC over all pairs, Levenshtein by the textbook DP,
per-prompt optimum by loops), so a bug in the evaluation package cannot cancel out.
"""

import json
import math
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from eval_synth import write_synth

from bonaware.estimators import bon_at_k_curve, bootstrap_ci, maj_at_k_curve, pass_at_k_curve
from bonaware.evaluation.coscaling import coscaling_law
from bonaware.evaluation.metrics import METRICS_FILE, SUMMARY_FILE, write_metrics
from bonaware.evaluation.samples import load_samples


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _ngram_set(text, n=2):
    w = ["<s>"] + text.split() + ["</s>"]
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    # n = 12 gives every prompt 66 pairs, fewer than the 256-pair cap: diversity is all-pairs here
    write_synth(d / "samples.jsonl", num_prompts=9, n=12, temperatures=(0.4, 1.0, 1.6), seed=5)
    write_metrics(load_samples(d, meta={"num_params": 1000}), d, n_boot=300, seed=7)
    rows = [json.loads(line) for line in (d / "samples.jsonl").read_text().splitlines()]
    return d, json.loads((d / METRICS_FILE).read_text()), rows


def _close(got, want, tol=1e-9):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


def test_every_curve_and_interval_is_recomputable_from_the_samples(run):
    d, m, rows = run
    assert m["level"] == 0.95 and m["n_boot"] == 300 and m["seed"] == 7
    box = {"level": m["level"], "n_boot": m["n_boot"], "seed": m["seed"]}
    assert set(m["per_temperature"]) == {"0.4", "1", "1.6"}
    for key, e in m["per_temperature"].items():
        rs = sorted((r for r in rows if f"{r['temperature']:g}" == key), key=lambda r: r["problem_id"])
        R = np.array([r["correct"] for r in rs])
        n = R.shape[1]
        assert e["n"] == n and e["num_prompts"] == len(rs) and e["ks"] == list(range(1, n + 1))
        checks = {"pass": pass_at_k_curve(n, R.sum(axis=1)),
                  "maj": maj_at_k_curve([r["answers"] for r in rs], R, seed=m["seed"]).value,
                  "p_fail": 1.0 - R.mean(axis=1)}
        for v in ("noisy", "oracle"):
            checks[("bon", v)] = bon_at_k_curve(np.array([r["scores"][v] for r in rs]), R)
        for name, values in checks.items():
            got = e[name[0]][name[1]] if isinstance(name, tuple) else e[name]
            ci = bootstrap_ci(values, **box)
            for field, want in zip(("mean", "lo", "hi"), ci):
                _close(got[field], want)
        # pass@n is 1 exactly where some sample is correct; k = 1 is the mean correctness everywhere
        assert e["pass"]["mean"][0] == pytest.approx(R.mean())
        assert e["pass"]["mean"][-1] == pytest.approx(R.max(axis=1).mean())
        # inference cost: prompt once + k × mean completion tokens, FLOPs = 2 · params · tokens
        tok = np.array([r["n_tokens"] for r in rs], dtype=float)
        pt = np.array([r["prompt_tokens"] for r in rs], dtype=float)
        want_tokens = [np.mean(pt + k * tok.mean(axis=1)) for k in range(1, n + 1)]
        _close(e["cost"]["tokens"], want_tokens)
        _close(e["cost"]["flops"], 2000.0 * np.array(want_tokens))


def test_verifier_auc_and_diversity_are_recomputable_by_brute_force(run):
    _, m, rows = run
    for key, e in m["per_temperature"].items():
        rs = sorted((r for r in rows if f"{r['temperature']:g}" == key), key=lambda r: r["problem_id"])
        pos = [(s, c) for r in rs for s, c in zip(r["scores"]["noisy"], r["correct"])]
        wins = [(1.0 if a > b else 0.5 if a == b else 0.0) for a, ca in pos for b, cb in pos if ca == 1 and cb == 0]
        assert e["verifier_auc"]["noisy"]["pooled_auc"] == pytest.approx(np.mean(wins))
        per = {"distinct_answers": [], "answer_entropy": [], "ngram_diversity": [], "edit_diversity": []}
        for r in rs:
            answers = [a for a in r["answers"] if a is not None]
            counts = np.array(list(Counter(answers).values()), dtype=float)
            p = counts / counts.sum() if counts.size else counts
            per["distinct_answers"].append(len(set(answers)))
            per["answer_entropy"].append(float(-(p * np.log2(p)).sum()))
            pairs = list(combinations(r["completions"], 2))
            per["ngram_diversity"].append(np.mean([1 - len(_ngram_set(a) & _ngram_set(b)) / len(_ngram_set(a) |
                                                                                               _ngram_set(b))
                                                   for a, b in pairs]))
            per["edit_diversity"].append(np.mean([_lev(a, b) / max(len(a), len(b), 1) for a, b in pairs]))
        for name, values in per.items():
            ci = bootstrap_ci(np.array(values, dtype=float), level=m["level"], n_boot=m["n_boot"], seed=m["seed"])
            _close([e["diversity"][name][f] for f in ("mean", "lo", "hi")], list(ci))


def test_coscaling_entries_are_consistent_with_the_curves(run):
    _, m, rows = run
    temps = sorted({r["temperature"] for r in rows})
    for metric, co in m["coscaling"].items():
        means = {}
        for key, fit in co["fits"].items():
            e = m["per_temperature"][key]
            y = np.array(e["pass"]["mean"] if metric == "pass" else e["maj"]["mean"] if metric == "maj"
                         else e["bon"][metric.split(":", 1)[1]]["mean"])
            means[key] = y
            N = np.arange(1, y.size + 1)
            pred = coscaling_law(N, fit["a"], fit["b"])
            assert fit["r2"] == pytest.approx(1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))
            assert fit["a"] <= 0
            ex = co["extrapolation"][key]
            held = ex["fit_max_n"] < N
            err = coscaling_law(N[held], ex["fit"]["a"], ex["fit"]["b"]) - y[held]
            assert ex["fit_max_n"] == 3 and ex["mae"] == pytest.approx(np.abs(err).mean())
        table = np.stack([means[f"{t:g}"] for t in temps])
        assert co["optimal_T"]["empirical_T"] == [temps[i] for i in table.argmax(axis=0)]
        # per-prompt optimum by loops over the grid: max accuracy, then smallest N, then lowest T
        pp = co["per_prompt"]
        for i, pid in enumerate(pp["problem_ids"]):
            best, arg = -1.0, None
            for k in range(1, 13):
                for t in temps:
                    r = next(r for r in rows if r["problem_id"] == pid and r["temperature"] == t)
                    R = np.array(r["correct"])
                    if metric == "pass":
                        v = pass_at_k_curve(12, R.sum(), [k])[0]
                    elif metric == "maj":
                        v = maj_at_k_curve(r["answers"], R, [k], seed=m["seed"]).value[0]
                    else:
                        v = bon_at_k_curve(np.array(r["scores"][metric.split(":", 1)[1]]), R, [k])[0]
                    if v > best + 1e-9:
                        best, arg = v, (k, t)
            assert (pp["N_star"][i], pp["T_star"][i]) == arg and pp["best"][i] == pytest.approx(best)


def test_summary_markdown_shows_the_metrics_values(run):
    d, m, _ = run
    text = (d / SUMMARY_FILE).read_text()
    e = m["per_temperature"]["1"]
    assert "## T = 1  (9 prompts × n = 12)" in text
    s = e["pass"]
    assert f"| pass@k | {s['mean'][0]:.3f} [{s['lo'][0]:.3f}, {s['hi'][0]:.3f}]" in text
    assert math.isclose(m["meta"]["num_params"], 1000)


def test_too_few_samples_for_a_coscaling_fit_is_recorded_not_an_error(tmp_path):
    write_synth(tmp_path / "samples.jsonl", num_prompts=3, n=2, temperatures=(1.0,))
    m = write_metrics(load_samples(tmp_path), tmp_path, n_boot=20)
    assert m["coscaling"]["pass"] == {"skipped": "co-scaling needs n ≥ 3 samples per prompt, have n = 2"}
    R = load_samples(tmp_path).at(1.0).correct
    assert m["per_temperature"]["1"]["pass"]["mean"] == pytest.approx([R.mean(), R.max(axis=1).mean()])
