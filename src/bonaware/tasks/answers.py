"""Final-answer extraction from free-form completions (rule-based, no sympy).

Each rule is a small function that returns the answer *string* it finds, or None:

* :func:`last_boxed` — the content of the last ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces kept).
* :func:`answer_is` — the number after the last "the answer is" / "answer:" (any case).
* :func:`answer_is_text` — the rest of the line after it (for non-numeric answers).
* :func:`after_hashes` — what follows the last ``####`` (GSM8K's format).
* :func:`after_equals` — the number after the last ``=``.
* :func:`last_number` — the last number in the text.
* :func:`bare_first_line` — the first non-empty line when it is a number and nothing else.

:func:`extract_number` chains them (first hit wins) and normalises the result with
:func:`normalize_number`. Taking the *last* number rather than the first matters: samples at T = 1
ramble, and "1 + 2 equals 3." fails a first-number rule (environment.md, SmolLM2 measurements).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction

# A number as models write it: optional sign, thousands separators, decimals ("-1,234.50", ".5").
_NUM = r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+−]?\.\d+"
_DECIMAL = r"-?(?:\d+\.?\d*|\.\d+)"
_NUM_RE = re.compile(rf"(?<![\w.])(?:{_NUM})(?![\w])")
# "the answer is 68", "The final answer is $68$", "Answer: 68", "answer is: **68**"
_ANSWER_IS_RE = re.compile(
    rf"answer\s*(?:is|:|=)\s*:?\s*[\$\\(\[*{{\s]*(?:\\boxed\{{|\\text\{{)?\s*({_NUM})", re.IGNORECASE
)
_HASHES_RE = re.compile(r"####\s*([^\n]*)")
_EQUALS_RE = re.compile(rf"=\s*\$?\s*({_NUM})(?![\w])")


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (or ``\\fbox{...}``), matching nested braces.

    ``\\boxed{\\frac{1}{2}}`` → ``\\frac{1}{2}``; ``\\boxed 5`` (no braces) → ``5``;
    an unclosed box → None.
    """
    starts = [m for m in re.finditer(r"\\(?:boxed|fbox)\s*", text)]
    for m in reversed(starts):
        i = m.end()
        if i < len(text) and text[i] == "{":
            depth = 0
            for j in range(i, len(text)):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        return text[i + 1 : j].strip()
            continue  # unclosed: try an earlier box
        token = re.match(r"[^\s$]+", text[i:])
        if token:
            return token.group(0).rstrip(".,;")
    return None


def answer_is(text: str) -> str | None:
    """The number after the last "answer is" / "answer:" phrase, or None."""
    hits = _ANSWER_IS_RE.findall(text)
    return hits[-1] if hits else None


def answer_is_text(text: str) -> str | None:
    """The rest of the line after the last "answer is" / "answer:" (any answer, not only numbers),
    without surrounding ``$``, ``**`` and a final period; None if absent or empty."""
    hits = re.findall(r"answer\s*(?:is|:)\s*:?\s*([^\n]*)", text, re.IGNORECASE)
    for hit in reversed(hits):
        value = hit.strip().rstrip(".").strip().strip("*").strip()
        if value.startswith("$") and value.endswith("$") and len(value) > 1:
            value = value.strip("$").strip()
        if value:
            return value
    return None


def after_hashes(text: str) -> str | None:
    """What follows the last ``####`` marker (GSM8K's answer line), stripped; None if absent."""
    hits = [h.strip() for h in _HASHES_RE.findall(text)]
    hits = [h for h in hits if h]
    return hits[-1] if hits else None


def after_equals(text: str) -> str | None:
    """The number right after the last ``=`` sign, or None."""
    hits = _EQUALS_RE.findall(text)
    return hits[-1] if hits else None


def last_number(text: str) -> str | None:
    """The last number in ``text``, or None."""
    hits = _NUM_RE.findall(text)
    return hits[-1] if hits else None


def bare_first_line(text: str) -> str | None:
    """The first non-empty line if it is a single number (the plain ``"68\\n"`` format), else None."""
    for line in text.splitlines():
        if line.strip():
            s = line.strip()
            return s if re.fullmatch(_NUM, s) else None
    return None


def normalize_number(s: str | None) -> str | None:
    """Canonical text of a number: ``"1,000"`` → ``"1000"``, ``"68.0"`` → ``"68"``, ``"$-3$"`` → ``"-3"``,
    ``"0.50"`` → ``"0.5"``, ``"3/4"`` → ``"3/4"``. Returns None when ``s`` is not a plain number."""
    if s is None:
        return None
    t = s.strip().strip("$").strip()
    t = re.sub(r"^\\text\{(.*)\}$", r"\1", t).strip()
    t = t.rstrip(".").replace("−", "-").replace(",", "").replace(" ", "")
    if t.startswith("+"):
        t = t[1:]
    slash = re.fullmatch(r"(-?\d+)/(\d+)", t)
    latex = re.fullmatch(r"(-?)\\d?frac\{(-?\d+)\}\{(\d+)\}", t)
    try:
        if slash:
            value = Fraction(int(slash.group(1)), int(slash.group(2)))
        elif latex:
            value = Fraction(int(latex.group(2)), int(latex.group(3))) * (-1 if latex.group(1) else 1)
        elif re.fullmatch(_DECIMAL, t):
            value = Fraction(t)
        else:
            return None
    except ZeroDivisionError:
        return None
    if value.denominator == 1:
        return str(value.numerator)
    if re.fullmatch(_DECIMAL, t):  # keep decimals as decimals, minus trailing zeros
        return str(Decimal(t).normalize())
    return f"{value.numerator}/{value.denominator}"


Rule = Callable[[str], "str | None"]

#: the default rule chain of :func:`extract_number`, first hit wins
NUMBER_RULES: tuple[Rule, ...] = (
    bare_first_line, last_boxed, answer_is, after_hashes, after_equals, last_number,
)


def extract_number(text: str, rules: Sequence[Rule] = NUMBER_RULES) -> str | None:
    """The final numeric answer of ``text``: the first rule whose hit is a number, normalised.

    A rule whose hit is not a plain number (``\\boxed{x+1}``) does not stop the chain.
    """
    for rule in rules:
        value = normalize_number(rule(text))
        if value is not None:
            return value
    return None


def numbers_equal(a: str | None, b: str | None) -> bool:
    """Exact equality of two numbers given as text (``"68.0"`` == ``"68"``, ``"1/2"`` == ``"0.5"``)."""
    na, nb = normalize_number(a), normalize_number(b)
    return na is not None and nb is not None and Fraction(na) == Fraction(nb)
