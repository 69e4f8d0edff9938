"""pyfunc: generated programming-by-example problems, split by function, judged like HumanEval."""

import random
from collections import Counter
from dataclasses import replace

import pytest
from fake_chat import ChatTokenizer

from bonaware.errors import BonawareError
from bonaware.tasks import get_task
from bonaware.tasks.humaneval import HUMANEVAL_STOP
from bonaware.tasks.pyfunc_space import FAMILIES, N_SHOWN, _bodies, fingerprint, space
from bonaware.verifiers import get_verifier
from bonaware.verifiers.base import Verdict
from bonaware.verifiers.pyfunc import known_verdict, literal_cases


@pytest.fixture(scope="module")
def task():
    return get_task("pyfunc")


@pytest.fixture(scope="module")
def pools(task):
    return {split: task.problems(split) for split in ("train", "val", "test")}


def run_in_process(program: str) -> bool:
    """Run bonaware's *own* expert program (never a model's) and say whether it passed."""
    try:
        exec(compile(program, "<expert>", "exec"), {})  # noqa: S102
    except AssertionError:
        return False
    return True


def sample(pools, per_family, seed=0):
    rng = random.Random(seed)
    out = []
    for split in pools.values():
        by_family = {}
        for p in split:
            by_family.setdefault(p.meta["family"], []).append(p)
        for items in by_family.values():
            out += rng.sample(items, min(per_family, len(items)))
    return out


def test_splits_are_disjoint_by_function_behaviour_and_cover_the_space(task, pools):
    behaviours = {s: {fingerprint(p.meta["family"], p.meta["body"]) for p in ps} for s, ps in pools.items()}
    assert not behaviours["train"] & behaviours["val"]
    assert not behaviours["train"] & behaviours["test"]
    assert not behaviours["val"] & behaviours["test"]
    assert sum(map(len, pools.values())) == sum(len(b) for b in space().values())
    sizes = {s: len(ps) for s, ps in pools.items()}
    assert 0.15 < sizes["test"] / sum(sizes.values()) < 0.25 and 0.15 < sizes["val"] / sum(sizes.values()) < 0.25
    for split in ("val", "test"):
        assert set(Counter(p.meta["family"] for p in pools[split])) == set(FAMILIES)


def test_spellings_with_one_behaviour_are_one_function_across_families():
    kept = [fingerprint(f, b) for f, bodies in space().items() for b in bodies]
    assert len(kept) == len(set(kept))
    dropped = [(f, b) for f in FAMILIES for b in _bodies(f) if b not in space()[f]]
    assert ("string", "s*2") in dropped  # s+s says the same
    assert ("cond", "3 if x<3 else x") in dropped  # max(x, 3) (nonlin) says the same


def test_split_does_not_depend_on_pool_sizes_or_families_and_moves_with_the_seed(pools):
    small = get_task("pyfunc", families="affine,cond", n_val=10)
    assert [p.id for p in small.problems("val")] == [p.id for p in pools["val"]
                                                     if p.meta["family"] in ("affine", "cond")][:10]
    other = get_task("pyfunc", split_seed=1)
    assert {p.id for p in other.problems("test")} != {p.id for p in pools["test"]}


def test_pools_interleave_families_so_a_prefix_is_balanced(pools):
    first = Counter(p.meta["family"] for p in pools["val"][:60])
    assert set(first.values()) == {10}


def test_every_expert_solution_passes_its_hidden_tests_and_the_tests_check_more_than_the_examples(task, pools):
    for problem in [p for ps in pools.values() for p in ps]:
        assert run_in_process(task.program(problem, task.expert_solution(problem))), problem.id
        shown = len(problem.meta["public_tests"])
        assert shown == N_SHOWN[problem.meta["family"]]
        assert problem.meta["test"].count("assert candidate(") >= shown + 6
        assert all(line in problem.meta["test"] for line in problem.meta["public_tests"])


def test_the_code_verifier_judges_pyfunc_exactly_like_humaneval(task, pools):
    chosen = sample(pools, per_family=1)
    wrong = " return 0\n"
    with get_verifier("code", task) as code:
        verdicts = code.score(chosen, [[task.expert_solution(p), wrong, " return (\n"] for p in chosen])
    for p, (good, bad, broken) in zip(chosen, verdicts):
        assert good == Verdict(1.0, True, "passed"), p.id
        assert not bad.correct and bad.status in ("failed", "error"), p.id
        assert broken.status == "error", p.id


def test_a_body_that_only_fits_the_shown_examples_fails_the_hidden_tests(task):
    p = task.get_problem("pyfunc/affine/2*x+3")
    table = {args[0]: out for args, out in literal_cases(p.meta["test"])[:N_SHOWN["affine"]]}
    lookup = f" return {table!r}[x]\n"
    with get_verifier("public_tests", task) as verifier:
        (v,), = verifier.score([p], [[lookup]])
    assert v.score == 1.0 and not v.correct and v.status == "error"  # KeyError on a hidden input


def test_ids_round_trip_through_get_problem(task, pools):
    for p in sample(pools, per_family=5):
        assert task.get_problem(p.id) == p
    assert task.get_problem("pyfunc/string/s[::-1]").meta["body"] == "s[::-1]"
    variant = task.get_problem("pyfunc/affine/2*x+3#4")
    assert variant.id.endswith("#4") and variant.prompt != task.get_problem("pyfunc/affine/2*x+3").prompt
    for bad in ("pyfunc/affine/x*2+3", "pyfunc/nope/x", "arith/add1/1+2", "pyfunc/string/s*2"):
        with pytest.raises(BonawareError, match="unknown problem id"):
            task.get_problem(bad)


