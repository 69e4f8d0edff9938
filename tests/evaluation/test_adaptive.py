"""Adaptive per-prompt budgets (docs/adaptive.md): calibration, budget and accounting properties, known cases.

The procedure never draws more than ⌊B·P⌋ samples in total nor more than n for one prompt; its
sample and token counts from a saved pool are exact (recounted from the seeded draw order); it is
exactly reproducible; with even allocation and no early stop it *is* fixed Bo-B; with an oracle
verifier on a mix of easy and hard prompts it beats fixed Bo-B at the same mean budget.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonaware.cli.main import main
from bonaware.errors import BonawareError
from bonaware.estimators import bon_at_k_curve
from bonaware.evaluation.adaptive import (
    Calibration,
    adaptive_from_pool,
    calibrate,
    compare_to_fixed,
    gain_values,
    pool_summary,
)
from bonaware.evaluation.adaptive_eval import recompute_adaptive
from bonaware.evaluation.report import load_run


def _pool(seed, P=30, n=16, noise=1.0):
    rng = np.random.default_rng(seed)
    p = rng.beta(0.6, 1.2, P)
    correct = (rng.random((P, n)) < p[:, None]).astype(float)
    scores = np.round(correct * 1.5 + rng.normal(0, noise, (P, n)), 1)  # rounding makes ties
    return scores, correct, rng.integers(1, 9, (P, n)).astype(float)


def test_calibration_threshold_is_the_lowest_score_reaching_the_target_precision():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    correct = np.array([0, 0, 1, 0, 1, 0, 1, 1, 1, 1])
    cal = calibrate(scores, correct, precision=0.8, min_support=2)
    # top-down precision: 1.0 down to 0.7 (4/4), 0.6: 4/5 = 0.8, 0.5: 5/6, 0.4: 5/7 < 0.8, 0.3: 6/8 < 0.8
    assert cal.threshold == pytest.approx(0.5)
    assert np.all(np.diff(cal.q(np.sort(scores))) >= 0) and cal.base_rate == pytest.approx(0.6)
    assert calibrate(scores, correct, precision=None).threshold == math.inf
    assert calibrate(scores, correct, precision=1.0, min_support=5).threshold == math.inf  # only 4 perfect
    back = Calibration.from_dict(json.loads(json.dumps(cal.as_dict())))
    np.testing.assert_array_equal(back.q(scores), cal.q(scores))
    assert back.threshold == cal.threshold


def test_oracle_calibration_stops_each_prompt_at_its_first_correct_sample():
    scores, correct, tokens = _pool(0)
    cal = calibrate(correct, correct, precision=0.99)
    assert cal.threshold == 1.0
    run = adaptive_from_pool(correct, correct, tokens, 4, cal, rounds=16, first_fraction=0.25)
    solved = run.accuracy == 1
    assert np.all(run.stopped == solved)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), P=st.integers(1, 12), n=st.integers(1, 12), frac=st.floats(0.05, 1.0),
       rounds=st.integers(1, 6), first=st.floats(0.0, 1.0), priority=st.sampled_from(["gain", "uniform"]),
       precision=st.sampled_from([None, 0.5, 0.8, 1.0]), repeat=st.integers(0, 3))
def test_adaptive_never_exceeds_the_budget_and_its_accounting_is_exact(seed, P, n, frac, rounds, first, priority,
                                                                         precision, repeat):
    rng = np.random.default_rng(seed)
    correct = (rng.random((P, n)) < rng.random((P, 1))).astype(float)
    scores = np.round(correct + rng.normal(0, 0.7, (P, n)), 1)
    tokens = rng.integers(1, 20, (P, n)).astype(float)
    budget = max(1.0, round(frac * n, 2))
    cal = calibrate(scores, correct, precision=precision, min_support=1)
    run = adaptive_from_pool(scores, correct, tokens, budget, cal, rounds=rounds, first_fraction=first,
                             priority=priority, seed=seed, repeat=repeat)
    assert run.draws.sum() <= math.floor(budget * P + 1e-9) == run.budget_total
    assert np.all((run.draws >= 1) & (run.draws <= n)) and np.all(run.rounds <= rounds)
    # recount from the documented draw order: the first draws[i] items of the seeded permutation
    perm = np.argsort(np.random.default_rng([seed, repeat]).random((P, n)), axis=1)
    for i in range(P):
        idx = perm[i, :run.draws[i]]
        assert run.completion_tokens[i] == tokens[i, idx].sum()
        assert run.scores[i] == list(scores[i, idx]) and run.correct[i] == list(correct[i, idx])
        top = scores[i, idx] == scores[i, idx].max()
        assert run.accuracy[i] == pytest.approx(correct[i, idx][top].mean())
    # budget left over only when every prompt stopped early or is full (or, for "gain", expects no gain)
    if run.draws.sum() < run.budget_total and priority == "uniform":
        assert np.all(run.stopped | (run.draws == n))


def test_gain_is_the_exact_one_step_change_of_the_picks_correctness():
    """Against brute force: a prompt's pick has score b; one more sample is correct w.p. p and its score is drawn
    from the val scores of its kind; the pick changes when the newcomer scores higher."""
    rng = np.random.default_rng(5)
    correct = (rng.random(4000) < 0.3).astype(float)
    scores = correct * 1.2 + rng.normal(0, 1, 4000)
    cal = calibrate(scores, correct)
    for b in (-0.5, 0.4, 1.5):
        for p in (0.1, 0.5):
            c = float(cal.q(b))
            s1, s0 = np.mean(scores[correct == 1] > b), np.mean(scores[correct == 0] > b)
            want = (1 - c) * p * s1 - c * (1 - p) * s0
            g, take = gain_values(np.array([b]), np.array([p]), cal)
            assert g[0] == pytest.approx(want, abs=0.01) and take[0] == pytest.approx(p * s1 + (1 - p) * s0, abs=0.01)
    oracle = calibrate(correct, correct)
    g, take = gain_values(np.array([0.0, 1.0]), np.array([0.3, 0.3]), oracle)
    assert g.tolist() == pytest.approx([0.3, 0.0]) and take.tolist() == pytest.approx([0.3, 0.0])


def test_pool_runs_are_exactly_reproducible():
    scores, correct, tokens = _pool(1)
    cal = calibrate(scores, correct)
    a = adaptive_from_pool(scores, correct, tokens, 6, cal, seed=3, repeat=1)
    b = adaptive_from_pool(scores, correct, tokens, 6, cal, seed=3, repeat=1)
    c = adaptive_from_pool(scores, correct, tokens, 6, cal, seed=3, repeat=2)
    assert a.scores == b.scores and np.array_equal(a.draws, b.draws) and np.array_equal(a.accuracy, b.accuracy)
    assert a.scores != c.scores


def test_even_allocation_without_early_stop_is_fixed_best_of_b():
    scores, correct, tokens = _pool(2, n=8)
    cal = calibrate(scores, correct, precision=None)
    for B in (3, 8):
        run = adaptive_from_pool(scores, correct, tokens, B, cal, priority="uniform", rounds=3)
        assert np.all(run.draws == B)
        one_round = adaptive_from_pool(scores, correct, tokens, B, calibrate(scores, correct), rounds=1)
        assert np.all(one_round.draws == B)  # one round: the whole budget up front, whatever the rule
    full = adaptive_from_pool(scores, correct, tokens, 8, cal, priority="uniform")  # B = n: every sample drawn
    np.testing.assert_allclose(full.accuracy, bon_at_k_curve(scores, correct, [8])[:, 0], atol=1e-12)


def test_adaptive_beats_fixed_best_of_b_on_a_mix_of_easy_and_hard_prompts():
    """Oracle verifier; half the prompts solve with p = 0.9, half with p = 0.15. Fixed Bo-4 spends 4 samples on
    each easy prompt that its first sample already solved; adaptive stops those and gives the rest to the hard ones."""
    rng = np.random.default_rng(4)
    p = np.repeat([0.9, 0.15], 100)
    correct = (rng.random((200, 32)) < p[:, None]).astype(float)
    tokens = np.full(correct.shape, 3.0)
    cal = calibrate(correct, correct, precision=0.99)
    res = pool_summary(correct, correct, tokens, np.full(200, 5.0), 4, cal, repeats=4, rounds=6)
    block = compare_to_fixed(res["accuracy"], res["samples"], res["tokens"], res["stopped"], correct, correct,
                             tokens, np.full(200, 5.0), 4, n_boot=500)
    assert block["mean_samples"] <= 4 and block["delta"] > 0.05 and block["delta_ci"][0] > 0 and block["significant"]
    assert block["fixed_bon"] == pytest.approx(bon_at_k_curve(correct, correct, [4])[:, 0].mean())


def test_bad_budgets_are_clear_errors():
    scores, correct, tokens = _pool(3, n=4)
    cal = calibrate(scores, correct)
    with pytest.raises(BonawareError, match="exceeds the pool's n = 4"):
        adaptive_from_pool(scores, correct, tokens, 5, cal)
    with pytest.raises(BonawareError, match="--adaptive_priority"):
        adaptive_from_pool(scores, correct, tokens, 2, cal, priority="greedy")


def test_eval_cli_adaptive_from_the_pool_and_live_and_the_report_recomputes_it(model_dir, tmp_path, capsys):
    common = [f"--model={model_dir}", "--num_prompts=4", "--n=4", "--temperatures=1.0", "--max_new_tokens=4",
              "--device=cpu", "--n_boot=50", "--verifier=noisy:target_auc=0.9", "--task_args=families=add1",
              "--allocation=adaptive", "--budget=2", "--split=val"]
    assert main(["eval", *common, f"--out={tmp_path / 'pool'}"]) == 0
    assert "## Adaptive per-prompt budget" in capsys.readouterr().out
    block = json.loads((tmp_path / "pool" / "metrics.json").read_text())["adaptive"]
    for key in ("budget", "mean_samples", "bon", "bon_ci", "fixed_bon", "delta", "delta_ci"):
        assert key in block
    assert block["budget"] == 2 and block["mean_samples"] <= 2 and block["source"] == "pool"
    again = recompute_adaptive(tmp_path / "pool", load_run(tmp_path / "pool"), n_boot=50)
    assert again["bon"] == block["bon"] and again["delta_ci"] == block["delta_ci"]
    assert main(["eval", *common, "--adaptive_source=live", f"--out={tmp_path / 'live'}"]) == 0
    live = json.loads((tmp_path / "live" / "metrics.json").read_text())["adaptive"]
    rows = [json.loads(x) for x in (tmp_path / "live" / "adaptive_samples.jsonl").read_text().splitlines()]
    assert live["source"] == "live" and sum(len(r["completions"]) for r in rows) == live["mean_samples"] * 4 <= 8
    again = recompute_adaptive(tmp_path / "live", load_run(tmp_path / "live"), n_boot=50)
    assert again["bon"] == live["bon"] and again["mean_samples"] == live["mean_samples"]
    assert main(["report", str(tmp_path / "live"), f"--out={tmp_path / 'report'}", "--n_boot=50"]) == 0
    md = (tmp_path / "report" / "report.md").read_text()
    assert "## Adaptive per-prompt budgets" in md and "| live | 2 |" in md
    assert (tmp_path / "report" / "adaptive.png").is_file()
    assert main(["eval", *common[:-3], "--budget=3", f"--out={tmp_path / 'x'}"]) == 2
    assert "--budget is for --allocation adaptive" in capsys.readouterr().err
    assert main(["eval", *common[:-2], "--budget=9", f"--out={tmp_path / 'x'}"]) == 2
    assert "--budget must be between 1 and --n = 4" in capsys.readouterr().err
