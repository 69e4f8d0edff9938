"""``bonaware advise``: known-answer checks on synthetic pilots (docs/advise.md).

The fit recovers a known law and extrapolates it exactly; the CIs cover the true population accuracy
on simulated pilots (pass@N of Beta-distributed prompts, whose population value is a closed form);
options respect the budget in every unit; P(better) is paired over prompts; bad input is one clear error.
"""

import json

import numpy as np
import pytest
from eval_synth import write_synth
from scipy.special import betaln

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.estimators import pass_at_k_curve
from bonaware.evaluation.advise import Candidate, advise, build_candidates
from bonaware.evaluation.coscaling import coscaling_law, fit_coscaling, refit_coscaling
from bonaware.evaluation.samples import SampleSet, TemperatureSamples
from bonaware.io import write_json_atomic


def _group(correct, scores=None, T=1.0, prompt_tokens=5.0, n_tokens=3.0, ids=None):
    correct = np.asarray(correct, dtype=float)
    P, n = correct.shape
    scores = {"v": correct + 0.0} if scores is None else scores
    return TemperatureSamples(T, ids or [f"p{i:04d}" for i in range(P)], correct, scores, [[None] * n] * P,
                              np.full((P, n), float(n_tokens)), np.full(P, float(prompt_tokens)), [[""] * n] * P)


def _run(*groups, split="val", num_params=1000):
    return SampleSet(None, {g.temperature: g for g in groups}, {"split": split, "num_params": num_params})


def _beta_pilot(rng, P, n, a=0.7, b=1.4):
    p = rng.beta(a, b, P)
    return (rng.random((P, n)) < p[:, None]).astype(float)


def _beta_pass(N, a=0.7, b=1.4):
    """Population pass@N of prompts with success probability p ~ Beta(a, b): 1 − E[(1 − p)^N]."""
    return 1.0 - np.exp(betaln(a, b + N) - betaln(a, b))


def test_refit_agrees_with_curve_fit_on_every_replicate():
    rng = np.random.default_rng(0)
    N = np.arange(8, 33)
    curves = np.clip(coscaling_law(N, -0.9, -0.35)[None, :] + rng.normal(0, 0.01, (40, N.size)), 0, 1)
    start = fit_coscaling(N, curves.mean(axis=0))
    theta = refit_coscaling(N, curves, start)
    for c, (a, b) in zip(curves, theta):
        ref = fit_coscaling(N, c)
        sse = np.sum((coscaling_law(N, a, b) - c) ** 2)
        assert sse <= np.sum((ref.predict(N) - c) ** 2) + 1e-12
        assert a == pytest.approx(ref.a, abs=1e-4) and b == pytest.approx(ref.b, abs=1e-4)


@pytest.mark.parametrize("a, b", [(-1.1, -0.5), (-0.3, -0.2), (-2.0, -0.9)])
def test_fit_on_the_pilot_tail_recovers_a_known_law_and_extrapolates_it_exactly(a, b):
    n, P = 16, 30
    curve = np.tile(coscaling_law(np.arange(1, n + 1), a, b), (P, 1))  # every prompt on the law
    cand = Candidate("r", _group(np.zeros((P, n))), None, curve, np.tile(curve.mean(axis=0), (50, 1)))
    point, boot = cand.predict([4, 16, 32, 64])
    assert cand.fit.a == pytest.approx(a, abs=1e-6) and cand.fit.b == pytest.approx(b, abs=1e-6)
    np.testing.assert_allclose(point, coscaling_law([4, 16, 32, 64], a, b), atol=1e-8)
    np.testing.assert_allclose(boot, np.tile(point, (50, 1)), atol=1e-6)  # no prompt noise: no spread


