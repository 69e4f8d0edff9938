"""Warm workers of the sandbox: one zygote (``zygote.py``) and one judge server (``judge.py``) each,
started once, reused by one thread at a time, and the pool that hands them out.

A worker runs one program at a time: it sends the program's units to the zygote and the tests to
the judge server with the two ends of a fresh socket, then collects the judge's verdict, the
monitor's report and (optionally) the output, and combines them into a :class:`SandboxResult`.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import math
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bonaware.errors import BonawareError
from bonaware.verifiers.sandbox import wire
from bonaware.verifiers.sandbox.config import SandboxConfig, SandboxResult

_HERE = Path(__file__).resolve().parent
_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2"}
# argv[1]: [[module, source], ...]; the last one runs as __main__ with the remaining argv
_BOOT = ("import json, sys, types\nmods = json.loads(sys.argv.pop(1))\nfor name, source in mods[:-1]:\n"
         "    m = types.ModuleType(name)\n    sys.modules[name] = m\n"
         "    exec(compile(source, '<' + name + '>', 'exec'), m.__dict__)\n"
         "exec(compile(mods[-1][1], '<' + mods[-1][0] + '>', 'exec'), {'__name__': '__main__'})\n")


@functools.cache
def _source(name: str) -> str:
    return (_HERE / name).read_text()


@functools.cache
def _interpreter(python: str) -> tuple[str, str]:
    """(real executable, real base prefix) of ``python``."""
    query = ("import json, os, sys; "
             "print(json.dumps([os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix)]))")
    try:
        out = subprocess.run([python, "-I", "-S", "-c", query], capture_output=True, text=True,
                             timeout=60, check=True, env={"PATH": "/usr/bin:/bin"}).stdout
        exe, prefix = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise BonawareError(f"sandbox config: python={python!r} is not usable ({exc})") from None
    if os.path.relpath(exe, prefix).startswith(".."):
        raise BonawareError(f"sandbox config: python={python!r}: {exe} is outside its prefix {prefix}")
    return exe, prefix


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


@dataclass(frozen=True)
class _Job:
    program: list[str]
    tests: list[str]
    prelude: list[str]
    entry_point: str | None


class _Worker:
    """One zygote (sandbox fork server) and one judge fork server, used by one thread at a time."""

    def __init__(self, python: str, mode: str, uid: int, gid: int):
        self.key = (python, mode, uid, gid)
        self.mode, self.uid, self.gid = mode, uid, gid
        self.healthy = True
        self.procs: list[tuple[subprocess.Popen, socket.socket]] = []
        exe, prefix = _interpreter(python)
        common = {"mode": mode, "uid": uid, "gid": gid, "is_root": os.geteuid() == 0, "prefix": prefix,
                  "host_tmp": tempfile.gettempdir()}
        try:
            self.zygote = self._start(exe, ["wire.py", "candidate.py", "zygote.py"], common)
            self.judge = self._start(exe, ["wire.py", "judge.py"], common)
        except BaseException:
            self.close()
            raise

    def _start(self, exe: str, files: list[str], spec: dict) -> socket.socket:
        names = {"wire.py": "bonaware_sandbox_wire", "candidate.py": "bonaware_sandbox_candidate"}
        modules = [[names.get(f, f[:-3]), _source(f)] for f in files]
        ours, theirs = socket.socketpair()
        try:
            spec = {**spec, "ctl_fd": theirs.fileno()}
            proc = subprocess.Popen([exe, "-I", "-S", "-B", "-c", _BOOT, json.dumps(modules), json.dumps(spec)],
                                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/", env=_ENV,
                                    start_new_session=True)
        except OSError as exc:
            ours.close()
            raise BonawareError(f"cannot start the sandbox ({files[-1]}): {exc}") from None
        finally:
            theirs.close()
        self.procs.append((proc, ours))
        try:
            hello = json.loads(wire.receive(ours, 1 << 20, time.monotonic() + 120))
        except (wire.WireError, ValueError) as exc:
            raise BonawareError(f"the sandbox's {files[-1][:-3]} did not start: {exc}") from None
        if not hello.get("ok"):
            raise BonawareError(f"the sandbox's {files[-1][:-3]} did not start: {hello.get('error')}")
        return ours

    def close(self) -> None:
        self.healthy = False
        for proc, sock in self.procs:
            sock.close()  # EOF: the server exits, and its children with it
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []

    def run(self, job: _Job, cfg: SandboxConfig) -> SandboxResult:
        run_id = uuid.uuid4().hex[:16]
        started = time.monotonic()
        try:
            return self._run(job, cfg, run_id, started)
        except BaseException:  # an interrupted exchange leaves the servers in an unknown state
            self.close()
            raise

    def _run(self, job: _Job, cfg: SandboxConfig, run_id: str, started: float) -> SandboxResult:
        mib = 1 << 20
        cpu_rlimit = math.ceil(cfg.timeout) + 1  # per-process backstop; the monitor polls the exact budget
        nproc = cfg.max_processes + (_tasks_of(self.uid) if self.mode != "userns" else 0)
        program_job = {
            "units": [[f"<unit {i}>", src] for i, src in enumerate(job.program)], "cpu_s": cfg.timeout,
            "wall_s": cfg.wall_s, "tmpfs_mb": cfg.tmpfs_mb, "harden": cfg.harden,
            "max_value_bytes": cfg.max_value_mb * mib, "run_id": run_id,
            "rlimits": {"CPU": [cpu_rlimit, cpu_rlimit], "AS": [cfg.memory_mb * mib] * 2,
                        "FSIZE": [cfg.max_file_mb * mib] * 2, "NOFILE": [cfg.max_open_files] * 2,
                        "NPROC": [nproc] * 2, "CORE": [0, 0], "STACK": [cfg.stack_mb * mib] * 2},
        }
        first = len(job.program)
        judge_job = {
            "prelude": [[f"<prelude {i}>", src] for i, src in enumerate(job.prelude)],
            "tests": [[f"<unit {first + i}>", src] for i, src in enumerate(job.tests)], "first_test": first,
            "entry_point": job.entry_point, "cpu_s": cfg.timeout, "wall_s": cfg.wall_s,
            "max_value_bytes": cfg.max_value_mb * mib,
            "judge_rlimits": {"CPU": [cpu_rlimit + 5] * 2, "AS": [2 * cfg.memory_mb * mib + 256 * mib] * 2,
                              "CORE": [0, 0]},
        }
        channel_judge, channel_program = socket.socketpair()
        report, report_theirs = socket.socketpair()
        verdict_r, verdict_w = os.pipe()
        capture = [os.pipe(), os.pipe()] if cfg.capture_output else []
        local = [channel_judge, channel_program, report_theirs, verdict_w] + [w for _, w in capture]
        try:
            wire.send(self.zygote, json.dumps(program_job).encode(),
                      [channel_program.fileno(), report_theirs.fileno()] + [w for _, w in capture])
            wire.send(self.judge, json.dumps(judge_job).encode(), [channel_judge.fileno(), verdict_w])
        except OSError as exc:  # a server died (e.g. the OOM killer): a fresh worker can retry
            self.healthy = False
            for fd in [verdict_r] + [r for r, _ in capture]:
                os.close(fd)
            report.close()
            return SandboxResult("sandbox_error", f"a sandbox server is gone ({exc})", isolation=self.mode,
                                 run_id=run_id, wall_s=time.monotonic() - started)
        finally:
            for item in local:  # the servers hold their own copies now
                item.close() if isinstance(item, socket.socket) else os.close(item)
        replies = []
        for server in (self.zygote, self.judge):
            try:
                replies.append(json.loads(wire.receive(server, 1 << 20, time.monotonic() + 60)))
            except (wire.WireError, ValueError) as exc:
                replies.append({"ok": False, "error": str(exc)})
        streams = self._collect(report, verdict_r, [r for r, _ in capture], replies[1].get("pid"),
                                started + cfg.wall_s + cfg.grace_s, cfg.max_output_bytes)
        failed = [r["error"] for r in replies if not r.get("ok")]
        base = {"isolation": self.mode, "run_id": run_id, "wall_s": time.monotonic() - started,
                "stdout": streams["stdout"].decode(errors="replace"),
                "stderr": streams["stderr"].decode(errors="replace")}
        if failed:
            self.healthy = False
            return SandboxResult("sandbox_error", "; ".join(failed), **base)
        return _combine(streams, cfg, base)

    def _collect(self, report: socket.socket, verdict_r: int, outputs: list[int], judge_pid: int | None,
                 deadline: float, max_output: int) -> dict[str, bytes]:
        """Read the verdict, the monitor's report and the outputs; stop the program once judged."""
        fds = {verdict_r: "verdict", report.fileno(): "report"}
        fds.update(zip(outputs, ("stdout", "stderr")))
        data = {name: bytearray() for name in ("verdict", "report", "stdout", "stderr")}
        caps = {"verdict": 1 << 16, "report": 1 << 16, "stdout": max_output, "stderr": max_output}
        open_fds, stopped, backstop = set(fds), False, False
        try:
            while {verdict_r, report.fileno()} & open_fds:
                if verdict_r not in open_fds and not stopped:
                    report.shutdown(socket.SHUT_WR)  # judged: the monitor stops the program now
                    stopped = True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if backstop:
                        self.healthy = False  # the monitor did not report: restart the servers
                        break
                    backstop = True
                    if judge_pid:
                        with contextlib.suppress(OSError):
                            os.kill(judge_pid, signal.SIGKILL)
                    deadline = time.monotonic() + 3.0
                    continue
                for fd in select.select(list(open_fds), [], [], remaining)[0]:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        open_fds.discard(fd)
                        continue
                    name = fds[fd]
                    room = caps[name] - len(data[name])
                    if room > 0:
                        data[name] += chunk[:room]
            if open_fds - {verdict_r, report.fileno()}:  # outputs: drain what is already there
                for fd in open_fds - {verdict_r, report.fileno()}:
                    while select.select([fd], [], [], 0.05)[0]:
                        chunk = os.read(fd, 1 << 16)
                        if not chunk:
                            break
                        name = fds[fd]
                        data[name] += chunk[:max(0, caps[name] - len(data[name]))]
        finally:
            report.close()
            for fd in [verdict_r] + outputs:
                os.close(fd)
        out = {name: bytes(buf) for name, buf in data.items()}
        out["backstop"] = b"1" if backstop else b""
        return out


