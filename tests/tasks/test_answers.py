"""Each answer-extraction rule on its own, then the chain's priority order."""

import pytest

from bonaware.tasks.answers import (
    after_equals,
    after_hashes,
    answer_is,
    bare_first_line,
    extract_number,
    last_boxed,
    last_number,
    normalize_number,
    numbers_equal,
)


@pytest.mark.parametrize(("text", "expected"), [
    (r"so \boxed{42}.", "42"),
    (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
    (r"first \boxed{1} then \boxed{2}", "2"),
    (r"\boxed{a^{2}+{b}}", "a^{2}+{b}"),
    (r"\fbox{7}", "7"),
    (r"$\boxed 5$.", "5"),
    (r"\boxed{3} and an unclosed \boxed{4", "3"),
    ("no box", None),
])
def test_last_boxed_matches_nested_braces_and_takes_the_last_box(text, expected):
    assert last_boxed(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The answer is 68.", "68"),
    ("the final answer is $-3$", "-3"),
    ("Answer: **1,000**", "1,000"),
    (r"The answer is \boxed{12}", "12"),
    ("The answer is 5. No wait, the answer is 6.", "6"),
    ("I don't know the answer.", None),
])
def test_answer_is_reads_the_number_after_the_last_phrase(text, expected):
    assert answer_is(text) == expected


def test_after_hashes_reads_the_gsm8k_answer_line():
    assert after_hashes("Janet has 3.\n#### 1,234\n") == "1,234"
    assert after_hashes("a\n#### 5\nb\n#### 7") == "7"
    assert after_hashes("#### \n") is None
    assert after_hashes("no marker") is None


def test_after_equals_takes_the_number_after_the_last_equals_sign():
    assert after_equals("3 + 5 = 8 apples, after 2 days") == "8"
    assert after_equals("2 + 2 = 4 and 4 + 1 = 5") == "5"
    assert after_equals("x = y") is None


def test_last_number_takes_the_last_not_the_first():
    # environment.md: a first-number rule fails on exactly this sentence
    assert last_number("1 + 2 equals 3.") == "3"
    assert last_number("It costs $1,250.50 total") == "1,250.50"
    assert last_number("version2 has no standalone number") is None
    assert last_number("-7") == "-7"


def test_bare_first_line_accepts_only_a_lone_number():
    assert bare_first_line("68\n12+3=15\n") == "68"
    assert bare_first_line("\n  -4  \nmore") == "-4"
    assert bare_first_line("68 apples\n") is None
    assert bare_first_line("") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("1,000", "1000"), ("68.0", "68"), ("$-3$", "-3"), ("0.50", "0.5"), (".5", "0.5"), ("+4", "4"),
    ("6/8", "3/4"), (r"\frac{2}{4}", "1/2"), (r"-\dfrac{1}{3}", "-1/3"), ("7.", "7"), (r"\text{12}", "12"),
    ("x+1", None), ("1/0", None), (None, None), ("", None),
])
def test_normalize_number_canonicalises_or_refuses(raw, expected):
    assert normalize_number(raw) == expected


def test_numbers_equal_is_exact_value_equality():
    assert numbers_equal("68.0", "68")
    assert numbers_equal("1/2", "0.5")
    assert not numbers_equal("0.333", "1/3")
    assert not numbers_equal("abc", "abc")


@pytest.mark.parametrize(("text", "expected"), [
    ("68\n23+45=68", "68"),                                   # plain format wins first
    (r"6 = 7? The result is \boxed{13}. 13 + 1 = 14", "13"),   # box before later equations
    ("23 + 45 = 68. The answer is 68. (check: 68 - 45 = 23)", "68"),  # answer-is before last '='
    ("Natalia sold 48 + 24 = 72 clips.\n#### 72", "72"),
    ("3 + 5 = 8 apples after 2 days", "8"),                   # '=' before last number
    ("1 + 2 equals 3.", "3"),
    (r"\boxed{x+1} but it is 4", "4"),                        # non-numeric box falls through
    ("no digits here", None),
])
def test_extract_number_applies_rules_in_priority_order(text, expected):
    assert extract_number(text) == expected
