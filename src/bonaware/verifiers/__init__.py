"""Verifiers: (score, correct, status) per completion. ``get_verifier(name, task)`` builds one."""

from bonaware.verifiers.base import (
    Verdict,
    Verifier,
    get_verifier,
    list_verifiers,
    parse_verifier_spec,
    register_verifier,
    verifier_from_spec,
)

__all__ = [
    "Verdict",
    "Verifier",
    "get_verifier",
    "list_verifiers",
    "parse_verifier_spec",
    "register_verifier",
    "verifier_from_spec",
]
