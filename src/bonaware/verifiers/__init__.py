"""Verifiers: (score, correct, status) per completion. ``get_verifier(name, task)`` builds one."""

from bonaware.verifiers.base import Verdict, Verifier, get_verifier, list_verifiers, register_verifier

__all__ = ["Verdict", "Verifier", "get_verifier", "list_verifiers", "register_verifier"]
