"""The function families of the ``pyfunc`` task: what each function is and which inputs show it.

Every function is a one-line Python expression over the argument(s) of its family's signature (its
*body*, e.g. ``2*x+3``), written in one canonical compact spelling. This module enumerates each
family's space, evaluates the bodies **in this process** (they are bonaware's own strings, never a
model's: model output only ever runs in the code sandbox), and draws the example inputs a problem
shows and the hidden inputs its tests add. :mod:`bonaware.tasks.pyfunc` builds problems from it.

A function's identity is its **behaviour**: :func:`fingerprint` is its outputs on a fixed probe set
of its signature. Two spellings with the same fingerprint (``s[1:]`` and ``s[1:]`` via ``s[k:]``,
``3 if x<3 else x`` and ``max(x, 3)``) are one function: :func:`space` keeps the first spelling only,
across families, and the task splits train/val/test by fingerprint.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from typing import Any

from bonaware.errors import BonawareError

#: family → (difficulty level, argument names)
FAMILIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "affine": (1, ("x",)),
    "string": (2, ("s",)),
    "pair": (2, ("x", "y")),
    "list": (3, ("xs",)),
    "nonlin": (3, ("x",)),
    "cond": (4, ("x",)),
}
#: the letters that strings are made of (few, so a letter a function names shows up in its examples)
LETTERS = "abcdefgh"
#: shown examples per problem, per family (``cond`` needs more to locate its threshold)
N_SHOWN = {"affine": 3, "string": 3, "pair": 3, "list": 3, "nonlin": 4, "cond": 4}
#: hidden inputs each problem's tests add to the shown ones
N_HIDDEN = 6
#: the input shown first where the constant term should be readable
ORIGIN = {"affine": (0,), "nonlin": (0,), "pair": (0, 0)}


def _affine(a: int, b: int, var: str = "x") -> str:
    """Canonical ``a*x+b``: ``x``, ``-x``, ``2*x``, then ``+b`` / ``-b`` (nothing for 0)."""
    head = {1: var, -1: f"-{var}"}.get(a, f"{a}*{var}")
    return head + (f"+{b}" if b > 0 else f"-{-b}" if b < 0 else "")


def _term(c: int, var: str) -> str:
    """``c*var`` as a trailing term: ``+y``, ``-y``, ``+2*y``, ``-2*y``."""
    mag = var if abs(c) == 1 else f"{abs(c)}*{var}"
    return ("+" if c > 0 else "-") + mag


def _const(c: int) -> str:
    return f"+{c}" if c > 0 else f"-{-c}" if c < 0 else ""


def _bodies(family: str) -> Iterator[str]:
    """Every body of ``family`` in its canonical spelling (duplicates by behaviour included)."""
    if family == "affine":
        for a in (1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3):
            for b in range(-15, 16):
                yield _affine(a, b)
    elif family == "string":
        yield from ["s[::-1]", "s.upper()", "s+s", "s[1:]", "s[:-1]", "s[0]", "s[-1]", "len(s)", "s[::2]",
                    "s[1::2]", "''.join(sorted(s))", "s+s[::-1]", "s[-1]+s[:-1]", "s[1:]+s[0]", "s[0]+s[-1]"]
        for k in (2, 3):
            yield from (f"s[:{k}]", f"s[{k}:]", f"s*{k}")
        for c in LETTERS:
            yield from (f"s+'{c}'", f"'{c}'+s", f"s.count('{c}')", f"'{c}' in s", f"s.replace('{c}', '')")
            yield from (f"s.replace('{c}', '{d}')" for d in LETTERS if d != c)
    elif family == "pair":
        coefs = (1, 2, 3, -1, -2)
        for a in coefs:
            for b in coefs:
                for c in range(-5, 6):
                    yield _affine(a, 0) + _term(b, "y") + _const(c)
        for c in range(-5, 6):
            yield from (f"x*y{_const(c)}", f"max(x, y){_const(c)}", f"min(x, y){_const(c)}")
    elif family == "list":
        yield from ["sum(xs)", "max(xs)", "min(xs)", "len(xs)", "sorted(xs)", "xs[::-1]", "xs[0]", "xs[-1]",
                    "sorted(xs)[::-1]", "xs[1:]", "xs[:-1]", "max(xs)-min(xs)", "xs+xs"]
        for k in range(-9, 10):
            if k:
                yield f"[v{_const(k)} for v in xs]"
                yield f"sum(xs){_const(k)}"
        for k in range(2, 10):
            yield f"[v*{k} for v in xs]"
            yield f"[v%{k} for v in xs]"
        for k in range(10):
            yield from (f"[v for v in xs if v>{k}]", f"[v for v in xs if v<{k}]", f"xs+[{k}]", f"[{k}]+xs",
                        f"xs.count({k})")
    elif family == "nonlin":
        for b in range(-9, 10):
            yield f"x*x{_const(b)}"
        for a in range(2, 10):
            yield from (f"x%{a}", f"x//{a}")
        for a in range(-9, 10):
            yield f"abs(x{_const(-a)})" if a else "abs(x)"
            yield from (f"max(x, {a})", f"min(x, {a})")
        for a in range(-5, 6):
            if a:
                yield f"x*(x{_const(a)})"
    elif family == "cond":
        values = [str(v) for v in range(6)] + ["x"]
        for c in range(1, 10):
            for a in values:
                for b in values:
                    if a != b:
                        yield f"{a} if x<{c} else {b}"
    else:
        raise BonawareError(f"unknown pyfunc family {family!r}; available: {', '.join(FAMILIES)}")


@functools.cache
def compiled(family: str, body: str) -> Callable[..., Any]:
    """The function ``lambda <args>: <body>`` (bonaware's own bodies only; see the module docstring)."""
    args = ", ".join(FAMILIES[family][1])
    return eval(f"lambda {args}: {body}", {"__builtins__": {"abs": abs, "max": max, "min": min, "len": len,
                                                             "sum": sum, "sorted": sorted}})  # noqa: S307


def _probe_inputs() -> dict[tuple[str, ...], list[tuple]]:
    rng = random.Random(20260101)
    strings = ["ab", "ba", "hgfedcba", "abcdefgh", "aabbcc", "cab"]
    strings += ["".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 7))) for _ in range(24)]
    lists = [[0, 9], [5, 5, 5], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]
    lists += [[rng.randint(0, 9) for _ in range(rng.randint(2, 6))] for _ in range(24)]
    pairs = [(x, y) for x in range(-4, 10, 3) for y in range(-4, 10, 2)] + [(7, 7), (0, 0)]
    return {("x",): [(x,) for x in range(-12, 25)], ("s",): [(s,) for s in strings],
            ("xs",): [(xs,) for xs in lists], ("x", "y"): pairs}


