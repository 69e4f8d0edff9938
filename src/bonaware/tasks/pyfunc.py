"""``pyfunc``: programming by example — write a small Python function from a few input/output pairs.

A generated code task (no data files) on which a small embedded model is in the Best-of-N regime
(``tiny-code``, docs/models.md), for the paper's code claims (paper.md §4, Fig. 6: pass@N of RL
vs BoN-aware RL on HumanEval/MBPP) at CPU cost. The prompt is a function header whose docstring
shows a few examples; the completion is the body; the **hidden tests** check the shown examples and
:data:`~bonaware.tasks.pyfunc_space.N_HIDDEN` more inputs, so a body that only fits the examples
fails. Tests are in HumanEval's schema (``meta["test"]`` defines ``check(candidate)`` of plain
``assert candidate(...) == ...`` lines on builtin values, ``meta["entry_point"] = "f"``), so the
``code`` verifier judges them in its sandbox exactly as HumanEval's. Plain format (the prompt,
then the completion)::

    def f(x):
     "f(0)=3;f(2)=7;f(5)=13"
     return 2*x+3

Families (``meta["family"]``, ``meta["difficulty"]``; spaces in :mod:`~bonaware.tasks.pyfunc_space`):

==========  ================================================================  =====  ========
family      functions                                                         level  shown
==========  ================================================================  =====  ========
``affine``  ``a*x+b``, a ∈ {−3..9}∖{0}, b ∈ −15..15                            1      3
``string``  reverse, upper, slices, ``s+'c'``, ``s.count('c')``, replace ...   2      3
``pair``    ``a*x+b*y+c``, ``x*y+c``, ``max/min(x, y)+c``                     2      3
``list``    sum/max/min/len/sorted, maps ``[v+k ...]``, filters, append ...    3      3
``nonlin``  ``x*x+b``, ``x%a``, ``x//a``, ``abs(x-a)``, ``max/min(x, a)`` ...     3      4
``cond``    ``a if x<c else b`` with a, b ∈ 0..5 or ``x``, c ∈ 1..9            4      4
==========  ================================================================  =====  ========

``cond`` is ambiguous by design: four examples rarely pin the threshold, which the hidden tests
probe on both sides; a model can only guess it (Best-of-N helps), and the public examples cannot
tell the guesses apart (an imperfect verifier, see below).

Splits: disjoint **by function** (its behaviour, not its spelling): a problem's split is a hash of
its :func:`~bonaware.tasks.pyfunc_space.fingerprint` (outputs on fixed probe inputs) and
``split_seed``; spellings with the same behaviour are kept once across all families, so no val or
test function is a train function under another name. Each function is one problem; its examples
are a fixed function of the function (``variant`` 0; other variants, with other examples, serve
pre-training only).

Formats: ``"plain"`` (models without a chat template, e.g. ``tiny-code``): the prompt is the header
and a compact docstring (``f(0)=3;f(2)=7``, lists without spaces), the completion the body
``" return 2*x+3\\n"`` indented by one space — valid Python, and a third shorter than the
conventional layout, which a char-level model pays for in compute; ``"chat"``: HumanEval's
instruction with the conventional header (``\"\"\"f(0) == 3; f(2) == 7\"\"\"``, four spaces) in a
fenced block, and the whole function in a fenced block as the answer (it follows the plain prompt in
the program and redefines ``f``). ``"auto"`` picks chat iff the tokenizer has a chat template.

Public tests: ``meta["public_tests"]`` holds the shown examples as ``assert candidate(...) == ...``
lines — what the ``public_tests`` verifier scores (the share of them a candidate passes: the
AlphaCode-style filter, which a body fitting only the examples fools).
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Literal

from bonaware.errors import BonawareError
from bonaware.tasks.base import Problem, register_task
from bonaware.tasks.coding import CodeTask, extract_code, has_chat_template
from bonaware.tasks.humaneval import HUMANEVAL_STOP
from bonaware.tasks.pyfunc_space import FAMILIES, N_SHOWN, bodies_of, cases, fingerprint, space
from bonaware.tasks.splits import Split, check_fractions, check_split, seeded_subset, split_of_unit, unit_hash

Style = Literal["auto", "chat", "plain"]
ENTRY_POINT = "f"
#: the body's indentation in the plain format: one space (valid Python, and every character costs a
#: char-level model compute; chat answers use four)
INDENT = " "


def _compact(text: str) -> str:
    """A literal's repr without the spaces after commas (pyfunc values hold no commas or spaces)."""
    return text.replace(", ", ",")


