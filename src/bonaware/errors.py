"""User-facing errors.

Every bad input (malformed JSONL, NaN reward, k > n, N < 1, unknown method, missing file) raises
:class:`BonawareError` with one message that names the place (file and line, argument, config key).
The CLI prints it as ``bonaware: error: <message>`` and exits with status 2, with no traceback.
It subclasses :class:`ValueError` so library callers can catch it the ordinary way.
"""

from __future__ import annotations

from collections.abc import Iterable


class BonawareError(ValueError):
    """A clear, user-facing error (bad input, bad config, missing file)."""


def unknown_name(kind: str, name: str, available: Iterable[str]) -> BonawareError:
    """The error for an unknown registry key, listing what exists (``unknown method 'x'; ...``)."""
    names = ", ".join(sorted(available))
    return BonawareError(f"unknown {kind} {name!r}; available: {names}")


def build_registered(kind: str, name: str, factory, **kwargs):
    """``factory(**kwargs)``, with an unknown option (a typo in ``--task_args`` or a verifier spec)
    reported as a :class:`BonawareError` naming the registry entry instead of a ``TypeError`` traceback."""
    try:
        return factory(**kwargs)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        raise BonawareError(f"{kind} {name!r}: {exc}") from None