PROBES = _probe_inputs()


def fingerprint(family: str, body: str) -> str:
    """The function's behaviour: its outputs on the fixed probes of its signature, as text."""
    fn = compiled(family, body)
    signature = FAMILIES[family][1]
    return f"{','.join(signature)}:" + repr([fn(*(_copy(a) for a in args)) for args in PROBES[signature]])


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


@functools.cache
def space() -> dict[str, list[str]]:
    """family → its bodies, each function once: a body whose fingerprint an earlier body (of this or
    an earlier family, in :data:`FAMILIES` order) already has is left out."""
    seen: set[str] = set()
    out: dict[str, list[str]] = {}
    for family in FAMILIES:
        kept = []
        for body in _bodies(family):
            key = fingerprint(family, body)
            if key not in seen:
                seen.add(key)
                kept.append(body)
        out[family] = kept
    return out


@functools.cache
def bodies_of(family: str) -> frozenset[str]:
    return frozenset(space()[family])


def _random_string(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 6)))


def _random_input(family: str, rng: random.Random, hidden: bool) -> tuple:
    """One argument tuple; hidden inputs reach wider than shown ones (negative and larger numbers)."""
    if family in ("affine", "nonlin", "cond"):
        lo, hi = {"affine": (0, 9), "nonlin": (-4, 12), "cond": (0, 12)}[family]
        return (rng.randint(lo - 8, hi + 8) if hidden else rng.randint(lo, hi),)
    if family == "pair":
        lo, hi = (-5, 15) if hidden else (0, 9)
        return rng.randint(lo, hi), rng.randint(lo, hi)
    if family == "string":
        return (_random_string(rng),)
    return ([rng.randint(0, 9) for _ in range(rng.randint(2, 6) if hidden else rng.randint(3, 5))],)


