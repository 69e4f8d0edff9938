"""The code sandbox: run untrusted Python programs with kernel isolation, judged by a separate process.

``run_program(program, tests=..., timeout=...) -> SandboxResult``; the guarantees and their limits
are in docs/security.md. ``runner.py`` and ``config.py`` are the entry points, ``workers.py`` the
library side of the warm workers, ``zygote.py`` the privileged fork server (namespaces, mounts,
uid and capability drop, rlimits, CPU budget), ``candidate.py`` the untrusted side inside the
sandbox, ``judge.py`` the trusted test runner and ``wire.py`` the data-only format between them.
"""

from bonaware.verifiers.sandbox.runner import (
    STATUSES,
    SandboxConfig,
    SandboxResult,
    close_workers,
    isolation_mode,
    run_program,
)

__all__ = ["STATUSES", "SandboxConfig", "SandboxResult", "close_workers", "isolation_mode", "run_program"]
