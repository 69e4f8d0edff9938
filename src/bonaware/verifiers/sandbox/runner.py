"""Run one untrusted Python program against trusted tests: :func:`run_program` and :class:`SandboxConfig`.

Guarantees and limits: docs/security.md. In short, the program runs in a fresh process forked by a
sandbox *zygote* (``zygote.py``: user/PID/network/IPC/UTS/mount namespaces, an unprivileged uid
without capabilities, rlimits, a private noexec tmpfs, a CPU budget and a wall-clock backstop),
and the tests run in a separate *judge* process (``judge.py``) outside the sandbox, which calls the
program through one socket carrying data of builtin types only (``wire.py``). The verdict comes
from the judge alone, so nothing the program does in its own process — frame walking, signal
handlers, native code — can produce a pass. Each worker (one zygote + one judge fork server) is
started once and reused; every program still gets new processes. The isolation level is probed
once per process and degrades, as documented, where namespaces are unavailable.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from bonaware.errors import BonawareError
from bonaware.verifiers.sandbox.config import MAX_SECONDS, STATUSES, SandboxConfig, SandboxResult
from bonaware.verifiers.sandbox.workers import _checkin, _checkout, _Job, _Worker, close_workers

__all__ = ["MAX_SECONDS", "STATUSES", "SandboxConfig", "SandboxResult", "close_workers", "isolation_mode",
           "run_program"]


def _ids(cfg: SandboxConfig) -> tuple[int, int]:
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    uid = 65534 if cfg.uid is None else cfg.uid
    return uid, uid if cfg.gid is None else cfg.gid


def _units(parts: str | Sequence[str], what: str, allow_empty: bool) -> list[str]:
    units = [parts] if isinstance(parts, str) else list(parts)
    if (not units and not allow_empty) or not all(isinstance(u, str) for u in units):
        raise BonawareError(f"run_program: {what} must be a str or a {'' if allow_empty else 'non-empty '}"
                            f"sequence of str units")
    return units


def run_program(program: str | Sequence[str], config: SandboxConfig | None = None, *,
                tests: str | Sequence[str] = (), prelude: str | Sequence[str] = (),
                entry_point: str | None = None, **overrides) -> SandboxResult:
    """Run ``program`` in a fresh sandbox and judge it with ``tests``; report how it ended.

    ``program``: Python source or a sequence of source units, run in order in one namespace inside
    the sandbox (each compiled separately, so a unit cannot swallow the next one's text, e.g. by
    opening a string literal). ``tests``: trusted source units run by the judge, outside the
    sandbox; a name they read that they, the ``prelude`` and the builtins do not define is looked
    up in the program (functions and classes become proxies that call into the sandbox; data
    crosses as data). ``prelude``: trusted units run by the judge first (HumanEval's prompt, for
    its helper functions). ``entry_point``: a name always taken from the program, even if the
    prelude defines it. It passes iff the program loads, every test unit runs to its end without an
    exception and the program broke no rule of the channel (docs/verifiers.md). Units are numbered
    across program and tests (``detail`` says ``unit i``).

    Without ``tests`` nothing is judged: ``passed`` then only means that the program *reported*
    loading without an exception, which a hostile program can fake. ``overrides`` set fields of
    ``config`` (e.g. ``timeout=1.0``). Thread-safe.
    """
    unknown = sorted(set(overrides) - set(SandboxConfig.__dataclass_fields__))
    if unknown:
        raise BonawareError(f"run_program: unknown option(s) {', '.join(unknown)}; "
                            f"known: {', '.join(SandboxConfig.__dataclass_fields__)}")
    cfg = replace(config or SandboxConfig(), **overrides)
    cfg.validate()
    program_units = _units(program, "program", allow_empty=False)
    test_units = _units(tests, "tests", allow_empty=True)
    prelude_units = _units(prelude, "prelude", allow_empty=True)
    if entry_point is not None and not (isinstance(entry_point, str) and entry_point.isidentifier()):
        raise BonawareError(f"run_program: entry_point must be an identifier, got {entry_point!r}")
    python = cfg.python or sys.executable
    uid, gid = _ids(cfg)
    mode = cfg.isolation if cfg.isolation != "auto" else isolation_mode(python, uid, gid)
    job = _Job(program_units, test_units, prelude_units, entry_point)
    worker = _checkout(python, mode, uid, gid)
    try:
        return worker.run(job, cfg)
    finally:
        _checkin(worker)


@functools.cache
def isolation_mode(python: str | None = None, uid: int | None = None, gid: int | None = None) -> str:
    """The strongest isolation level that runs and judges a trivial program here (probed once per process)."""
    python = python or sys.executable
    if uid is None or gid is None:
        uid, gid = _ids(SandboxConfig())
    modes = ["userns"] + (["namespaces"] if os.geteuid() == 0 else []) + ["none"]
    failures = []
    probe = _Job(["x = 41 + 1"], ["assert x == 42"], [], None)
    for mode in modes:
        try:
            worker = _Worker(python, mode, uid, gid)
        except BonawareError as exc:
            failures.append(f"{mode}: {exc}")
            continue
        result = worker.run(probe, SandboxConfig(python=python, uid=uid, gid=gid, timeout=30.0))
        if result.passed:
            _checkin(worker)
            return mode
        worker.close()
        failures.append(f"{mode}: {result.status} {result.detail}".strip())
    raise BonawareError("the code sandbox cannot run here; " + "; ".join(failures))