def test_extrapolated_interval_keeps_the_no_gain_floor_and_the_backtest_miss():
    """A curve that flattens (a quarter of the prompts unsolvable): the law overshoots it, the pilot's own
    backtest sees the overshoot, and the interval beyond n reaches down to the value at n and below the
    law's bootstrap interval by the backtest error."""
    n, P = 16, 40
    p = np.repeat([0.6, 0.2, 0.05, 0.0], P // 4)
    curve = 1 - (1 - p[:, None]) ** np.arange(1, n + 1)[None, :]  # exact per-prompt pass@k
    rng = np.random.default_rng(0)
    boot = np.stack([curve[rng.integers(0, P, P)].mean(axis=0) for _ in range(200)])
    cand = Candidate("r", _group(np.zeros((P, n))), None, curve, boot)
    point, reps, lo, hi = cand.interval([8, 16, 32, 64], alpha=0.025)
    at_n = np.quantile(boot[:, n - 1], 0.025)
    err = cand.backtest(4.0)
    assert err > 0  # the law overshoots a flattening curve, already at 4x on the pilot's first n/4 samples
    assert lo[3] <= at_n and lo[3] <= np.quantile(reps[:, 3], 0.025) - err + 1e-12
    assert hi[3] == pytest.approx(np.quantile(reps[:, 3], 0.975))  # not stretched on the side it did not miss
    np.testing.assert_allclose(lo[:2], np.quantile(boot[:, [7, 15]], 0.025, axis=0))  # inside n: plain bootstrap
    truth = (1 - (1 - p) ** 64).mean()
    assert lo[3] <= truth <= hi[3] and point[3] > truth


def test_ci_covers_the_population_accuracy_on_simulated_pilots():
    """95% CIs of pass@N from pilots of 128 Beta prompts x 16 samples, inside n (N = 8, 16) and extrapolated
    2x and 3x (N = 32, 48): coverage over 60 independent pilots against the closed-form population value."""
    rng = np.random.default_rng(7)
    Ns, hits = [8, 16, 32, 48], np.zeros(4)
    reps = 60
    for r in range(reps):
        runs = {"m": _run(_group(_beta_pilot(rng, 128, 16)))}
        adv = advise(runs, 48, metric="pass", n_boot=300, seed=r)
        by_n = {o["n"]: o for o in adv["options"]}
        for j, N in enumerate(Ns):
            lo, hi = by_n[N]["ci"]
            hits[j] += lo <= _beta_pass(N) <= hi
            assert by_n[N]["extrapolated"] == (N > 16)
    coverage = hits / reps
    assert coverage.min() >= 0.85, coverage


def test_options_fit_the_budget_in_samples_tokens_and_flops():
    rng = np.random.default_rng(1)
    g = _group(_beta_pilot(rng, 20, 8), prompt_tokens=10.0, n_tokens=4.0)
    runs = {"m": _run(g, num_params=500)}
    for unit, budget, n_max in [("samples", 12.5, 12), ("tokens", 10 + 4 * 12 + 1, 12), ("flops", 2 * 500 * 58, 12)]:
        adv = advise(runs, budget, budget_unit=unit, metric="pass", n_boot=50)
        assert max(o["n"] for o in adv["options"]) == n_max
        assert all(o["cost"] <= budget + 1e-9 for o in adv["options"])
    with pytest.raises(BonawareError, match="no option fits the budget"):
        advise(runs, 12.0, budget_unit="tokens", metric="pass", n_boot=50)  # the prompt alone costs 10
    adv = advise(runs, 100, metric="pass", n_boot=50)
    assert max(o["n"] for o in adv["options"]) == 32 and any("predictions stop at 4 x" in w for w in adv["warnings"])


def test_recommendation_is_the_best_option_and_p_better_is_paired_over_prompts():
    rng = np.random.default_rng(2)
    base = _beta_pilot(rng, 60, 8)
    better = np.maximum(base, (rng.random(base.shape) < 0.03).astype(float))  # the same prompts, never worse
    runs = {"base": _run(_group(base)), "better": _run(_group(better))}
    adv = advise(runs, 4, metric="pass", n_boot=400)
    rec, ru = adv["recommendation"], adv["runner_up"]
    assert (rec["run"], rec["n"]) == ("better", 4) and ru["run"] == "base" and ru["n"] == 4
    assert rec["predicted"] == max(o["predicted"] for o in adv["options"])
    # paired: 'better' wins on every resample of the prompts; unpaired CIs would overlap
    assert adv["p_better"] == 1.0 and rec["ci"][0] < ru["ci"][1]
    assert [o["predicted"] for o in adv["options"]] == sorted((o["predicted"] for o in adv["options"]), reverse=True)


def test_pilots_on_different_prompts_are_a_clear_error():
    rng = np.random.default_rng(3)
    a = _group(_beta_pilot(rng, 10, 4))
    b = _group(_beta_pilot(rng, 10, 4), ids=[f"q{i}" for i in range(10)])
    with pytest.raises(BonawareError, match="paired over the same prompts.*--split val"):
        build_candidates({"a": _run(a), "b": _run(b)}, metric="pass", verifier=None, n_boot=10, seed=0)
    with pytest.raises(BonawareError, match="not in every pilot run"):
        advise({"a": _run(a)}, 4, metric="bon", verifier="nope")


def test_cli_writes_advice_json_md_and_frontier_plot_in_a_named_default_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name, shift in [("base", 0.0), ("tuned", 0.1)]:
        write_synth(tmp_path / name / "samples.jsonl", num_prompts=16, n=8, temperatures=(0.5, 1.0), shift=shift,
                    seed=4)
        write_json_atomic(tmp_path / name / "run.json", {"name": name, "split": "val", "num_params": 100})
    assert main(["advise", "base", "tuned", "--budget", "16", "--n_boot", "100"]) == 0
    out = capsys.readouterr().out
    assert "Recommendation:" in out and "new prompts from the same task distribution" in out
    assert "advice written to runs/advise/bon_16samples/" in out
    folder = tmp_path / "runs" / "advise" / "bon_16samples"
    adv = json.loads((folder / "advice.json").read_text())
    rec = adv["recommendation"]
    assert {"run", "n", "temperature", "predicted", "ci", "extrapolated"} <= set(rec) and rec["extrapolated"]
    assert len(rec["ci"]) == 2 and rec["ci"][0] <= rec["predicted"] <= rec["ci"][1]
    assert adv["options"] and 0 <= adv["p_better"] <= 1 and (folder / "frontier.png").stat().st_size > 1000
    assert "| run | T | N |" in (folder / "advice.md").read_text()
    assert main(["advise", "--budget", "4"]) == 2
    assert "give at least one pilot run folder" in capsys.readouterr().err


def test_pilots_not_on_val_are_flagged():
    rng = np.random.default_rng(5)
    adv = advise({"m": _run(_group(_beta_pilot(rng, 10, 4)), split="test")}, 4, metric="pass", n_boot=20)
    assert any("keep test for the final number" in w for w in adv["warnings"])


def test_bon_metric_uses_the_verifier_and_matches_the_estimator_inside_n():
    rng = np.random.default_rng(6)
    correct = _beta_pilot(rng, 25, 8)
    g = _group(correct, scores={"v": correct + rng.normal(0, 1.0, correct.shape)})
    adv = advise({"m": _run(g)}, 8, metric="bon", n_boot=50)
    assert adv["verifier"] == "v"
    from bonaware.estimators import bon_at_k_curve

    want = bon_at_k_curve(g.scores["v"], correct, [8])[:, 0].mean()
    got = next(o for o in adv["options"] if o["n"] == 8)["predicted"]
    assert got == pytest.approx(want, abs=1e-12)
    assert pass_at_k_curve(8, correct.sum(axis=1).astype(int), [8]).mean() >= got
