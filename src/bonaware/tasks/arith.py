"""``arith``: generated arithmetic and one-step word problems with exact integer answers.

The embedded default task: it needs no data files, its answers are exact integers, and its families
span the difficulty range where Best-of-N matters for small models (environment.md: SmolLM2-135M
pass@1 0.05–0.18, pass@16 0.34–0.96).

Families (``meta["family"]``, with a rough ``meta["difficulty"]`` level):

=========  ==========================================  =====  ========
family     problem                                     level  size
=========  ==========================================  =====  ========
``add1``   1-digit + 1-digit (0–9)                     1      100
``add3``   three 1-digit terms                         2      1000
``word``   one-step add/sub story, numbers ≤ 50        2      2304
``add2``   2-digit + 2-digit (10–99)                   3      8100
``sub2``   2-digit − 2-digit, result ≥ 0               3      4095
``mul21``  2-digit × 1-digit (10–99 × 2–9)             4      720
=========  ==========================================  =====  ========

Splits (``train`` / ``val`` / ``test``, disjoint *by arithmetic fact*): every family's problem space is
enumerated and each problem's split is decided by a hash of its **fact** (:func:`fact_key`: the
expression with the operands of a sum sorted, so ``3+4`` and ``4+3`` land together) and
``split_seed`` — *not* of its family. The same fact asked in two families (``23+45`` as ``add2`` and as a
``word`` story, ``7+8`` as ``add1`` and as ``word``) therefore always lands in the same split: no
val or test problem shares its fact with a train problem of any family, not even up to
commutativity. A ``test_fraction`` share of facts is test, the next ``val_fraction`` share val, the
rest train (:func:`bonaware.tasks.splits.split_of_unit`); the partition does not depend on
``n_train``/``n_val``/``n_test``.

Formats (``style``):

* ``"chat"`` — prompt ``"What is 23 + 45? Answer with a number."``, expert completion
  ``"23 + 45 = 68. The answer is 68."``.
* ``"plain"`` — for models without a chat template (the tiny char-level model): prompt ``"23+45="``,
  completion ``"68\\n"``; word problems: prompt ``"<story>="``.
* ``"auto"`` (default) — ``"chat"`` when the tokenizer has a chat template, else ``"plain"``
  (also when no tokenizer is given).
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Iterator
from typing import Any, Literal

from bonaware.errors import BonawareError
from bonaware.tasks.answers import NUMBER_RULES, bare_first_line, extract_number, normalize_number
from bonaware.tasks.base import Problem, Task, register_task
from bonaware.tasks.splits import Split, check_fractions, check_split, seeded_subset, split_of_unit, unit_hash

Style = Literal["auto", "chat", "plain"]

FAMILIES: dict[str, int] = {"add1": 1, "add3": 2, "word": 2, "add2": 3, "sub2": 3, "mul21": 4}
"""Family name → difficulty level."""

_NAMES = [("Tom", "He"), ("Anna", "She"), ("Sam", "He"), ("Maria", "She"),
          ("Ben", "He"), ("Lily", "She"), ("Omar", "He"), ("Mei", "She")]
_OBJECTS = ["apples", "marbles", "stickers", "pencils", "books", "cookies", "stamps", "shells"]
_ADD_TEMPLATES = [
    "{name} has {a} {obj}. {pron} gets {b} more. How many {obj} does {name} have now?",
    "There are {a} {obj} in a box. {name} puts in {b} more. How many {obj} are in the box now?",
    "{name} found {a} {obj} on Monday and {b} {obj} on Tuesday. How many {obj} did {name} find in all?",
]
_SUB_TEMPLATES = [
    "{name} has {a} {obj}. {pron} gives {b} of them to a friend. How many {obj} does {name} have left?",
    "There are {a} {obj} on a table. {name} takes {b} of them. How many {obj} are left on the table?",
    "{name} had {a} {obj} and lost {b} of them. How many {obj} does {name} have now?",
]
_WORD_MAX = 50


def _space(family: str) -> Iterator[tuple[str, int]]:
    """All problems of ``family`` as (expression, answer); expressions use ``+ - *`` without spaces."""
    if family == "add1":
        for a, b in itertools.product(range(10), repeat=2):
            yield f"{a}+{b}", a + b
    elif family == "add3":
        for a, b, c in itertools.product(range(10), repeat=3):
            yield f"{a}+{b}+{c}", a + b + c
    elif family == "add2":
        for a, b in itertools.product(range(10, 100), repeat=2):
            yield f"{a}+{b}", a + b
    elif family == "sub2":
        for a in range(10, 100):
            for b in range(10, a + 1):
                yield f"{a}-{b}", a - b
    elif family == "mul21":
        for a, b in itertools.product(range(10, 100), range(2, 10)):
            yield f"{a}*{b}", a * b
    elif family == "word":
        # numbers ≥ 2 keep the plural nouns grammatical; the result stays within 1..50
        for a in range(2, _WORD_MAX + 1):
            for b in range(2, _WORD_MAX + 1):
                if a + b <= _WORD_MAX:
                    yield f"{a}+{b}", a + b
                if b < a:
                    yield f"{a}-{b}", a - b
    else:
        raise BonawareError(f"unknown arith family {family!r}; available: {', '.join(FAMILIES)}")


@functools.cache
def _expressions(family: str) -> frozenset[str]:
    return frozenset(e for e, _ in _space(family))


def fact_key(expr: str) -> str:
    """The arithmetic fact an expression states, whatever the family asking it: the operands of a sum
    sorted (``"4+3"`` → ``"3+4"``); problems with the same fact share a split."""
    if "+" in expr:
        return "+".join(sorted(expr.split("+"), key=int))
    return expr


class ArithTask(Task):
    """Generated arithmetic with exact integer answers; see the module docstring for the families.

    Args:
        families: family names (a list or a comma-separated string) or ``"all"``.
        n_train: size of the train pool (None: every train problem); families are interleaved.
        n_val: size of the val pool (None: every val problem).
        n_test: size of the test pool (None: every test problem).
        test_fraction: share of the facts held out for test.
        val_fraction: share of the facts held out for validation (tuning).
        split_seed: seed of the train/val/test partition and of the pool order.
        style: ``"chat"``, ``"plain"`` or ``"auto"`` (see the module docstring).
    """

    name = "arith"
    kind = "math"
    default_verifier = "math"
    #: answers are exact integers: verifiers compare them exactly, without math-verify
    answer_type = "number"

    def __init__(self, families: list[str] | str = "all", n_train: int | None = None,
                 n_test: int | None = 500, test_fraction: float = 0.2, split_seed: int = 0,
                 style: Style = "auto", n_val: int | None = 500, val_fraction: float = 0.1):
        if isinstance(families, str):
            families = list(FAMILIES) if families == "all" else [f for f in families.split(",") if f]
        unknown = [f for f in families if f not in FAMILIES]
        if unknown or not families:
            raise BonawareError(f"arith: families: unknown {unknown or 'empty list'}; "
                                f"available: {', '.join(FAMILIES)} or 'all'")
        check_fractions(test_fraction, val_fraction, "arith")
        if test_fraction <= 0.0 or test_fraction + val_fraction >= 1.0:
            raise BonawareError(f"arith: need test_fraction > 0 and test_fraction + val_fraction < 1 (facts left "
                                f"for training), got {test_fraction} + {val_fraction}")
        for key, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
            if value is not None and value < 0:
                raise BonawareError(f"arith: {key} must be >= 0 or None, got {value}")
        if style not in ("auto", "chat", "plain"):
            raise BonawareError(f"arith: style must be 'auto', 'chat' or 'plain', got {style!r}")
        self.families = list(dict.fromkeys(families))
        self.n_train, self.n_val, self.n_test = n_train, n_val, n_test
        self.test_fraction, self.val_fraction = test_fraction, val_fraction
        self.split_seed, self.style = split_seed, style
        self._pools: dict[str, list[Problem]] = {}

    # ---- splits -------------------------------------------------------------------------------
    def split_of(self, expr: str) -> Split:
        """The split of the fact ``expr`` states (the same in every family that asks it)."""
        u = unit_hash("arith-fact", self.split_seed, fact_key(expr))
        return split_of_unit(u, self.test_fraction, self.val_fraction)

    def _pool(self, split: str) -> list[Problem]:
        check_split(split, "arith")
        if split not in self._pools:
            per_family = []
            for fam in self.families:
                items = [e for e, _ in _space(fam) if self.split_of(e) == split]
                items.sort(key=lambda e, fam=fam: unit_hash("arith-order", self.split_seed, fam, e))
                per_family.append([(fam, e) for e in items])
            # round-robin over families so any prefix of the pool is balanced
            order = [x for group in itertools.zip_longest(*per_family) for x in group if x is not None]
            limit = {"train": self.n_train, "val": self.n_val, "test": self.n_test}[split]
            self._pools[split] = [self.make_problem(f, e) for f, e in order[:limit]]
        return self._pools[split]

    def problems(self, split: Split = "test", n: int | None = None,
                 seed: int = 0) -> list[Problem]:
        """The ``split`` pool, or a seeded sample of ``n`` of it (in pool order)."""
        return seeded_subset(self._pool(split), n, seed, "arith")

    # ---- problems -----------------------------------------------------------------------------
    def make_problem(self, family: str, expr: str) -> Problem:
        """The problem ``expr`` (e.g. ``"23+45"``) of ``family``; its id is ``arith/<family>/<expr>``."""
        if not re.fullmatch(r"\d+(?:[-+*]\d+)+", expr):
            raise BonawareError(f"arith: malformed expression {expr!r}")
        operands = [int(x) for x in re.split(r"[-+*]", expr)]
        op = re.search(r"[-+*]", expr).group(0)
        if op == "*":
            answer = operands[0] * operands[1]
        else:  # families mix no operators: a+b(+c) or a-b
            answer = sum(operands) if op == "+" else operands[0] - sum(operands[1:])
        pid = f"arith/{family}/{expr}"
        if family == "word":
            question = self._word_text(pid, op, *operands)
        else:
            shown = f" {op} ".join(map(str, operands)).replace("*", "×")
            question = f"What is {shown}?"
        meta = {"family": family, "difficulty": FAMILIES[family], "op": op, "operands": operands,
                "expression": expr, "plain": (question if family == "word" else expr) + "="}
        return Problem(id=pid, prompt=question, answer=str(answer), meta=meta)

    @staticmethod
    def _word_text(pid: str, op: str, a: int, b: int) -> str:
        # the surface form (template, name, object) is a fixed function of the problem id
        rng = random.Random(int(unit_hash("arith-word", pid) * 2**53))
        template = rng.choice(_ADD_TEMPLATES if op == "+" else _SUB_TEMPLATES)
        name, pron = rng.choice(_NAMES)
        return template.format(name=name, pron=pron, obj=rng.choice(_OBJECTS), a=a, b=b)

    def get_problem(self, problem_id: str) -> Problem:
        """Rebuild a problem from its id (``arith/add2/23+45``), whatever the pools hold."""
        m = re.fullmatch(r"arith/(\w+)/(\d+(?:[-+*]\d+)+)", problem_id)
        if not m or m.group(1) not in FAMILIES:
            raise BonawareError(f"arith: unknown problem id {problem_id!r}")
        family, expr = m.groups()
        if expr not in _expressions(family):
            raise BonawareError(f"arith: {expr!r} is not a problem of family {family!r}")
        return self.make_problem(family, expr)

    # ---- formats ------------------------------------------------------------------------------
    def resolve_style(self, tokenizer: Any = None) -> Literal["chat", "plain"]:
        """The concrete style: ``style`` if set, else chat iff ``tokenizer`` has a chat template."""
        if self.style != "auto":
            return self.style
        return "chat" if getattr(tokenizer, "chat_template", None) else "plain"

    def instruction(self, problem: Problem) -> str:
        """The user message: ``"<question> Answer with a number."`` (style ``"plain"``: ``"23+45="``)."""
        if self.style == "plain":
            return problem.meta["plain"]
        return f"{problem.prompt} Answer with a number."

    def format_prompt(self, problem: Problem, tokenizer: Any = None) -> str:
        """Plain ``"23+45="`` or the chat message, templated when ``tokenizer`` has a chat template."""
        if self.resolve_style(tokenizer) == "plain":
            return problem.meta["plain"]
        text = f"{problem.prompt} Answer with a number."
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
            )
        return text

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        """``["\\n"]`` in plain style (the answer is one line); none in chat style."""
        return ["\n"] if self.resolve_style(tokenizer) == "plain" else []

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        """A correct completion in the style :meth:`format_prompt` uses for ``tokenizer``:
        ``"68\n"`` (plain) or ``"23 + 45 = 68. The answer is 68."`` (chat)."""
        if self.resolve_style(tokenizer) == "plain":
            return f"{problem.answer}\n"
        symbol = problem.meta["op"].replace("*", "×")
        work = f" {symbol} ".join(map(str, problem.meta["operands"]))
        return f"{work} = {problem.answer}. The answer is {problem.answer}."

    def extract_answer(self, completion: str) -> str | None:
        """The integer answer. Plain style: the first line must be a bare number. Otherwise the rules of
        :data:`bonaware.tasks.answers.NUMBER_RULES` in order (bare first line, ``\\boxed{}``,
        "the answer is", ``####``, last ``= N``, last number)."""
        if self.style == "plain":
            return normalize_number(bare_first_line(completion))
        return extract_number(completion, NUMBER_RULES)


@register_task("arith")
def _make_arith(**kwargs: Any) -> ArithTask:
    return ArithTask(**kwargs)
