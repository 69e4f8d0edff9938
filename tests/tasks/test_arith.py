"""The arith task: exact answers, disjoint seeded splits, both prompt styles, robust extraction."""

from collections import Counter

import pytest

from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.tasks.arith import FAMILIES, ArithTask, fact_key


class ChatTokenizer:
    chat_template = "fake"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        assert not tokenize and add_generation_prompt
        return f"<user>{messages[0]['content']}</user><assistant>"


class CharTokenizer:
    chat_template = None


@pytest.fixture(scope="module")
def task():
    return ArithTask(n_test=None, n_val=None)


def test_every_answer_is_the_exact_value_of_its_expression(task):
    for p in task.problems("train")[:3000] + task.problems("test"):
        a = p.meta["operands"]
        expected = {"+": sum(a), "-": a[0] - a[1], "*": a[0] * a[1] if len(a) == 2 else None}[p.meta["op"]]
        assert p.answer == str(expected), p.id
        assert int(p.answer) >= 0


def test_splits_share_no_arithmetic_fact_across_families_even_up_to_commutativity(task):
    splits = {s: task.problems(s) for s in ("train", "val", "test")}
    facts = {s: {fact_key(p.meta["expression"]) for p in ps} for s, ps in splits.items()}
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not facts[a] & facts[b], (a, b)
        assert not {p.id for p in splits[a]} & {p.id for p in splits[b]}
        assert not {p.prompt for p in splits[a]} & {p.prompt for p in splits[b]}
    # together they are exactly the enumerated problem spaces
    assert sum(map(len, splits.values())) == 100 + 1000 + 2304 + 8100 + 4095 + 720


def test_a_fact_asked_by_two_families_lands_in_one_split(task):
    # 7+8 is asked by add1 and by word, 12+34 by add2 and word, 45-23 by sub2 and word
    where = {p.id: s for s in ("train", "val", "test") for p in task.problems(s)}
    for expr, families in (("7+8", ("add1", "word")), ("12+34", ("add2", "word")), ("45-23", ("sub2", "word"))):
        assert len({where[f"arith/{f}/{expr}"] for f in families}) == 1, expr
    commuted = {where["arith/add2/12+34"], where["arith/add2/34+12"], where["arith/word/34+12"]}
    assert len(commuted) == 1
    assert fact_key("4+3") == fact_key("3+4") == "3+4" and fact_key("9-2") == "9-2"


def test_split_is_deterministic_and_depends_on_split_seed_only():
    a = [p.id for p in ArithTask(n_test=50).problems("test")]
    b = [p.id for p in ArithTask(n_test=50, n_train=10).problems("test")]
    c = [p.id for p in ArithTask(n_test=50, split_seed=1).problems("test")]
    assert a == b
    assert a != c
    # n_test only truncates the fixed pool order
    assert a[:20] == [p.id for p in ArithTask(n_test=20).problems("test")]


def test_test_and_val_fractions_are_respected_per_family(task):
    for split, share in (("test", 0.2), ("val", 0.1)):
        counts = Counter(p.meta["family"] for p in task.problems(split))
        assert abs(counts["add2"] / 8100 - share) < 0.03, split
        assert abs(counts["sub2"] / 4095 - share) < 0.03, split


def test_bad_fractions_are_refused_with_the_option_named():
    with pytest.raises(BonawareError, match="val_fraction"):
        ArithTask(val_fraction=-0.1)
    with pytest.raises(BonawareError, match="test_fraction"):
        ArithTask(test_fraction=0.6, val_fraction=0.5)
    with pytest.raises(BonawareError, match="split must be one of train, val, test"):
        ArithTask().problems("dev")


def test_pools_interleave_families_so_prefixes_are_balanced():
    pool = ArithTask(n_train=60).problems("train")
    assert Counter(p.meta["family"] for p in pool) == {f: 10 for f in FAMILIES}
    assert [p.meta["family"] for p in pool[:6]] == list(FAMILIES)


def test_problems_n_is_a_seeded_subset_of_the_pool():
    t = ArithTask(n_test=100)
    pool_ids = [p.id for p in t.problems("test")]
    s0 = [p.id for p in t.problems("test", n=10, seed=0)]
    assert s0 == [p.id for p in t.problems("test", n=10, seed=0)]
    assert s0 != [p.id for p in t.problems("test", n=10, seed=1)]
    assert set(s0) <= set(pool_ids) and len(set(s0)) == 10
    assert len(t.problems("test", n=1000)) == 100