def _combine(streams: dict[str, bytes], cfg: SandboxConfig, base: dict) -> SandboxResult:
    """The verdict of the judge, refined by the monitor's report when the program's process ended."""
    try:
        verdict = json.loads(streams["verdict"])
    except ValueError:
        verdict = None
    try:
        raw = streams["report"]
        report = json.loads(raw[4:]) if len(raw) > 4 else None
    except ValueError:
        report = None
    if report is not None:
        if report.get("setup_error"):
            return SandboxResult("sandbox_error", report["setup_error"], **base)
        base.update(cpu_s=report["cpu_s"], max_rss_mb=report["max_rss_kb"] / 1024, exit_code=report["exit_code"],
                    signal=report["signal"])
    if verdict is not None and verdict["status"] in ("passed", "failed"):
        return SandboxResult(verdict["status"], verdict["detail"], **base)
    killed = report.get("killed") if report else None
    cpu_rlimit = math.ceil(cfg.timeout) + 1
    if killed == "cpu" or (report and report["signal"] == signal.SIGKILL and report["cpu_s"] >= cpu_rlimit - 0.1):
        return SandboxResult("timeout", f"CPU limit of {cfg.timeout:g} s", **base)
    if killed == "wall" or streams["backstop"]:
        return SandboxResult("timeout", f"wall-clock limit of {cfg.wall_s:g} s", **base)
    if verdict is None:  # killed at its own CPU or memory backstop (tests stuck in C code on program data)
        return SandboxResult("error", "the judge ended without a verdict", **base)
    status, detail = verdict["status"], verdict["detail"]
    if detail.startswith("the program's process ended") and report is not None:
        how = (f"killed by {signal.Signals(report['signal']).name}" if report["signal"] is not None
               else f"exit status {report['exit_code']}")
        detail = f"{detail} ({how})"
    return SandboxResult(status, detail, **base)


