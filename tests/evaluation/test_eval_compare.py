"""Paired comparison of runs on the same prompts; verifier AUC; per-prompt P_fail."""

import numpy as np
import pytest
from eval_synth import synth_rows

from bonaware.errors import BonawareError
from bonaware.estimators import bon_at_k_curve, paired_difference
from bonaware.evaluation.compare import paired_comparison, per_prompt_pfail
from bonaware.evaluation.quality import roc_auc
from bonaware.evaluation.samples import group_rows


def _set(rows):
    return group_rows((r, f"row{i}") for i, r in enumerate(rows))


def test_paired_comparison_is_the_paired_bootstrap_of_matched_per_prompt_curves():
    base = _set(synth_rows(num_prompts=15, n=8, temperatures=(1.0,), seed=1))
    tuned_rows = synth_rows(num_prompts=15, n=8, temperatures=(1.0,), seed=1, shift=0.3)  # same latent prompts, easier
    tuned = _set(tuned_rows[::-1])  # write order must not matter: rows are matched by problem id
    out = paired_comparison({"base": base, "tuned": tuned}, "base", temperature=1.0, metric="bon",
                            verifier="noisy", ks=[1, 4, 8], n_boot=500, seed=3)
    b, t = base.at(1.0), tuned.at(1.0)
    want = paired_difference(bon_at_k_curve(t.scores["noisy"], t.correct, [1, 4, 8]),
                             bon_at_k_curve(b.scores["noisy"], b.correct, [1, 4, 8]), n_boot=500, seed=3)
    np.testing.assert_allclose(out["tuned"]["mean"], want.mean)
    np.testing.assert_allclose(out["tuned"]["lo"], want.lo)
    assert out["tuned"]["ks"] == [1, 4, 8] and out["tuned"]["significant"][0]
    same = paired_comparison({"a": base, "b": base}, "a", temperature=1.0, metric="pass", n_boot=100)
    assert same["b"]["mean"] == [0.0] * 8 and same["b"]["lo"] == [0.0] * 8 and not any(same["b"]["significant"])


def test_paired_comparison_refuses_different_prompt_sets():
    a = _set(synth_rows(num_prompts=5, n=4, temperatures=(1.0,)))
    rows = synth_rows(num_prompts=6, n=4, temperatures=(1.0,))
    b = _set([r for r in rows if r["problem_id"] != "p001"])
    with pytest.raises(BonawareError, match=r"different prompts at T=1: 1 only in a \(e.g. p001\); "
                                            r"1 only in b \(e.g. p005\)"):
        paired_comparison({"a": a, "b": b}, "a", temperature=1.0, metric="pass")
    with pytest.raises(BonawareError, match="baseline 'z' is not one of the runs"):
        paired_comparison({"a": a, "b": b}, "z", temperature=1.0)
    with pytest.raises(BonawareError, match="no samples at temperature 0.5"):
        paired_comparison({"a": a, "b": a}, "a", temperature=0.5)


def test_per_prompt_pfail_counts():
    def rows(correct):
        return _set([{"problem_id": f"q{i}", "temperature": 1.0, "completions": ["x"] * 4, "correct": c,
                      "scores": {}, "answers": [None] * 4, "n_tokens": [1] * 4, "prompt_tokens": 1}
                     for i, c in enumerate(correct)])
    before = rows([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
    after = rows([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]])
    d = per_prompt_pfail(before.at(1.0), after.at(1.0))
    assert d["before"] == [1.0, 0.75, 0.5, 0.0] and d["after"] == [0.75, 0.75, 1.0, 0.0]
    assert (d["easier"], d["harder"], d["same"], d["newly_solved"], d["newly_unsolved"]) == (1, 1, 2, 1, 1)


def test_roc_auc_counts_ties_as_half_and_matches_all_pairs():
    assert roc_auc([0.9, 0.1], [1, 0]) == 1.0
    assert roc_auc([0.5, 0.5], [1, 0]) == 0.5
    assert np.isnan(roc_auc([0.1, 0.2], [1, 1]))
    rng = np.random.default_rng(0)
    s, y = rng.integers(0, 4, 50).astype(float), rng.integers(0, 2, 50)
    pairs = [1.0 if a > b else 0.5 if a == b else 0.0 for a, ya in zip(s, y) for b, yb in zip(s, y) if ya and not yb]
    assert roc_auc(s, y) == pytest.approx(np.mean(pairs))
