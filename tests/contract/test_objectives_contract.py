"""Public objective API on arbitrary valid inputs: finite weights or a BonawareError, nothing else.

tests/objectives checks the objectives' math on bounded, discrete scores; this adds what a trainer
feeds them in practice: real-valued (Gaussian, huge, tied) verifier scores, groups of one sample,
P_fail and baselines at the ends of their ranges, and any registered objective with its defaults or
with any valid parameters (drawn too); invalid parameters (a NaN ``scale``) are clear errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonaware.errors import BonawareError
from bonaware.objectives import GroupBatch, get_objective, list_objectives, objective_info

REAL = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def group_batches(draw):
    P, n = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    cells = P * n
    rewards = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=cells, max_size=cells))).reshape(P, n)
    scores = np.array(draw(st.lists(st.one_of(REAL, st.sampled_from([0.0, 1.0])), min_size=cells,
                                    max_size=cells))).reshape(P, n)
    answers = np.array(draw(st.lists(st.sampled_from(["1", "2", None]), min_size=cells, max_size=cells)),
                       dtype=object).reshape(P, n)
    unit = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0]))
    p_fail = np.array(draw(st.lists(unit, min_size=P, max_size=P)))
    return GroupBatch(rewards=rewards, scores=scores, answers=answers, p_fail=p_fail,
                      baseline=np.array(draw(st.lists(REAL, min_size=P, max_size=P))),
                      expert_scores=np.array(draw(st.lists(REAL, min_size=P, max_size=P))))


def _finite(weights) -> bool:
    parts = [weights.sample] + ([] if weights.expert is None else [weights.expert])
    return all(np.all(np.isfinite(np.asarray(p, dtype=float))) for p in parts) and all(
        np.isfinite(v) for v in weights.stats.values())


@pytest.mark.parametrize("name", list_objectives())
@settings(max_examples=30, deadline=None)
@given(batch=group_batches(), N=st.integers(1, 8))
def test_any_valid_batch_gives_finite_weights_or_a_clear_error(name, batch, N):
    params = {key: N for key in ("N", "k") if key in objective_info(name).params}
    try:
        weights = get_objective(name)(batch, **params)
    except BonawareError:
        return  # a documented refusal (k > n, negative scores for base_weighted_sft, ...) is fine
    assert np.shape(weights.sample) == batch.rewards.shape
    assert _finite(weights), (name, weights)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("field", ["rewards", "scores", "baseline", "p_fail", "expert_scores"])
def test_non_finite_inputs_are_rejected_naming_the_field(field, bad):
    P, n = 2, 3
    values = {"rewards": np.zeros((P, n)), "scores": np.zeros((P, n)), "baseline": np.zeros(P),
              "p_fail": np.full(P, 0.5), "expert_scores": np.zeros(P)}
    values[field] = values[field].copy()
    values[field].flat[1] = bad
    with pytest.raises(BonawareError, match=rf"GroupBatch\.{field} contains NaN/inf"):
        GroupBatch(**values)


@pytest.mark.parametrize("name", ["pass_at_k", "bon_at_k"])
def test_k_above_n_is_rejected(name):
    with pytest.raises(BonawareError, match="k"):
        get_objective(name)(GroupBatch(rewards=np.ones((2, 3))), k=4)


@pytest.mark.parametrize("name", ["bon_rlb", "bon_rlb_p", "bon_sft"])
def test_N_below_one_is_rejected(name):
    batch = GroupBatch(rewards=np.ones((2, 3)), scores=np.ones((2, 3)), expert_scores=np.ones(2))
    with pytest.raises(BonawareError, match="N"):
        get_objective(name)(batch, N=0)


# Valid values of every objective parameter (per objective where the choices differ). A parameter
# that is valid for the batch must never give NaN/inf weights nor be refused as a parameter.
_CHOICES = {
    "win_rate": ["sigmoid", "hard"], "tie_break": ["split", "first"], "grad_form": ["logp", "f"],
    "selector": ["scores", "rewards"], "apply_to": ["bon_sample", "all"], "reward": ["rewards", "scores"],
    "normalize": ["n", "correct"],
}
_BASELINES = {"pass_at_k": [None, "loo", "loo-1"], "bon_at_k": [None, "loo", "loo-1"],
              "reinforce": ["auto", "value", "batch_mean", "none"],
              "bon_rl": ["auto", "value", "batch_loo", "none"], "bon_rl_v": ["auto", "value", "batch_loo", "none"],
              "bon_rl_s": ["auto", "value", "batch_loo", "none"]}


def _valid_params(draw, name: str, n: int) -> dict:
    out = {}
    for key in objective_info(name).params:
        if key in _CHOICES:
            out[key] = draw(st.sampled_from(_CHOICES[key]))
        elif key == "baseline":
            out[key] = draw(st.sampled_from(_BASELINES[name]))
        elif key == "k":
            out[key] = draw(st.integers(1, n))
        elif key == "N":  # BoN-RL judges the best of the group itself: N is the group size there
            out[key] = draw(st.sampled_from([None, n])) if name.startswith("bon_rl_") or name == "bon_rl" \
                else draw(st.one_of(st.none(), st.integers(1, 16)))
        elif key == "lam":
            out[key] = draw(st.one_of(st.none(), st.floats(0, 100)))
        elif key == "scale":
            out[key] = draw(st.floats(1e-6, 1e6))
        elif key == "clip":
            low, high = sorted(draw(st.tuples(st.floats(0, 1), st.floats(0, 1))))
            out[key] = draw(st.sampled_from([None, (low, high)]))
        elif key == "max_weight":
            out[key] = draw(st.one_of(st.none(), st.floats(0, 1e6)))
        elif key == "eps":
            out[key] = draw(st.floats(0, 1))
        elif key == "ddof":
            out[key] = draw(st.integers(0, n - 1))
        else:
            raise AssertionError(f"no strategy for parameter {key!r} of {name}: add one")
    return out


@pytest.mark.parametrize("name", list_objectives())
@settings(max_examples=25, deadline=None)
@given(batch=group_batches(), draw=st.data())
def test_any_valid_parameters_give_finite_weights(name, batch, draw):
    params = _valid_params(draw.draw, name, batch.rewards.shape[1])
    try:
        weights = get_objective(name)(batch, **params)
    except BonawareError as exc:  # only data-dependent refusals (k > n, a missing baseline ...)
        assert not any(str(exc).startswith(f"{key} must") for key in params), (name, params, exc)
        return
    assert np.shape(weights.sample) == batch.rewards.shape
    assert _finite(weights), (name, params, weights)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 0.0, -1.0, "1", True])
@pytest.mark.parametrize("name", ["bon_sft", "bon_rl", "bon_rl_v", "bon_rl_s"])
def test_invalid_scale_is_a_clear_error(name, bad):
    batch = GroupBatch(rewards=np.array([[0.0, 1.0, 1.0]]), scores=np.array([[0.0, 2.0, -1.0]]),
                       expert_scores=np.array([0.5]), baseline=np.zeros(1))
    with pytest.raises(BonawareError, match="scale must be a finite number > 0"):
        get_objective(name)(batch, scale=bad)
