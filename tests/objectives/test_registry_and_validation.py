"""Registry behaviour and input validation (every bad input raises BonawareError naming the place)."""

import numpy as np
import pytest

from bonaware.errors import BonawareError
from bonaware.objectives import (
    GroupBatch,
    Weights,
    get_objective,
    list_objectives,
    needs_logprob_mask,
    objective_info,
    register_objective,
)

EXPECTED = {
    "pass_at_k",
    "bon_at_k",
    "bon_rlb",
    "bon_rlb_p",
    "bon_sft",
    "bon_rl",
    "bon_rl_v",
    "bon_rl_s",
    "reinforce",
    "rloo",
    "grpo",
    "dr_grpo",
    "star",
    "sft",
    "base_bon_sft",
    "base_all_sft",
    "base_weighted_sft",
    "base_maj_sft",
}


def test_all_methods_are_registered_and_listed_sorted():
    names = list_objectives()
    assert EXPECTED.issubset(names)
    assert names == sorted(names)


def test_unknown_name_error_lists_available_names():
    with pytest.raises(BonawareError, match=r"unknown objective 'bon_rlbp'; available: .*bon_rlb_p"):
        get_objective("bon_rlbp")
    with pytest.raises(BonawareError, match="unknown objective"):
        objective_info("nope")


def test_objective_info_reports_description_needs_and_defaults():
    info = objective_info("bon_sft")
    assert info.needs == ("scores", "expert_scores")
    assert info.params["win_rate"] == "sigmoid" and info.params["lam"] is None
    assert "Lemma 1" in info.description and "E = " in info.doc
    assert objective_info("pass_at_k").params == {"k": 1, "baseline": None}


def test_every_objective_documents_its_expectation():
    for name in list_objectives():
        doc = objective_info(name).doc
        assert ("E[" in doc or "E = " in doc) and objective_info(name).description, name


def test_unknown_parameter_is_rejected_with_accepted_list():
    with pytest.raises(BonawareError, match=r"unknown parameter\(s\) \['kk'\]; accepted: k, baseline"):
        get_objective("pass_at_k")(GroupBatch(rewards=np.ones((1, 2))), kk=2)


def test_missing_batch_field_is_rejected():
    with pytest.raises(BonawareError, match=r"needs GroupBatch field\(s\) \['answers'\]"):
        get_objective("base_maj_sft")(GroupBatch(rewards=np.ones((1, 2))))


def test_non_batch_argument_is_rejected():
    with pytest.raises(BonawareError, match="expects a GroupBatch"):
        get_objective("rloo")(np.ones((1, 2)))


def test_register_objective_rejects_duplicates_and_unknown_fields():
    with pytest.raises(BonawareError, match="already registered"):
        register_objective("rloo", description="x")(lambda batch: None)
    with pytest.raises(BonawareError, match="unknown GroupBatch field"):
        register_objective("x_new", description="x", needs=("logits",))


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"rewards": np.ones(3)}, r"shape \[P, n\].*x\[None, :\]"),
        ({"rewards": np.array([[0.0, np.nan]])}, "NaN/inf"),
        ({"rewards": np.array([[0.0, 0.5]])}, "binary"),
        ({"rewards": np.zeros((0, 3))}, "P >= 1"),
        ({"rewards": np.ones((2, 3)), "scores": np.ones((2, 2))}, "scores has shape"),
        ({"rewards": np.ones((2, 3)), "scores": np.array([[1, 2, np.inf]] * 2)}, "scores contains NaN/inf"),
        ({"rewards": np.ones((2, 3)), "p_fail": np.array([0.5])}, r"p_fail must have shape \(2,\)"),
        ({"rewards": np.ones((2, 3)), "p_fail": np.array([0.5, 1.5])}, r"p_fail must lie in \[0, 1\]"),
        ({"rewards": np.ones((2, 3)), "baseline": np.ones((2, 1))}, r"baseline must have shape \[P\]"),
        ({"rewards": np.ones((2, 3)), "answers": np.ones((3, 2))}, "answers has shape"),
        ({"rewards": [["a", "b"]]}, "must be numeric"),
    ],
)
def test_group_batch_validation(kwargs, msg):
    with pytest.raises(BonawareError, match=msg):
        GroupBatch(**kwargs)


def test_group_batch_converts_to_float64_and_selector_falls_back_to_rewards():
    b = GroupBatch(rewards=[[1, 0]])
    assert b.rewards.dtype == np.float64 and b.selector is b.rewards
    assert (b.num_prompts, b.group_size) == (1, 2)


@pytest.mark.parametrize(
    ("name", "kwargs", "msg"),
    [
        ("pass_at_k", {"k": 3}, "exceeds the group size"),
        ("pass_at_k", {"k": 1.5}, "k must be an integer"),
        ("bon_rlb", {"N": 0}, "N must be an integer >= 1"),
        ("bon_sft", {"N": -1}, "N must be an integer >= 1"),
        ("bon_sft", {"lam": float("nan")}, "lam must be a finite number"),
        ("bon_sft", {"win_rate": "soft"}, "win_rate must be"),
        ("bon_rl", {"tie_break": "random"}, "tie_break must be"),
        ("grpo", {"eps": -1.0}, "eps must lie"),
        ("star", {"normalize": "c"}, "normalize must be"),
    ],
)
def test_bad_parameters_raise(name, kwargs, msg):
    batch = GroupBatch(
        rewards=np.array([[1.0, 0.0]]), scores=np.array([[0.3, 0.1]]), expert_scores=np.array([0.5])
    )
    with pytest.raises(BonawareError, match=msg):
        get_objective(name)(batch, **kwargs)


def test_needs_logprob_mask_marks_nonzero_weights():
    w = Weights(np.array([[0.0, 0.5, -0.0, -1e-300]]))
    assert needs_logprob_mask(w).tolist() == [[False, True, False, True]]
    bon = get_objective("bon_rl_v")(
        GroupBatch(rewards=np.array([[1.0, 0.0, 1.0]]), scores=np.array([[0.1, 0.2, 0.9]])), tie_break="first"
    )
    assert needs_logprob_mask(bon).tolist() == [[False, False, True]]


def test_stats_report_zero_information_fraction():
    R = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    s = get_objective("rloo")(GroupBatch(rewards=R)).stats
    assert s["frac_zero_info_groups"] == 0.5 and s["frac_all_correct"] == 0.25 and s["frac_all_wrong"] == 0.25
    assert s["mean_abs_weight"] == pytest.approx(0.25) and s["frac_nonzero_weight"] == 0.5