def test_plain_and_chat_formats(task):
    p = task.get_problem("pyfunc/list/sum(xs)")
    assert task.format_prompt(p) == p.prompt and p.prompt.startswith("def f(xs):\n \"f([")
    assert task.expert_solution(p) == " return sum(xs)\n"
    assert task.stop_sequences() == HUMANEVAL_STOP and task.stop_sequences(ChatTokenizer()) == []
    chat_prompt = task.format_prompt(p, ChatTokenizer())
    assert chat_prompt.startswith("<user>Complete the following Python function")
    assert task.pretty_header(p) in chat_prompt and '    """f([' in task.pretty_header(p)
    chat = task.expert_solution(p, ChatTokenizer())
    assert chat.startswith("```python\ndef f(xs):") and run_in_process(task.program(p, "Sure:\n" + chat))
    assert not run_in_process(task.program(p, " return max(xs)\n"))


def test_cond_examples_straddle_the_threshold_and_the_tests_pin_it(task, pools):
    for p in [q for q in pools["val"] if q.meta["family"] == "cond"][:40]:
        c = int(p.meta["body"].split("x<")[1].split()[0])
        shown = [args[0] for args, _ in literal_cases(p.meta["test"])[:4]]
        assert min(shown) < c <= max(shown)
        tested = {args[0] for args, _ in literal_cases(p.meta["test"])}
        assert {c - 1, c} <= tested


def test_string_examples_contain_the_letter_the_function_names(task):
    p = task.get_problem("pyfunc/string/s.count('g')")
    assert sum("g" in line.split("==")[0] for line in p.meta["public_tests"]) >= 2


def test_bad_options_are_clear_errors():
    with pytest.raises(BonawareError, match="families"):
        get_task("pyfunc", families="affine,nope")
    with pytest.raises(BonawareError, match="style"):
        get_task("pyfunc", style="fancy")
    with pytest.raises(BonawareError, match="n_val"):
        get_task("pyfunc", n_val=-1)


# ---- the fast path of the task's checker (verifiers/pyfunc.py) -------------------------------------

def test_known_bodies_get_exactly_the_sandbox_verdict(task, pools):
    chosen = sample({"val": pools["val"]}, per_family=2, seed=1)
    rng = random.Random(0)
    completions = []
    for p in chosen:
        family = p.meta["family"]
        same_signature = [b for f in FAMILIES if FAMILIES[f][1] == FAMILIES[family][1] for b in space()[f]]
        completions.append([task.expert_solution(p)] + [f" return {b}\n" for b in rng.sample(same_signature, 3)])
    with get_verifier("code", task) as code:
        sandbox = code.score(chosen, completions)
    fast = [[known_verdict(p, c) for c in row] for p, row in zip(chosen, completions)]
    assert fast == sandbox
    assert any(not v.correct for row in fast for v in row)


def test_known_verdict_reports_an_exception_as_error_and_leaves_unknown_text_to_the_sandbox(task):
    p = task.get_problem("pyfunc/string/s[0]")
    with_test = lambda line: replace(p, meta={**p.meta, "test": f"def check(candidate):\n    {line}\n"})  # noqa: E731
    raising = with_test("assert candidate('') == 'a'")
    assert known_verdict(raising, " return s[0]\n") == Verdict(0.0, False, "error")
    for unknown in (" return s[0] # hi\n", "  return s[0]\n", " return s[0]\n    x = 1\n", "```python\nx\n```",
                    " return __import__('os').getcwd()\n"):
        assert known_verdict(p, unknown) is None
    not_literal = with_test("assert candidate(len('ab')) == 'a'")
    assert known_verdict(not_literal, " return s[0]\n") is None


def test_pyfunc_verifier_mixes_fast_and_sandbox_verdicts_in_place(task):
    p, q = task.get_problem("pyfunc/affine/2*x+3"), task.get_problem("pyfunc/string/s[::-1]")
    rows = [[task.expert_solution(p), " y = 2*x\n return y+3\n", " return x\n"],
            [" return ''.join(reversed(s))\n", task.expert_solution(q)]]
    with get_verifier("pyfunc", task) as fast, get_verifier("pyfunc", task, fast=False) as slow:
        assert [[v.correct for v in row] for row in fast.score([p, q], rows)] == [[True, True, False], [True, True]]
        assert (fast.known, fast.sandboxed) == (3, 2)
        assert slow.score([p, q], rows) == fast.score([p, q], rows) and slow.known == 0
    assert task.default_verifier == "pyfunc"


def test_public_tests_score_is_the_share_of_shown_examples_passed(task):
    p = task.get_problem("pyfunc/affine/2*x+3")
    cases = literal_cases(p.meta["test"])
    two_of_three = f" return 2*x+3 if x != {cases[1][0][0]} else 0\n"  # wrong on the second example
    rows = [[task.expert_solution(p), " return 0\n", two_of_three]]
    with get_verifier("public_tests", task) as share, get_verifier("public_tests", task, mode="all") as all_:
        s = share.score([p], rows)[0]
        a = all_.score([p], rows)[0]
    assert [v.score for v in s] == [1.0, 0.0, pytest.approx(2 / 3)]
    assert [v.score for v in a] == [1.0, 0.0, 0.0]
    assert [v.correct for v in s] == [True, False, False]


def test_public_tests_verifier_needs_public_tests():
    humaneval = get_task("humaneval")
    with get_verifier("public_tests", humaneval) as v, pytest.raises(BonawareError, match="public_tests"):
        v.score(humaneval.problems()[:1], [["    return 1\n"]])
    with pytest.raises(BonawareError, match="mode"):
        get_verifier("public_tests", humaneval, mode="most")
