"""The toy's exact expected gradients: equal to the tabular engine, guarded, and ascending."""

import numpy as np
import pytest

from bonaware import tabular as tb
from bonaware.errors import BonawareError
from bonaware.toy import METHODS, ToyConfig, ToyMethod, compile_method, make_prompts, train_method


def _small(**kw):
    base = dict(num_prompts=3, num_candidates=4, num_correct=2, train_n=3, score_levels=3, seed=1)
    return ToyConfig(**{**base, **kw})


@pytest.mark.parametrize("name", list(METHODS))
def test_compiled_gradient_equals_tabular_engine_over_all_tuples(name):
    """Multisets + weights computed once == expected_weighted_score over all K^n ordered tuples (with ties)."""
    cfg = _small()
    prompts = make_prompts(cfg)
    assert len(np.unique(prompts.scores)) <= 3  # ties in the verifier scores
    spec = METHODS[name]
    theta = prompts.logits + np.random.default_rng(0).normal(size=prompts.logits.shape)
    n = cfg.train_n if spec.uses_train_n else 1
    params = spec.params(cfg.train_n)
    want = []
    for p in range(cfg.num_prompts):
        args = (spec.objective, theta[p], prompts.rewards[p], prompts.scores[p], n)
        if spec.expert:
            want.append(sum(prompts.expert[p, e] * tb.expected_weighted_score(
                *args, expert_outcome=e, method="tuples", **params) for e in np.flatnonzero(prompts.expert[p])))
        else:
            want.append(tb.expected_weighted_score(*args, method="tuples", **params))
    np.testing.assert_allclose(compile_method(name, prompts, cfg.train_n)(theta), np.array(want), atol=1e-12)


def test_exact_pass_at_k_gradient_is_the_analytic_gradient():
    cfg = _small(verifier_auc=1.0)
    prompts = make_prompts(cfg)
    theta = prompts.logits + 0.3
    g = compile_method("pass_at_k", prompts, cfg.train_n)(theta)
    np.testing.assert_allclose(g, tb.pass_at_k_grad(theta, prompts.rewards, cfg.train_n), atol=1e-13)
    g = compile_method("bon_at_k", prompts, cfg.train_n)(theta)
    np.testing.assert_allclose(g, tb.bon_at_k_grad(theta, prompts.rewards, prompts.scores, cfg.train_n), atol=1e-13)


def test_index_tie_breaking_is_rejected_in_multiset_mode(monkeypatch):
    bad = ToyMethod("bon_rlb_p", "first", "index tie-break", params=lambda N: {"tie_break": "first"})
    monkeypatch.setitem(METHODS, "bad", bad)
    prompts = make_prompts(_small(verifier_auc=1.0))  # binary scores: ties everywhere
    with pytest.raises(BonawareError, match="not permutation-equivariant"):
        compile_method("bad", prompts, 3)


@pytest.mark.parametrize(("name", "objective"), [("rl", "pass1"), ("pass_at_k", "pass"), ("bon_at_k", "bon")])
def test_exact_gradient_ascent_increases_own_objective_every_step(name, objective):
    cfg = _small(kl_target=None, kl_coef=0.0, lr=0.05, max_grad_norm=0.0, steps=60, score_levels=0)
    hist = train_method(name, make_prompts(cfg), cfg, record_every=1).history[objective]
    assert np.all(np.diff(hist) > 0), np.diff(hist).min()
    assert hist[-1] > hist[0] + 1e-3


def test_kl_budget_controller_reaches_the_target_for_every_method():
    cfg = ToyConfig(num_prompts=4, num_candidates=4, train_n=4, steps=600, kl_target=0.2)
    prompts = make_prompts(cfg)
    for name in ("rl", "sft", "bon_sft", "bon_rlb_p", "pass_at_k"):
        assert train_method(name, prompts, cfg).history["kl"][-1] == pytest.approx(0.2, abs=0.01), name