# ---- the pool of warm workers ---------------------------------------------------------------------

_POOL: dict[tuple, list[_Worker]] = {}
_POOL_LOCK = threading.Lock()
_MAX_IDLE = 16


def _checkout(python: str, mode: str, uid: int, gid: int) -> _Worker:
    key = (python, mode, uid, gid)
    while True:
        with _POOL_LOCK:
            idle = _POOL.get(key)
            worker = idle.pop() if idle else None
        if worker is None:
            return _Worker(python, mode, uid, gid)
        if all(proc.poll() is None for proc, _ in worker.procs):
            return worker
        worker.close()  # a server died while idle (e.g. the OOM killer)


def _checkin(worker: _Worker) -> None:
    if worker.healthy and all(proc.poll() is None for proc, _ in worker.procs):
        with _POOL_LOCK:
            idle = _POOL.setdefault(worker.key, [])
            if len(idle) < _MAX_IDLE:
                idle.append(worker)
                return
    worker.close()


def close_workers() -> None:
    """Stop every idle worker (they are also stopped at exit; a later run starts new ones)."""
    with _POOL_LOCK:
        workers = [w for idle in _POOL.values() for w in idle]
        _POOL.clear()
    for worker in workers:
        worker.close()


def _forget_after_fork() -> None:
    """In a forked child: the servers belong to the parent; close our copies of their sockets."""
    for idle in _POOL.values():
        for worker in idle:
            for _, sock in worker.procs:
                sock.close()
    _POOL.clear()


atexit.register(close_workers)
os.register_at_fork(after_in_child=_forget_after_fork)
