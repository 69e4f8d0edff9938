"""The math verifier: exact numbers for arith, math-verify in a pool otherwise, statuses and logging."""

import json
import logging
from pathlib import Path

import pytest

from bonaware.errors import BonawareError
from bonaware.tasks import Problem, get_task
from bonaware.verifiers import get_verifier
from bonaware.verifiers.math import gold_for_parsing

FIX = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def math_task():
    return get_task("math", path=str(FIX / "math500.jsonl"))


@pytest.fixture(scope="module")
def verifier(math_task):
    with get_verifier("math", math_task, workers=1) as v:
        yield v


def test_arith_uses_the_exact_path_without_a_pool():
    task = get_task("arith", style="chat")
    p = task.get_problem("arith/add1/1+2")
    with get_verifier("math", task) as v:
        out = v.score([p], [["1 + 2 equals 3.", "The answer is 4.", "hmm", r"\boxed{3}"]])
        assert v._pool is None
    assert [x.correct for x in out[0]] == [True, False, False, True]
    assert [x.score for x in out[0]] == [1.0, 0.0, 0.0, 1.0]
    assert out[0][2].status == "no_answer"


def test_math_verify_judges_equivalent_forms(verifier, math_task):
    p10, half, interval = math_task.problems()
    out = verifier.score([p10, half, interval], [
        ["so it is $\\boxed{10}$", "The answer is 12."],
        ["$\\boxed{0.5}$", "$\\boxed{\\frac{2}{4}}$"],
        ["$\\boxed{(1, 2]}$", "$\\boxed{[1, 2]}$"],
    ])
    assert [[v.correct for v in row] for row in out] == [[True, False], [True, True], [True, False]]


def test_only_anchored_answers_count_so_stray_numbers_are_not_false_positives(math_task):
    """A rambling sample that happens to contain the gold number is not correct unless it is anchored
    (boxed / "the answer is"); ``anchored=false`` restores math-verify's lenient any-expression parse."""
    p10 = math_task.problems()[0]  # gold 10
    texts = ["we first try x = 10 and then give up", "The answer is 10.", "so it is $\\boxed{10}$"]
    with get_verifier("math", math_task, workers=1) as strict:
        out = strict.score([p10], [texts])[0]
    assert [v.correct for v in out] == [False, True, True] and out[0].status == "no_answer"
    with get_verifier("math", math_task, workers=1, anchored=False) as lenient:
        assert [v.correct for v in lenient.score([p10], [texts])[0]] == [True, True, True]
    with pytest.raises(BonawareError, match="anchored must be true or false"):
        get_verifier("math", math_task, anchored="sometimes")


def test_gold_is_boxed_before_parsing_unless_already_latex():
    assert gold_for_parsing("3, -3") == "$\\boxed{3, -3}$"
    assert gold_for_parsing("$x=2$") == "$x=2$"
    assert gold_for_parsing("\\boxed{5}") == "\\boxed{5}"


def test_failures_get_statuses_counts_and_a_log_file(math_task, tmp_path, caplog):
    bad_gold = Problem(id="x/1", prompt="?", answer="")
    log_path = tmp_path / "fail.jsonl"
    with get_verifier("math", math_task, workers=1, log_path=str(log_path)) as v:
        with caplog.at_level(logging.INFO, logger="bonaware.verifiers.math"):
            out = v.score([math_task.problems()[0], bad_gold], [["no math at all", "$\\boxed{10}$"], ["$1$"]])
        assert [[x.status for x in row] for row in out] == [["no_answer", "ok"], ["gold_parse_error"]]
        assert v.counts == {"ok": 1, "no_answer": 1, "gold_parse_error": 1}
    rows = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [(r["problem_id"], r["status"]) for r in rows] == [("math/test/prealgebra/1.json", "no_answer"),
                                                             ("x/1", "gold_parse_error")]
    assert rows[0]["completion"] == "no math at all"
    assert "1 no_answer, 1 gold_parse_error of 3 completions" in caplog.text


def test_oracle_scores_equal_correctness(math_task):
    with get_verifier("oracle", math_task, workers=1) as v:
        out = v.score(math_task.problems()[:1], [["$\\boxed{10}$", "$\\boxed{11}$"]])
    assert [(x.score, x.correct) for x in out[0]] == [(1.0, True), (0.0, False)]


def test_bad_options_and_mismatched_inputs_raise(math_task, verifier):
    with pytest.raises(BonawareError, match="unknown option"):
        get_verifier("math", math_task, worker=3)
    with pytest.raises(BonawareError, match="2 problems but 1 completion lists"):
        verifier.score(math_task.problems()[:2], [["x"]])
    with pytest.raises(BonawareError, match="needs a task"):
        get_verifier("oracle")
    with pytest.raises(BonawareError, match="unknown verifier 'nope'"):
        get_verifier("nope")
