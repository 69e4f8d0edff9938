"""Run one untrusted Python program in the sandbox: :func:`run_program` and :class:`SandboxConfig`.

What is guaranteed, by which mechanism, and what is not: docs/security.md. In short, each run gets
its own process tree in new user/PID/network/IPC/UTS/mount namespaces (``launcher.py``), an
unprivileged uid, rlimits, a wall-clock timeout after which the whole tree is killed, a fresh tmpfs
as its only writable place, a scrubbed environment, and a verdict channel the program cannot forge
(``harness.py``). The isolation level is probed once per process and degrades, as documented, where
namespaces are unavailable (``SandboxResult.isolation`` says which level ran).
"""

from __future__ import annotations

import functools
import json
import math
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from bonaware.errors import BonawareError

INSIDE_PYTHON = "/python"  # must match launcher.INSIDE_PYTHON
STATUSES = ("passed", "failed", "error", "timeout", "oom", "sandbox_error")
_HERE = Path(__file__).resolve().parent


def _opt(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


@dataclass
class SandboxConfig:
    """Limits and isolation of one sandboxed run (defaults suit HumanEval/MBPP-sized programs)."""

    timeout: float = _opt(3.0, "wall-clock seconds a program may run, from interpreter start "
                               "(raise it on slow or loaded CPUs, cf. evalplus#5)")
    cpu_s: float | None = _opt(None, "CPU seconds per process (RLIMIT_CPU, rounded up to whole seconds); "
                                     "None: timeout + 1")
    memory_mb: int = _opt(1024, "address-space limit per process in MiB (RLIMIT_AS)")
    max_processes: int = _opt(32, "processes + threads the program may have (RLIMIT_NPROC, "
                                  "counted per sandbox in userns mode)")
    max_open_files: int = _opt(64, "open file descriptors per process (RLIMIT_NOFILE)")
    max_file_mb: int = _opt(16, "largest file the program may write, MiB (RLIMIT_FSIZE)")
    tmpfs_mb: int = _opt(64, "size of the private /tmp, the only writable place, MiB")
    uid: int | None = _opt(None, "uid the program runs as; None: 65534 (nobody) as root, else yours")
    gid: int | None = _opt(None, "gid the program runs as; None: 65534 as root (uid if set), else yours")
    python: str | None = _opt(None, "interpreter for the program (stdlib only, no site-packages); "
                                    "None: the current one")
    isolation: Literal["auto", "userns", "namespaces", "none"] = _opt(
        "auto", "auto: the strongest that works here; userns: user+pid+net+ipc+uts+mount namespaces; "
                "namespaces: the same without a user namespace (root only); none: rlimits, uid and "
                "process-group kill only (docs/security.md)")
    harden: bool = _opt(True, "audit hook + non-dumpable harness, which keep the verdict unforgeable; "
                              "turn off only to test the kernel layers alone")
    capture_output: bool = _opt(False, "keep the start of stdout/stderr (else they go to /dev/null)")
    max_output_bytes: int = _opt(8192, "bytes kept of each of stdout and stderr")
    stack_mb: int = _opt(32, "stack of the thread that runs the program, MiB")
    grace_s: float = _opt(5.0, "extra seconds for start-up and teardown before the parent kills the launcher")

    def validate(self) -> None:
        for name in ("timeout", "grace_s"):
            if not getattr(self, name) > 0:
                raise BonawareError(f"sandbox config: {name} must be > 0, got {getattr(self, name)!r}")
        if self.cpu_s is not None and not self.cpu_s > 0:
            raise BonawareError(f"sandbox config: cpu_s must be > 0 or None, got {self.cpu_s!r}")
        for name in ("memory_mb", "max_processes", "max_open_files", "max_file_mb", "tmpfs_mb", "stack_mb",
                     "max_output_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise BonawareError(f"sandbox config: {name} must be a positive integer, got {value!r}")
        if self.max_open_files < 16:
            raise BonawareError(f"sandbox config: max_open_files must be >= 16, got {self.max_open_files}")
        if self.isolation not in ("auto", "userns", "namespaces", "none"):
            raise BonawareError(f"sandbox config: isolation must be auto, userns, namespaces or none, "
                                f"got {self.isolation!r}")
        if os.geteuid() != 0 and (self.uid not in (None, os.getuid()) or self.gid not in (None, os.getgid())):
            raise BonawareError("sandbox config: uid/gid can only be chosen when running as root")


@dataclass(frozen=True)
class SandboxResult:
    """How one run ended. ``passed`` is True only for the harness's unforgeable verdict.

    ``status``: passed | failed (AssertionError) | error (any other exception, an exit, a crash) |
    timeout (wall clock or CPU limit) | oom (MemoryError) | sandbox_error (the sandbox itself could
    not start; not the program's fault). ``detail`` names the exception, signal or setup error.
    """

    status: str
    detail: str = ""
    wall_s: float = 0.0  # from the harness's exec to its end (the parent's total if it never started)
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


@functools.cache
def _source(name: str) -> str:
    return (_HERE / name).read_text()


@functools.cache
def _interpreter(python: str) -> tuple[str, str, str]:
    """(real executable, real prefix, executable relative to the prefix) of ``python``."""
    query = ("import json, os, sys; "
             "print(json.dumps([os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix)]))")
    try:
        out = subprocess.run([python, "-I", "-S", "-c", query], capture_output=True, text=True,
                             timeout=60, check=True, env={"PATH": "/usr/bin:/bin"}).stdout
        exe, prefix = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise BonawareError(f"sandbox config: python={python!r} is not usable ({exc})") from None
    rel = os.path.relpath(exe, prefix)
    if rel.startswith(".."):
        raise BonawareError(f"sandbox config: python={python!r}: {exe} is outside its prefix {prefix}")
    return exe, prefix, rel


def _ids(cfg: SandboxConfig) -> tuple[int, int]:
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    uid = 65534 if cfg.uid is None else cfg.uid
    return uid, uid if cfg.gid is None else cfg.gid


def _tasks_of(uid: int) -> int:
    """Threads currently owned by ``uid`` (RLIMIT_NPROC counts them all where no user namespace is used)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def _units(parts: str | Sequence[str], what: str, allow_empty: bool) -> list[str]:
    units = [parts] if isinstance(parts, str) else list(parts)
    if (not units and not allow_empty) or not all(isinstance(u, str) for u in units):
        raise BonawareError(f"run_program: {what} must be a str or a {'' if allow_empty else 'non-empty '}"
                            f"sequence of str units")
    return units


def run_program(program: str | Sequence[str], config: SandboxConfig | None = None, *,
                tests: str | Sequence[str] = (), **overrides) -> SandboxResult:
    """Run ``program`` and then ``tests`` in a fresh sandbox and report how it ended.

    Each is Python source or a sequence of source units; every unit is compiled separately (a unit
    cannot swallow the next one's text, e.g. by opening a string literal) and they run in order.
    The program's units share one namespace; the test units run in a copy of it taken when the
    program is done, which the program's code cannot reach (its functions keep the original as
    their globals), so a function under test cannot rebind the tests' own names while they run.
    It passes iff every unit runs to the end without an exception; units are numbered across both
    (``detail`` says ``unit i``). ``overrides`` set fields of ``config`` (e.g. ``timeout=1.0``).
    Thread-safe; each call is one sandbox.
    """
    unknown = sorted(set(overrides) - set(SandboxConfig.__dataclass_fields__))
    if unknown:
        raise BonawareError(f"run_program: unknown option(s) {', '.join(unknown)}; "
                            f"known: {', '.join(SandboxConfig.__dataclass_fields__)}")
    cfg = replace(config or SandboxConfig(), **overrides)
    cfg.validate()
    program_units = _units(program, "program", allow_empty=False)
    sources = program_units + _units(tests, "tests", allow_empty=True)
    units = [(f"<unit {i}>", source) for i, source in enumerate(sources)]
    python = cfg.python or sys.executable
    mode = cfg.isolation if cfg.isolation != "auto" else isolation_mode(python, *_ids(cfg))
    return _execute(units, cfg, mode, python, first_test=len(program_units))


@functools.cache
def isolation_mode(python: str | None = None, uid: int | None = None, gid: int | None = None) -> str:
    """The strongest isolation level that runs a trivial program here (probed once per process)."""
    python = python or sys.executable
    cfg = SandboxConfig(python=python, uid=uid, gid=gid, timeout=30.0)
    modes = ["userns"] + (["namespaces"] if os.geteuid() == 0 else []) + ["none"]
    failures = []
    for mode in modes:
        result = _execute([("<probe>", "pass")], cfg, mode, python, first_test=1)
        if result.passed:
            return mode
        failures.append(f"{mode}: {result.status} {result.detail}".strip())
    raise BonawareError("the code sandbox cannot run here; " + "; ".join(failures))


def _spec(cfg: SandboxConfig, mode: str, python: str, run_id: str, workdir: str | None) -> dict:
    exe, prefix, rel = _interpreter(python)
    uid, gid = _ids(cfg)
    inside = f"{INSIDE_PYTHON}/{rel}" if mode != "none" else exe
    home = "/tmp" if mode != "none" else workdir
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2"}
    if mode != "none":  # shared builds may carry an absolute RUNPATH to the host prefix
        env["LD_LIBRARY_PATH"] = f"{INSIDE_PYTHON}/lib"
    cpu = math.ceil(cfg.cpu_s if cfg.cpu_s is not None else cfg.timeout + 1)
    nproc = cfg.max_processes + (_tasks_of(uid) if mode != "userns" else 0)
    mib = 1 << 20
    return {
        "mode": mode, "parent_pid": os.getpid(), "uid": uid, "gid": gid, "is_root": os.geteuid() == 0,
        "prefix": prefix, "exec": inside, "workdir": workdir, "tmpfs_mb": cfg.tmpfs_mb,
        "timeout": cfg.timeout, "env": env,
        "argv": [inside, "-I", "-S", "-B", "-c", _source("harness.py"), "bonaware-sandbox", run_id],
        # soft == hard: SIGKILL at the limit. The soft limit's SIGXCPU would be ignored by the
        # harness, which is pid 1 of its namespace (init ignores signals it has no handler for).
        "rlimits": {"CPU": [cpu, cpu], "AS": [cfg.memory_mb * mib] * 2,
                    "FSIZE": [cfg.max_file_mb * mib] * 2, "NOFILE": [cfg.max_open_files] * 2,
                    "NPROC": [nproc] * 2, "CORE": [0, 0]},
    }


def _execute(units: list[tuple[str, str]], cfg: SandboxConfig, mode: str, python: str,
             first_test: int) -> SandboxResult:
    """One sandbox: start the launcher, hand it the token and job, collect its reports, clean up."""
    run_id = uuid.uuid4().hex[:16]
    token = secrets.token_hex(16).encode()
    # the namespaced modes get a tmpfs instead, made inside the sandbox
    workdir = tempfile.mkdtemp(prefix="bonaware-sbx-") if mode == "none" else None
    proc, fds, started = None, [], time.monotonic()
    try:
        spec = _spec(cfg, mode, python, run_id, workdir)
        if workdir is not None and os.geteuid() == 0:
            os.chown(workdir, spec["uid"], spec["gid"])
        report_r, report_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        fds += [report_r, report_w, ctl_r, ctl_w]
        spec["ctl_fd"] = ctl_w
        job = {"units": units, "first_test": first_test, "report_fd": report_w, "audit_hook": cfg.harden,
               "nondumpable": cfg.harden, "stack_mb": cfg.stack_mb}
        out = subprocess.PIPE if cfg.capture_output else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-B", "-c", _source("launcher.py"), json.dumps(spec)],
                stdin=subprocess.PIPE, stdout=out, stderr=out, pass_fds=(report_w, ctl_w),
                start_new_session=True, cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        except OSError as exc:  # e.g. EAGAIN under load: not the program's fault
            return SandboxResult("sandbox_error", f"cannot start the launcher: {exc}", isolation=mode,
                                 run_id=run_id)
        for fd in (report_w, ctl_w):  # only the sandbox may hold the write ends, so EOF means it is gone
            os.close(fd)
            fds.remove(fd)
        streams = _communicate(proc, token + b"\n" + json.dumps(job).encode(), report_r, ctl_r,
                               started + cfg.timeout + cfg.grace_s, cfg.max_output_bytes)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the launcher's death kills the sandbox (PDEATHSIG)
            proc.wait()
        for fd in fds:
            os.close(fd)
        if workdir is not None:
            _remove_tree(workdir)
    return _result(streams, token, cfg, mode, run_id, time.monotonic() - started)


def _communicate(proc: subprocess.Popen, stdin_data: bytes, report_r: int, ctl_r: int, deadline: float,
                 max_output: int) -> dict[str, bytes]:
    """Feed stdin and collect the pipes (bounded) until the launcher exits or ``deadline`` passes."""
    caps = {"report": 1 << 16, "ctl": 1 << 16, "stdout": max_output, "stderr": max_output}
    fds = {"report": report_r, "ctl": ctl_r}
    for name in ("stdout", "stderr"):
        stream = getattr(proc, name)
        if stream is not None:
            fds[name] = stream.fileno()
    data = {name: bytearray() for name in caps}
    sel = selectors.DefaultSelector()
    for name, fd in fds.items():
        sel.register(fd, selectors.EVENT_READ, name)
    stdin_fd, view = proc.stdin.fileno(), memoryview(stdin_data)
    os.set_blocking(stdin_fd, False)
    sel.register(stdin_fd, selectors.EVENT_WRITE, "stdin")
    killed = False
    while sel.get_map():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if killed:
                break
            os.killpg(proc.pid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + 1.0
            continue
        for key, _ in sel.select(timeout=remaining):
            name = key.data
            if name == "stdin":
                try:
                    view = view[os.write(stdin_fd, view[: 1 << 16]):]
                except BlockingIOError:
                    continue
                except OSError:  # the sandbox is gone (EPIPE)
                    view = view[:0]
                if not view:
                    sel.unregister(stdin_fd)
                    proc.stdin.close()
                continue
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                sel.unregister(key.fd)
                if name == "ctl":  # launcher done: every sandbox process is gone; drain briefly
                    deadline = min(deadline, time.monotonic() + 1.0)
                continue
            room = caps[name] - len(data[name])
            if room > 0:
                data[name] += chunk[:room]
    sel.close()
    if not proc.stdin.closed:
        proc.stdin.close()
    return {name: bytes(buf) for name, buf in data.items()}


def _result(streams: dict[str, bytes], token: bytes, cfg: SandboxConfig, mode: str, run_id: str,
            wall: float) -> SandboxResult:
    text = {k: streams[k].decode(errors="replace") for k in ("stdout", "stderr")}
    base = {"isolation": mode, "run_id": run_id, "wall_s": wall, **text}
    lines = streams["ctl"].decode(errors="replace").strip().splitlines()
    try:
        ctl = json.loads(lines[-1])
    except (IndexError, ValueError):
        return SandboxResult("sandbox_error", "the launcher ended without a report", **base)
    if ctl.get("setup_error"):
        return SandboxResult("sandbox_error", ctl["setup_error"], **base)
    base.update(wall_s=ctl["wall_s"], cpu_s=ctl["cpu_s"], max_rss_mb=ctl["max_rss_kb"] / 1024,
                exit_code=ctl["exit_code"], signal=ctl["signal"])
    if b"P" + token + b"\n" in streams["report"]:
        return SandboxResult("passed", **base)
    if ctl["timed_out"]:
        return SandboxResult("timeout", f"wall-clock limit of {cfg.timeout:g} s", **base)
    cpu_limit = math.ceil(cfg.cpu_s if cfg.cpu_s is not None else cfg.timeout + 1)
    if ctl["signal"] in (signal.SIGXCPU, signal.SIGKILL) and ctl["cpu_s"] >= 0.9 * cpu_limit:  # rusage ticks
        return SandboxResult("timeout", f"CPU limit of {cpu_limit} s", **base)
    failures = [ln for ln in streams["report"].split(b"\n") if ln.startswith(b"F")]
    if failures:
        unit, _, rest = failures[-1][1:].decode(errors="replace").partition("\t")
        kind, _, message = rest.partition("\t")
        status = {"AssertionError": "failed", "MemoryError": "oom"}.get(kind, "error")
        return SandboxResult(status, f"unit {unit}: {kind}: {message}".rstrip(": "), **base)
    if ctl["signal"] is not None:
        return SandboxResult("error", f"killed by {signal.Signals(ctl['signal']).name}", **base)
    return SandboxResult("error", f"exited with status {ctl['exit_code']} before the tests completed", **base)


def _remove_tree(path: str) -> None:
    """rmtree that also clears permission bits a program may have removed from its own folders."""

    def fix(func, target, _exc):
        os.chmod(os.path.dirname(target), 0o700)
        if os.path.isdir(target) and not os.path.islink(target):
            os.chmod(target, 0o700)
        func(target)

    try:
        shutil.rmtree(path, onerror=fix)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
