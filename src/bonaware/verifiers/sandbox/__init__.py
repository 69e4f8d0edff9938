"""The code sandbox: run untrusted Python programs with kernel isolation and an unforgeable verdict.

``run_program(source, timeout=...) -> SandboxResult``; the guarantees and their limits are in
docs/security.md. ``runner.py`` is the parent side, ``launcher.py`` the privileged set-up (namespaces,
mounts, uid drop, rlimits, timeout) and ``harness.py`` the in-sandbox verdict writer.
"""

from bonaware.verifiers.sandbox.runner import (
    STATUSES,
    SandboxConfig,
    SandboxResult,
    isolation_mode,
    run_program,
)

__all__ = ["STATUSES", "SandboxConfig", "SandboxResult", "isolation_mode", "run_program"]
