"""Configuration and result of one sandboxed run (:class:`SandboxConfig`, :class:`SandboxResult`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from bonaware.errors import BonawareError

STATUSES = ("passed", "failed", "error", "timeout", "oom", "sandbox_error")
MAX_SECONDS = 86400.0  # one day: any larger limit is a typo (1e300, inf)


def _opt(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


@dataclass
class SandboxConfig:
    """Limits and isolation of one sandboxed run (defaults suit HumanEval/MBPP-sized programs)."""

    timeout: float = _opt(3.0, "CPU seconds the program may use (its process; each process it starts has the "
                               "same RLIMIT_CPU), and separately the tests' own CPU seconds in the judge. The "
                               "primary limit: CPU time does not grow when the machine is loaded")
    wall_timeout: float | None = _opt(None, "wall-clock backstop in seconds from the program's start, for "
                                            "programs that wait instead of compute; None: 3 × timeout + 5")
    memory_mb: int = _opt(1024, "address-space limit per process in MiB (RLIMIT_AS; the judge gets twice this)")
    max_processes: int = _opt(32, "processes + threads the program may have (RLIMIT_NPROC, "
                                  "counted per sandbox in userns mode)")
    max_open_files: int = _opt(64, "open file descriptors per process (RLIMIT_NOFILE)")
    max_file_mb: int = _opt(16, "largest file the program may write, MiB (RLIMIT_FSIZE)")
    tmpfs_mb: int = _opt(64, "size of the private /tmp (noexec), the only writable place, MiB")
    uid: int | None = _opt(None, "uid the program runs as; None: 65534 (nobody) as root, else yours")
    gid: int | None = _opt(None, "gid the program runs as; None: 65534 as root (uid if set), else yours")
    python: str | None = _opt(None, "interpreter for the program and the judge (stdlib only, no "
                                    "site-packages); None: the current one")
    isolation: Literal["auto", "userns", "namespaces", "none"] = _opt(
        "auto", "auto: the strongest that works here; userns: user+pid+net+ipc+uts+mount namespaces; "
                "namespaces: the same without a user namespace (root only); none: rlimits, uid and "
                "process-group kill only (docs/security.md)")
    harden: bool = _opt(True, "also install an audit hook in the program's process (no subprocesses, sockets, "
                              "signals, ctypes, /proc); defence in depth — the verdict does not depend on it")
    capture_output: bool = _opt(False, "keep the start of stdout/stderr (else they go to /dev/null)")
    max_output_bytes: int = _opt(8192, "bytes kept of each of stdout and stderr")
    stack_mb: int = _opt(64, "stack of the program's process, MiB (RLIMIT_STACK)")
    max_value_mb: int = _opt(64, "largest message between the judge and the program (one argument list or "
                                 "return value), MiB")
    grace_s: float = _opt(5.0, "extra seconds after the wall-clock backstop before the library kills the "
                               "judge and the sandbox itself")

    @property
    def wall_s(self) -> float:
        """The wall-clock backstop in seconds."""
        return self.wall_timeout if self.wall_timeout is not None else 3 * self.timeout + 5

    def validate(self) -> None:
        for name in ("timeout", "wall_timeout", "grace_s"):
            value = getattr(self, name)
            if value is None and name == "wall_timeout":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SECONDS:
                raise BonawareError(f"sandbox config: {name} must be a number of seconds in (0, {MAX_SECONDS:g}], "
                                    f"got {value!r}")
        for name in ("memory_mb", "max_processes", "max_open_files", "max_file_mb", "tmpfs_mb", "stack_mb",
                     "max_output_bytes", "max_value_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise BonawareError(f"sandbox config: {name} must be a positive integer, got {value!r}")
        if self.max_value_mb > 1024:
            raise BonawareError(f"sandbox config: max_value_mb must be <= 1024, got {self.max_value_mb}")
        if self.max_open_files < 16:
            raise BonawareError(f"sandbox config: max_open_files must be >= 16, got {self.max_open_files}")
        if self.isolation not in ("auto", "userns", "namespaces", "none"):
            raise BonawareError(f"sandbox config: isolation must be auto, userns, namespaces or none, "
                                f"got {self.isolation!r}")
        if os.geteuid() != 0 and (self.uid not in (None, os.getuid()) or self.gid not in (None, os.getgid())):
            raise BonawareError("sandbox config: uid/gid can only be chosen when running as root")


@dataclass(frozen=True)
class SandboxResult:
    """How one run ended. ``passed`` is True only for the judge's verdict that every test passed.

    ``status``: passed | failed (an AssertionError) | error (any other exception, an exit, a crash, a
    value the tests could not check) | timeout (``detail`` says which limit: the program's CPU
    budget, the tests' CPU budget, or the wall-clock backstop) | oom (MemoryError) | sandbox_error
    (the sandbox itself could not run; not the program's fault). ``detail`` names the exception,
    limit, signal or setup error; ``cpu_s`` and ``max_rss_mb`` are the program's process's.
    """

    status: str
    detail: str = ""
    wall_s: float = 0.0
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    isolation: str = ""
    run_id: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"
