"""Compute efficiency: inference cost per N, the N the base needs to match a tuned model, training cost."""

import math

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.estimators import pass_at_k
from bonaware.evaluation.compute import compute_savings, inference_cost, n_to_match, training_compute
from bonaware.evaluation.samples import TemperatureSamples


def _group(correct, n_tokens=None, prompt_tokens=None, ids=None):
    correct = np.asarray(correct, dtype=float)
    P, n = correct.shape
    return TemperatureSamples(
        temperature=1.0, problem_ids=ids or [f"p{i}" for i in range(P)], correct=correct,
        scores={"oracle": correct.copy()}, answers=[[None] * n for _ in range(P)],
        n_tokens=np.full((P, n), 10.0) if n_tokens is None else np.asarray(n_tokens, dtype=float),
        prompt_tokens=np.full(P, 20.0) if prompt_tokens is None else np.asarray(prompt_tokens, dtype=float),
        completions=[[""] * n for _ in range(P)])


def test_n_to_match_interpolates_linearly_and_reports_unreachable_as_inf():
    curve = np.array([0.1, 0.2, 0.4, 0.5])
    assert n_to_match(curve, 0.3) == pytest.approx(2.5)
    assert n_to_match(curve, 0.05) == 1.0
    assert n_to_match(curve, 0.5) == 4.0
    assert math.isinf(n_to_match(curve, 0.51))
    assert n_to_match([0.2, 0.6, 0.4, 0.7], 0.5) == pytest.approx(1.75)  # first crossing of a bumpy curve


def test_n_to_match_counts_a_target_equal_up_to_round_off_as_reached():
    # the same mean summed in another order (as a bootstrap's matmul does) can land 1 ulp above the
    # curve's own value; the answer must not depend on it (BLAS threading decided it before)
    curve = np.array([0.1, 0.2, 0.30000000000000004 - 2e-17, 0.5])
    assert n_to_match(curve, 0.30000000000000004) == 3.0
    assert n_to_match(curve, 0.3 + 1e-9) > 3.0  # a real difference is still a difference


def test_the_vectorised_bootstrap_of_compute_savings_matches_one_replicate_at_a_time():
    from bonaware.evaluation.compute import _n_to_match_rows
    from bonaware.evaluation.curves import pass_curve

    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.6, 30)
    ids = [f"p{i:02d}" for i in range(30)]  # already in the order compute_savings aligns them in
    base = _group((rng.random((30, 16)) < p[:, None]).astype(float), ids=ids)
    tuned = _group((rng.random((30, 16)) < np.minimum(1, 1.5 * p)[:, None]).astype(float), ids=ids)
    sv = compute_savings(base, tuned, 4, metric="pass", n_boot=40, seed=5)
    # the definition, replicate by replicate: P prompts drawn with replacement, N to match on their mean
    cb, ct = pass_curve(base), pass_curve(tuned, [4])[:, 0]
    draws = np.random.default_rng(5)
    reps = []
    for _ in range(40):
        w = np.bincount(draws.integers(0, 30, 30), minlength=30) / 30
        nm = n_to_match(w @ cb, float(w @ ct), np.arange(1, 17))
        reps.append([nm, (20 + nm * 10) / (20 + 4 * 10)])
    alpha = (1 - 0.95) / 2  # 0.025000000000000022: with 40 replicates the 2nd smallest, as compute_savings has it
    lo, hi = np.quantile(np.array(reps), [alpha, 1 - alpha], axis=0, method="inverted_cdf")
    finite = [None if math.isinf(x) else pytest.approx(x) for x in (lo[0], hi[0], lo[1], hi[1])]
    assert [*sv["n_match_ci"], *sv["savings_ci"]] == finite
    curves = rng.random((50, 6)).cumsum(axis=1)
    targets = rng.uniform(0, 4, 50)
    assert _n_to_match_rows(curves, targets, np.arange(1, 7)).tolist() == [
        n_to_match(c, t) for c, t in zip(curves, targets)]


def test_inference_cost_counts_the_prompt_once_and_every_completion():
    g = _group(np.zeros((2, 4)), n_tokens=[[1, 2, 3, 4], [5, 5, 5, 5]], prompt_tokens=[10, 30])
    cost = inference_cost(g, num_params=100, ks=[1, 4])
    # mean prompt 20; mean completion tokens (2.5 + 5)/2 = 3.75
    assert cost["tokens"] == [20 + 3.75, 20 + 4 * 3.75]
    assert cost["flops"] == [200 * (20 + 3.75), 200 * (20 + 15)]
    assert inference_cost(g)["flops"] is None


