"""Local-file tasks (gsm8k, math, mbpp, champ): schema parsing, splits, and errors naming file:line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.tasks.files import read_rows

FIX = Path(__file__).parent.parent / "fixtures"


class ChatTokenizer:
    chat_template = "fake"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        return f"<user>{messages[0]['content']}</user>"


def runs_ok(program: str) -> bool:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=30).returncode == 0


# ---- gsm8k ------------------------------------------------------------------------------------
def test_gsm8k_reads_the_final_number_after_hashes():
    t = get_task("gsm8k", path=str(FIX / "gsm8k.jsonl"))
    ps = t.problems("test")
    assert [p.answer for p in ps] == ["31", "1000", "-5", "45"]
    assert [p.id for p in ps] == ["gsm8k/0", "gsm8k/1", "gsm8k/2", "gsm8k/3"]
    assert t.problems("train") == []
    assert "<<" not in ps[0].meta["solution"] and "####" not in ps[0].meta["solution"]


def test_gsm8k_expert_solution_extracts_to_the_answer():
    t = get_task("gsm8k", path=str(FIX / "gsm8k.jsonl"))
    for p in t.problems():
        assert t.extract_answer(t.expert_solution(p)) == p.answer
    assert t.extract_answer("blah\n#### 1,000") == "1000"


def test_train_path_gives_an_explicit_train_split():
    t = get_task("gsm8k", path=str(FIX / "gsm8k.jsonl"), train_path=str(FIX / "gsm8k_train.jsonl"))
    assert [p.id for p in t.problems("train")] == ["gsm8k/train/0", "gsm8k/train/1"]
    assert len(t.problems("test")) == 4


def test_test_fraction_partitions_by_hash_without_overlap():
    t = get_task("math", path=str(FIX / "math.jsonl"), test_fraction=0.5, split_seed=3)
    train, val, test = ({p.id for p in t.problems(s)} for s in ("train", "val", "test"))
    assert not train & test and not val & test and not train & val and len(train | val | test) == 4
    again = get_task("math", path=str(FIX / "math.jsonl"), test_fraction=0.5, split_seed=3)
    assert {p.id for p in again.problems("test")} == test
    assert len(get_task("math", path=str(FIX / "math.jsonl"), test_fraction=0.0).problems("test")) == 0


def test_val_is_a_hashed_share_of_the_train_file_and_never_touches_test(tmp_path):
    from bonaware.tasks.splits import val_or_train

    rows = [{"question": f"What is {i} + 1?", "answer": f"#### {i + 1}"} for i in range(200)]
    for name in ("train.jsonl", "test.jsonl"):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    t = get_task("gsm8k", path=str(tmp_path / "test.jsonl"), train_path=str(tmp_path / "train.jsonl"))
    train, val, test = (t.problems(s) for s in ("train", "val", "test"))
    assert len(test) == 200 and len(train) + len(val) == 200 and 5 < len(val) < 40  # default share 0.1
    assert all(val_or_train(p.id, 0.1) == "val" for p in val)
    assert not {p.id for p in val} & {p.id for p in train}
    none = get_task("gsm8k", path=str(tmp_path / "test.jsonl"), train_path=str(tmp_path / "train.jsonl"),
                    val_fraction=0.0)
    assert len(none.problems("val")) == 0 and len(none.problems("train")) == 200


@pytest.mark.parametrize(("name", "fixture", "message"), [
    ("gsm8k", "bad_gsm8k_no_hashes.jsonl", r"no_hashes.jsonl:2: field 'answer' must end with '#### "),
    ("gsm8k", "bad_gsm8k_json.jsonl", r"bad_gsm8k_json.jsonl:2: malformed JSON"),
    ("gsm8k", "bad_gsm8k_missing_field.jsonl", r"bad_gsm8k_missing_field.jsonl:2: missing field 'question'"),
    ("math", "bad_math_no_box.jsonl", r"bad_math_no_box.jsonl:2: field 'solution' has no \\boxed"),
    ("mbpp", "bad_mbpp_tests_not_list.jsonl", r"not_list.jsonl:2: field 'test_list' must be a list"),
    ("mbpp", "bad_mbpp_duplicate.jsonl", r"bad_mbpp_duplicate.jsonl:2: duplicate problem id 'mbpp/11'"),
    ("champ", "bad_champ_no_answer.json", r"problems\['P_1'\]: missing field '_raw_answer'"),
])
def test_malformed_files_raise_naming_file_line_and_field(name, fixture, message):
    with pytest.raises(BonawareError, match=message):
        get_task(name, path=str(FIX / fixture)).problems()


@pytest.mark.parametrize("name", ["gsm8k", "math", "mbpp"])
def test_missing_path_is_a_clear_error(name, tmp_path):
    with pytest.raises(BonawareError, match=f"{name}: path= is required"):
        get_task(name)
    with pytest.raises(BonawareError, match="no such file"):
        get_task(name, path=str(tmp_path / "absent.jsonl")).problems()


def test_unsupported_extension_and_bad_options(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(BonawareError, match="unsupported file type"):
        get_task("gsm8k", path=str(tmp_path / "data.csv")).problems()
    with pytest.raises(BonawareError, match="test_fraction"):
        get_task("gsm8k", path="x.jsonl", test_fraction=1.5)
    with pytest.raises(BonawareError, match="not both"):
        get_task("gsm8k", path="x.jsonl", train_path="y.jsonl", test_fraction=0.5)


def test_parquet_and_json_list_files_read_like_jsonl(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import json

    import pyarrow.parquet as pq

    rows = [r for _, r in read_rows(FIX / "gsm8k.jsonl")]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "g.parquet")
    (tmp_path / "g.json").write_text(json.dumps(rows))
    expected = [p.answer for p in get_task("gsm8k", path=str(FIX / "gsm8k.jsonl")).problems()]
    for file in ("g.parquet", "g.json"):
        assert [p.answer for p in get_task("gsm8k", path=str(tmp_path / file)).problems()] == expected
    pq.write_table(pa.Table.from_pylist([{"question": "q", "answer": "no hashes"}]), tmp_path / "b.parquet")
    with pytest.raises(BonawareError, match=r"b.parquet:row 1: field 'answer'"):
        get_task("gsm8k", path=str(tmp_path / "b.parquet")).problems()


def test_line_numbers_count_blank_lines():
    # gsm8k.jsonl has a blank line 3, so its third row is line 4
    assert [w.rsplit(":", 1)[1] for w, _ in read_rows(FIX / "gsm8k.jsonl")] == ["1", "2", "4", "5"]


# ---- math -------------------------------------------------------------------------------------
def test_math_takes_the_boxed_answer_and_level():
    t = get_task("math", path=str(FIX / "math.jsonl"))
    ps = t.problems()
    assert [p.answer for p in ps] == [r"\frac{3}{4}", "4", r"2\sqrt{2}", "3, -3"]
    assert [p.meta["level"] for p in ps] == [1, 2, 3, None]
    assert ps[0].meta["subject"] == "Prealgebra"
    assert t.instruction(ps[1]).endswith(r"put your final answer within \boxed{}.")
    assert t.extract_answer(t.expert_solution(ps[0])) == r"\frac{3}{4}"


def test_math500_format_uses_answer_and_unique_id():
    t = get_task("math", path=str(FIX / "math500.jsonl"))
    ps = t.problems()
    assert [p.id for p in ps][0] == "math/test/prealgebra/1.json"
    assert [p.answer for p in ps] == ["10", r"\frac{1}{2}", "(1,2]"]
    assert ps[2].meta["level"] == 4 and ps[2].meta["subject"] == "Intermediate Algebra"
    # a solution without a box gets the answer appended, boxed
    assert t.extract_answer(t.expert_solution(ps[0])) == "10"
    assert t.extract_answer("so the answer is $\\frac{1}{2}$.") == r"\frac{1}{2}"


# ---- mbpp -------------------------------------------------------------------------------------
def test_mbpp_uses_the_standard_task_id_split_and_paper_prompt():
    t = get_task("mbpp", path=str(FIX / "mbpp.jsonl"))
    assert [p.id for p in t.problems("test")] == ["mbpp/11", "mbpp/12"]
    assert [p.id for p in t.problems("train")] == ["mbpp/3", "mbpp/602"]
    assert [p.id for p in t.problems("val")] == ["mbpp/555"]  # MBPP's own validation ids 511–600
    p = t.problems("test")[0]
    assert p.prompt.startswith("Write a function to reverse the words of a sentence.\n"
                               "Your code should pass these tests:\n\nassert reverse_words")
    assert t.kind == "code" and t.default_verifier == "code"


def test_mbpp_programs_pass_with_the_reference_and_fail_with_a_wrong_answer():
    t = get_task("mbpp", path=str(FIX / "mbpp.jsonl"))
    p11, p12 = t.problems("test")
    assert runs_ok(t.program(p12, t.expert_solution(p12)))                    # needs its setup import
    assert runs_ok(t.program(p11, t.expert_solution(p11, ChatTokenizer())))   # fenced chat answer
    assert not runs_ok(t.program(p11, "def reverse_words(s):\n    return s\n```"))
    hard = get_task("mbpp", path=str(FIX / "mbpp.jsonl"), challenge_tests=True)
    assert "reverse_words('x  y')" in hard.program(p11, "")
    assert t.format_prompt(p11).endswith("```python\n") and t.stop_sequences() == ["```"]


# ---- champ ------------------------------------------------------------------------------------
def test_champ_reads_v0_json_and_strips_concept_markers():
    t = get_task("champ", path=str(FIX / "champ_v0.json"))
    ps = t.problems()
    assert [p.id for p in ps] == ["champ/P_Inequality_1", "champ/P_Number-Theory_2", "champ/P_Sequence_3"]
    assert "@@" not in ps[0].prompt and ps[0].prompt.startswith("For positive reals $a$")
    assert ps[0].answer == "The maximum is $1$."
    assert ps[0].meta["solution"].startswith("By AM-GM") and ps[0].meta["category"] == "Inequality"
    assert t.problems("train") == []