def _named_letter(body: str) -> str | None:
    """The letter a string body names (``s.count('c')`` → ``c``), which its examples must contain."""
    quoted = [c for c in LETTERS if f"'{c}'" in body]
    return quoted[0] if quoted else None


def draw_inputs(family: str, body: str, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """(shown inputs, hidden inputs) for one problem: distinct argument tuples, drawn by ``rng``.

    Shown numeric inputs are sorted, and ``affine``, ``nonlin`` and ``pair`` show the origin (``f(0)``,
    ``f(0, 0)``: the constant term can be read off). Shown inputs are made informative where chance
    would often hide the function: a string function naming a letter gets it in two of its examples,
    ``cond`` examples straddle the threshold, ``xs.count(k)`` examples contain ``k``, a filter keeps
    some elements and drops some. Hidden inputs add :data:`N_HIDDEN` wider ones
    (``cond``: also the two inputs either side of the threshold, which pin it).
    """
    n_shown = N_SHOWN[family]
    # the origin first, as a person writing examples would: it shows the constant term
    shown: list[tuple] = [ORIGIN[family]] if family in ORIGIN else []
    for attempt in range(1000):
        candidate = _random_input(family, rng, hidden=False)
        if candidate in shown:
            continue
        shown.append(candidate)
        if len(shown) == n_shown:
            if _informative(family, body, shown) or attempt > 900:
                break
            shown = [ORIGIN[family]] if family in ORIGIN else []
    if family in ("affine", "nonlin", "cond", "pair"):
        shown.sort()  # numbers in ascending order, as a person lists examples (and easier to read off)
    if family == "string" and (c := _named_letter(body)):
        for i in range(2):
            s = shown[i][0]
            if c not in s:
                at = rng.randrange(len(s) + 1)
                shown[i] = (s[:at] + c + s[at:],)
    hidden: list[tuple] = []
    if family == "cond":
        c = int(body.split("x<")[1].split()[0])
        hidden += [(c - 1,), (c,)]
    while len(hidden) < N_HIDDEN + (2 if family == "cond" else 0):
        candidate = _random_input(family, rng, hidden=True)
        if candidate not in shown and candidate not in hidden:
            hidden.append(candidate)
    hidden = [h for h in hidden if h not in shown]
    return shown, hidden


def _informative(family: str, body: str, shown: list[tuple]) -> bool:
    if family == "cond":
        c = int(body.split("x<")[1].split()[0])
        return any(x < c for (x,) in shown) and any(x >= c for (x,) in shown)
    if family == "list" and body.startswith("xs.count("):
        k = int(body[len("xs.count("):-1])
        return sum(k in xs for (xs,) in shown) >= 2
    if family == "list" and " if v" in body:  # a filter: keep some elements and drop some
        fn = compiled(family, body)
        return any(0 < len(fn(list(xs))) < len(xs) for (xs,) in shown)
    return True


@functools.cache
def cases(family: str, body: str, variant: int = 0) -> tuple[tuple[tuple, Any], ...]:
    """The test cases ``((args, output), ...)`` of one problem: its shown examples first
    (``N_SHOWN[family]`` of them), then the hidden ones; a fixed function of its arguments."""
    from bonaware.tasks.splits import unit_hash

    rng = random.Random(int(unit_hash("pyfunc-examples", family, body, variant) * 2**53))
    shown, hidden = draw_inputs(family, body, rng)
    return tuple((args, call(family, body, args)) for args in shown + hidden)


@functools.cache
def known_bodies(signature: tuple[str, ...]) -> dict[str, str]:
    """Every spelling any family of ``signature`` generates (duplicates by behaviour included) →
    its family: the bodies whose behaviour bonaware knows without running a model's text."""
    out: dict[str, str] = {}
    for family, (_, sig) in FAMILIES.items():
        if sig == signature:
            for body in _bodies(family):
                out.setdefault(body, family)
    return out


def call(family: str, body: str, args: tuple) -> Any:
    """``body`` applied to ``args`` (copies of lists, so a body cannot change an example)."""
    return compiled(family, body)(*(_copy(a) for a in args))