def test_compute_savings_on_a_case_with_a_closed_form():
    # base: 1 correct of 64 per prompt → pass@k = k/64 exactly (linear in k, so interpolation is exact);
    # tuned: 4 correct of 64 → its pass@2 is matched by the base at N = 64 · pass_tuned@2
    n, P = 64, 30
    base = _group(np.tile(np.eye(1, n, 0), (P, 1)))
    tuned = _group(np.tile((np.arange(n) < 4).astype(float), (P, 1)))
    target = pass_at_k(n, 4, 2)
    sv = compute_savings(base, tuned, 2, metric="pass", n_boot=200)
    assert sv["tuned_acc"] == pytest.approx(target)
    assert sv["n_match"] == pytest.approx(64 * target)  # 7.81
    # equal token costs (20 prompt + 10 per sample): savings = (20 + 10·N_match)/(20 + 10·2)
    assert sv["savings"] == pytest.approx((20 + 10 * 64 * target) / 40)
    # every prompt is identical, so every bootstrap replicate gives the same answer
    assert sv["n_match_ci"] == [pytest.approx(64 * target)] * 2
    assert sv["cost_unit"] == "tokens"
    sv_flops = compute_savings(base, tuned, 2, metric="pass", n_boot=50, base_params=3, tuned_params=1)
    assert sv_flops["savings"] == pytest.approx(3 * sv["savings"]) and sv_flops["cost_unit"] == "flops"


def test_compute_savings_is_none_when_the_base_never_catches_up():
    base = _group(np.zeros((5, 8)))
    tuned = _group(np.ones((5, 8)))
    sv = compute_savings(base, tuned, 1, metric="bon", verifier="oracle", n_boot=20)
    assert sv["n_match"] is None and sv["savings"] is None and sv["n_match_ci"] == [None, None]


def test_compute_savings_ci_covers_the_point_estimate_on_heterogeneous_prompts():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.5, 40)
    base = _group((rng.random((40, 32)) < p[:, None]).astype(float))
    tuned = _group((rng.random((40, 32)) < np.minimum(1, 1.6 * p)[:, None]).astype(float))
    sv = compute_savings(base, tuned, 4, metric="pass", n_boot=300)
    assert sv["n_match"] > 4 and sv["n_match_ci"][0] <= sv["n_match"] <= sv["n_match_ci"][1]


def test_compute_savings_errors():
    a, b = _group(np.zeros((2, 4))), _group(np.zeros((2, 4)), ids=["p0", "x"])
    with pytest.raises(BonawareError, match="different prompts"):
        compute_savings(a, b, 1, metric="pass")
    with pytest.raises(BonawareError, match="N=5 must be between 1 and the tuned run's n = 4"):
        compute_savings(a, a, 5, metric="pass")


def test_training_compute_reads_metrics_csv(tmp_path):
    assert training_compute(tmp_path) is None
    (tmp_path / "config.json").write_text('{"method": "bon_rlb_p", "n_prime": 8, "steps": 4}')
    (tmp_path / "metrics.csv").write_text("step,loss,tokens_per_s,step_seconds\n2,0.1,100,2\n4,0.2,50,4\n")
    tc = training_compute(tmp_path, num_params=10)
    # logged every 2nd step: each row stands for 2 steps → tokens = 2·(100·2 + 50·4) = 800
    assert tc["tokens"] == 800 and tc["seconds"] == 12 and tc["flops"] == 6 * 10 * 800
    assert tc["method"] == "bon_rlb_p" and tc["steps"] == 4 and tc["tokens_source"] == "tokens_per_s*step_seconds"
    (tmp_path / "metrics.csv").write_text("step,gen_tokens,train_tokens\n1,5,7\n")
    assert training_compute(tmp_path)["tokens"] == 12
    (tmp_path / "metrics.csv").write_text("step,tokens\n1,x\n")
    with pytest.raises(BonawareError, match=r"metrics.csv:2: column 'tokens' is not a number"):
        training_compute(tmp_path)