def test_families_option_selects_families():
    t = ArithTask(families="add1,mul21", n_test=None)
    assert {p.meta["family"] for p in t.problems("test")} == {"add1", "mul21"}
    assert {p.meta["difficulty"] for p in t.problems("test")} == {1, 4}


@pytest.mark.parametrize("kwargs", [
    {"families": ["add9"]}, {"families": []}, {"test_fraction": 0.0}, {"n_train": -1}, {"style": "latex"},
])
def test_bad_options_raise_a_clear_error(kwargs):
    with pytest.raises(BonawareError, match="arith"):
        ArithTask(**kwargs)


def test_plain_style_is_compact_and_expert_solution_is_the_answer_line():
    t = ArithTask(style="plain")
    p = t.get_problem("arith/add2/23+45")
    assert t.format_prompt(p) == "23+45="
    assert t.format_prompt(p, ChatTokenizer()) == "23+45="  # explicit style wins
    assert t.expert_solution(p) == "68\n"
    assert t.get_problem("arith/mul21/23*7").meta["plain"] == "23*7="
    word = t.get_problem("arith/word/12-5")
    assert t.format_prompt(word) == word.prompt + "="


def test_chat_style_asks_for_a_number_and_explains():
    t = ArithTask(style="chat")
    p = t.get_problem("arith/add2/23+45")
    assert t.instruction(p) == "What is 23 + 45? Answer with a number."
    assert t.format_prompt(p) == "What is 23 + 45? Answer with a number."
    chat = t.format_prompt(p, ChatTokenizer())
    assert chat == "<user>What is 23 + 45? Answer with a number.</user><assistant>"
    assert t.expert_solution(p) == "23 + 45 = 68. The answer is 68."
    m = t.get_problem("arith/mul21/23*7")
    assert t.instruction(m) == "What is 23 × 7? Answer with a number."
    assert t.expert_solution(m) == "23 × 7 = 161. The answer is 161."


def test_auto_style_follows_the_tokenizer_chat_template():
    t = ArithTask()
    p = t.get_problem("arith/add1/3+4")
    assert t.format_prompt(p, CharTokenizer()) == "3+4="
    assert t.format_prompt(p) == "3+4="
    assert t.expert_solution(p, CharTokenizer()) == "7\n"
    assert t.format_prompt(p, ChatTokenizer()).startswith("<user>What is 3 + 4?")
    assert t.expert_solution(p, ChatTokenizer()) == "3 + 4 = 7. The answer is 7."


@pytest.mark.parametrize("style", ["auto", "chat", "plain"])
def test_expert_solutions_extract_to_the_answer(style, task):
    t = ArithTask(style=style, n_test=300)
    for p in t.problems("test"):
        for tok in (None, ChatTokenizer()):
            assert t.extract_answer(t.expert_solution(p, tok)) == p.answer, (style, p.id)


def test_word_problems_are_stable_and_varied():
    t = ArithTask(families="word", n_test=None)
    ps = t.problems("test")
    assert ArithTask(families="word").get_problem(ps[0].id).prompt == ps[0].prompt
    assert len({p.prompt.split()[0] for p in ps}) >= 5  # several names/templates
    assert all(str(a) in p.prompt for p in ps for a in p.meta["operands"])
    assert all(1 <= int(p.answer) <= 50 for p in ps)


def test_extraction_handles_rambling_chat_answers():
    t = ArithTask(style="chat")
    assert t.extract_answer("1 + 2 equals 3.") == "3"
    assert t.extract_answer("Sure! 17 + 25 = 42. So the answer is 42.") == "42"
    assert t.extract_answer(r"$\boxed{42}$") == "42"
    assert t.extract_answer("I think it's 1,000.") == "1000"
    assert t.extract_answer("no idea") is None


def test_plain_extraction_reads_only_a_bare_first_line():
    t = ArithTask(style="plain")
    assert t.extract_answer("68\n12+3=15\n") == "68"
    assert t.extract_answer("68") == "68"
    assert t.extract_answer("6 8\n") is None
    assert t.extract_answer("The answer is 68") is None


def test_get_problem_rejects_ids_outside_the_space():
    t = ArithTask()
    for bad in ["arith/add1/12+3", "arith/sub2/10-50", "arith/nope/1+1", "HumanEval/0", "arith/add2/1+1"]:
        with pytest.raises(BonawareError, match="arith"):
            t.get_problem(bad)


def test_registry_builds_arith_with_options():
    t = get_task("arith", families=["add1"], n_train=5)
    assert isinstance(t, ArithTask) and len(t.problems("train")) == 5