def _call_text(args: tuple) -> str:
    return f"{ENTRY_POINT}({', '.join(map(repr, args))})"


def check_source(cases: list[tuple[tuple, Any]]) -> str:
    """HumanEval's test schema: ``def check(candidate):`` with one ``assert`` per case."""
    lines = [f"    assert candidate({', '.join(map(repr, args))}) == {out!r}" for args, out in cases]
    return "def check(candidate):\n" + "\n".join(lines) + "\n"


class PyFuncTask(CodeTask):
    """Programming by example; see the module docstring.

    Args:
        families: family names (a list or a comma-separated string) or ``"all"``.
        n_train / n_val / n_test: pool sizes (None: the whole split); families are interleaved.
        test_fraction / val_fraction: shares of the functions held out for test / val.
        split_seed: seed of the partition and of the pool order.
        style: ``"chat"``, ``"plain"`` or ``"auto"``.
    """

    name = "pyfunc"
    #: the code verifier with known bodies judged without a sandbox run (verifiers/pyfunc.py)
    default_verifier = "pyfunc"

    def __init__(self, families: list[str] | str = "all", n_train: int | None = None,
                 n_val: int | None = None, n_test: int | None = None, test_fraction: float = 0.2,
                 val_fraction: float = 0.2, split_seed: int = 0, style: Style = "auto"):
        if isinstance(families, str):
            families = list(FAMILIES) if families == "all" else [f for f in families.split(",") if f]
        unknown = [f for f in families if f not in FAMILIES]
        if unknown or not families:
            raise BonawareError(f"pyfunc: families: unknown {unknown or 'empty list'}; "
                                f"available: {', '.join(FAMILIES)} or 'all'")
        check_fractions(test_fraction, val_fraction, "pyfunc")
        for key, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
            if value is not None and value < 0:
                raise BonawareError(f"pyfunc: {key} must be >= 0 or None, got {value}")
        if style not in ("auto", "chat", "plain"):
            raise BonawareError(f"pyfunc: style must be 'auto', 'chat' or 'plain', got {style!r}")
        self.families = list(dict.fromkeys(families))
        self.n_train, self.n_val, self.n_test = n_train, n_val, n_test
        self.test_fraction, self.val_fraction = test_fraction, val_fraction
        self.split_seed, self.style = split_seed, style
        self._pools: dict[str, list[Problem]] = {}

    # ---- splits -------------------------------------------------------------------------------
    def split_of(self, family: str, body: str) -> Split:
        """The split of the function ``body`` computes (by behaviour: see the module docstring)."""
        u = unit_hash("pyfunc-function", self.split_seed, fingerprint(family, body))
        return split_of_unit(u, self.test_fraction, self.val_fraction)

    def functions(self, split: Split) -> list[tuple[str, str]]:
        """All (family, body) of ``split``, in pool order (hashed per family, families round-robin)."""
        check_split(split, "pyfunc")
        per_family = []
        for fam in self.families:
            items = [b for b in space()[fam] if self.split_of(fam, b) == split]
            items.sort(key=lambda b, fam=fam: unit_hash("pyfunc-order", self.split_seed, fam, b))
            per_family.append([(fam, b) for b in items])
        return [x for group in itertools.zip_longest(*per_family) for x in group if x is not None]

    def _pool(self, split: str) -> list[Problem]:
        if split not in self._pools:
            limit = {"train": self.n_train, "val": self.n_val, "test": self.n_test}[check_split(split, "pyfunc")]
            self._pools[split] = [self.make_problem(f, b) for f, b in self.functions(split)[:limit]]
        return self._pools[split]

    def problems(self, split: Split = "test", n: int | None = None, seed: int = 0) -> list[Problem]:
        """The ``split`` pool, or a seeded sample of ``n`` of it (in pool order)."""
        return seeded_subset(self._pool(split), n, seed, "pyfunc")

    # ---- problems -----------------------------------------------------------------------------
    def make_problem(self, family: str, body: str, variant: int = 0) -> Problem:
        """The problem of the function ``body`` of ``family``; id ``pyfunc/<family>/<body>``.

        ``variant`` > 0 draws other examples for the same function (id suffix ``#<variant>``):
        extra pre-training data, never a problem of a split.
        """
        if family not in FAMILIES or body not in bodies_of(family):
            raise BonawareError(f"pyfunc: {body!r} is not a function of family {family!r}")
        every = cases(family, body, variant)
        shown_cases = every[:N_SHOWN[family]]
        args = ", ".join(FAMILIES[family][1])
        examples = ";".join(f"{_compact(_call_text(a))}={_compact(repr(out))}" for a, out in shown_cases)
        prompt = f'def {ENTRY_POINT}({args}):\n{INDENT}"{examples}"\n'
        pid = f"pyfunc/{family}/{body}" + (f"#{variant}" if variant else "")
        meta = {"family": family, "difficulty": FAMILIES[family][0], "body": body, "format": "humaneval",
                "entry_point": ENTRY_POINT, "test": check_source(every), "variant": variant,
                "public_tests": [f"assert candidate({', '.join(map(repr, a))}) == {out!r}" for a, out in shown_cases],
                "canonical_solution": f"{INDENT}return {body}\n", "n_hidden": len(every) - len(shown_cases),
                "shown": "; ".join(f"{_call_text(a)} == {out!r}" for a, out in shown_cases)}
        return Problem(id=pid, prompt=prompt, answer="", meta=meta)

    def get_problem(self, problem_id: str) -> Problem:
        """Rebuild a problem from its id (``pyfunc/affine/2*x+3``, optionally ``#<variant>``)."""
        m = re.fullmatch(r"pyfunc/(\w+)/(.+?)(?:#(\d+))?", problem_id, re.DOTALL)
        if not m or m.group(1) not in FAMILIES or m.group(2) not in bodies_of(m.group(1)):
            raise BonawareError(f"pyfunc: unknown problem id {problem_id!r}")
        return self.make_problem(m.group(1), m.group(2), int(m.group(3) or 0))

    # ---- formats ------------------------------------------------------------------------------
    def resolve_style(self, tokenizer: Any = None) -> Literal["chat", "plain"]:
        if self.style != "auto":
            return self.style
        return "chat" if has_chat_template(tokenizer) else "plain"

    def pretty_header(self, problem: Problem) -> str:
        """The header with a conventional docstring (``\"\"\"f(0) == 3; f(2) == 7\"\"\"``, four spaces):
        what chat models are shown and answer with."""
        return problem.prompt.split("\n", 1)[0] + f'\n    """{problem.meta["shown"]}"""\n'

    def instruction(self, problem: Problem) -> str:
        """The chat user message (HumanEval's); the plain prompt when ``style="plain"``."""
        if self.style == "plain":
            return problem.prompt
        return ("Complete the following Python function so that it passes the examples in its docstring "
                "and other inputs like them. Reply with the whole function in a ```python code block."
                f"\n\n```python\n{self.pretty_header(problem)}```")

    def format_prompt(self, problem: Problem, tokenizer: Any = None) -> str:
        if self.resolve_style(tokenizer) == "plain":
            return problem.prompt
        text = self.instruction(problem)
        if has_chat_template(tokenizer):
            return tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                                 add_generation_prompt=True)
        return text

    def stop_sequences(self, tokenizer: Any = None) -> list[str]:
        """HumanEval's stops for a continued body (plain); none for chat (the answer closes a fence)."""
        return [] if self.resolve_style(tokenizer) == "chat" else list(HUMANEVAL_STOP)

    def expert_solution(self, problem: Problem, tokenizer: Any = None) -> str:
        """``" return <body>\\n"`` (plain) or the whole function in a fenced block (chat)."""
        if self.resolve_style(tokenizer) == "chat":
            return f"```python\n{self.pretty_header(problem)}    return {problem.meta['body']}\n```"
        return problem.meta["canonical_solution"]

    def program(self, problem: Problem, completion: str) -> str:
        """``prompt + code + test + check(f)``, as HumanEval (a fenced whole function follows the prompt)."""
        code = extract_code(completion)
        joiner = "\n" if f"def {ENTRY_POINT}(" in code else ""
        return f"{problem.prompt}{joiner}{code}\n\n{problem.meta['test']}\n\ncheck({ENTRY_POINT})\n"


@register_task("pyfunc")
def _make_pyfunc(**kwargs: Any) -> PyFuncTask:
    return PyFuncTask(**kwargs)
