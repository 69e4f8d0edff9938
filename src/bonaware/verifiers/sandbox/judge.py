"""Trusted half of a run: the judge runs the task's tests against the sandboxed program and decides.

Started once per worker by ``runner.py`` (``python -I -S -B``, outside the sandbox) as a small fork
server; it never runs program code and never sees the program's bytes except as parsed data. For
each program it forks a fresh judge process (nothing carries over between programs), which:

1. waits for the program's ``("ready",)`` on the channel (``candidate.py``);
2. executes the trusted *prelude* (HumanEval: the prompt, whose helpers such as HumanEval/38's
   ``encode_cyclic`` the tests call) in a fresh namespace — a prelude that does not compile alone
   is skipped;
3. binds each name the tests (or prelude) read as a global, and that neither they nor the builtins
   define, to the program's: data values as themselves; functions, classes and iterators as proxies
   that call into the sandbox; a module as the judge's own import of the same standard-library
   module. The entry point is always the program's;
4. executes the test units in order; the verdict is ``passed`` only if every unit ends without an
   exception *and* no fault was recorded: a fault (the program died, sent malformed bytes, returned
   a value the tests then compared although it is not data, raised ``SystemExit`` ...) is sticky, so
   tests that swallow exceptions cannot hide it;
5. writes one JSON verdict line on its verdict pipe, which only it and the library hold.

Limits: the tests' own CPU time (``ITIMER_PROF``), the wall-clock deadline while waiting for the
program, RLIMIT_AS/RLIMIT_CPU as backstops; the library kills the process past its wall backstop.
"""

import builtins
import dis
import importlib
import json
import os
import resource
import signal
import socket
import sys
import time
import types

import bonaware_sandbox_wire as wire

PRELOAD = ["typing", "collections", "functools", "itertools", "math", "re", "string", "heapq", "bisect", "copy",
           "random", "hashlib", "fractions", "decimal", "statistics", "operator", "json", "datetime", "cmath"]
_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"})
_STORES = frozenset({"STORE_NAME", "STORE_GLOBAL"})
_UNSAFE_IMPORTS = frozenset({"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "webbrowser",
                             "pydoc", "ensurepip", "venv", "pip", "__hello__", "__phello__"})
_CONTAINERS = (list, dict, set, bytearray, tuple)


class Fault(BaseException):
    """The program broke the rules; raised into the tests, and remembered even if they catch it."""


class _Proxy:
    __slots__ = ("_session", "_number")
    _kind = ""

    def __init__(self, session, number):
        self._session, self._number = session, number


class RemoteFunction(_Proxy):
    """A callable of the program (function, class, bound method): calling it calls it in the sandbox."""

    __slots__ = ()
    _kind = "f"

    def __call__(self, *args, **kwargs):
        return self._session.call(self, args, kwargs)

    def __repr__(self):
        return f"<program callable #{self._number}>"


class RemoteIterator(_Proxy):
    """An iterator of the program (a generator, map, ...): each ``next`` runs in the sandbox."""

    __slots__ = ()
    _kind = "i"

    def __iter__(self):
        return self

    def __next__(self):
        return self._session.next(self)

    def __repr__(self):
        return f"<program iterator #{self._number}>"


class RemoteObject(_Proxy):
    """Any other object of the program: it may be passed back to the program, and nothing else —
    comparing, hashing, testing, iterating or reading it is a fault (it is not data)."""

    __slots__ = ()
    _kind = "o"

    def __repr__(self):
        return "<object of the program>"

    __str__ = __repr__


def _refusal(name):
    def refuse(self, *args, **kwargs):
        self._session.fail("error", f"the tests used a value of the program that is not data "
                                    f"(operation {name}); only values of builtin types can be checked")
    return refuse


for _name in ("__eq__ __ne__ __lt__ __le__ __gt__ __ge__ __hash__ __bool__ __len__ __iter__ __next__ "  # noqa: SIM905
              "__contains__ __getitem__ __setitem__ __delitem__ __call__ __getattr__ __int__ __float__ "
              "__complex__ __index__ __round__ __abs__ __neg__ __pos__ __invert__ __add__ __radd__ __sub__ "
              "__rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ __rfloordiv__ __mod__ "
              "__rmod__ __pow__ __rpow__ __and__ __rand__ __or__ __ror__ __xor__ __rxor__ __lshift__ "
              "__rlshift__ __rshift__ __rrshift__ __matmul__ __rmatmul__ __enter__ __exit__ __reversed__ "
              "__bytes__ __fspath__").split():
    setattr(RemoteObject, _name, _refusal(_name))


def _sync(old, new, depth):
    """Make the tests' argument ``old`` equal to ``new`` (the program's after the call) in place."""
    kind = type(old)
    if kind is not type(new) or depth > wire.MAX_DEPTH:
        return
    if kind is list:
        for i in range(min(len(old), len(new))):
            if not _in_place(old[i], new[i], depth):
                old[i] = new[i]
        del old[len(new):]
        old.extend(new[len(old):])
    elif kind is dict:
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if not (key in old and _in_place(old[key], value, depth)):
                old[key] = value
    elif kind is set:
        old.clear()
        old.update(new)
    elif kind is bytearray:
        old[:] = new
    elif kind is tuple and len(old) == len(new):  # only its mutable items can have changed
        for a, b in zip(old, new):
            _in_place(a, b, depth)


def _in_place(old, new, depth):
    if type(old) is type(new) and type(old) in _CONTAINERS:
        _sync(old, new, depth + 1)
        return True
    return False


def global_names(code):
    """(names read as globals, names stored as globals) anywhere in ``code`` and its nested code."""
    loads, stores, todo = set(), set(), [code]
    while todo:
        current = todo.pop()
        for ins in dis.get_instructions(current):
            if ins.opname in _LOADS:
                loads.add(ins.argval)
            elif ins.opname in _STORES:
                stores.add(ins.argval)
        todo.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return loads, stores


def _trusted_module(name):
    if name in _UNSAFE_IMPORTS or name.startswith("_"):
        return None
    try:
        return importlib.import_module(name)  # -I -S: the standard library only
    except Exception:  # noqa: BLE001 - not importable here: the name stays unbound
        return None


class Session:
    """One program: the channel, the proxies, the sticky fault and the verdict."""

    def __init__(self, sock, job, finish):
        self.sock, self.job, self.finish = sock, job, finish
        self.max_bytes = job["max_value_bytes"]
        self.deadline = time.monotonic() + job["wall_s"] + 1.0
        self.fault = None
        self.proxies = {}
        self.calls = 0

    def fail(self, status, detail):
        if self.fault is None:
            self.fault = (status, detail)
        raise Fault(self.fault[1])

    def proxy(self, kind, number):
        cls = {"f": RemoteFunction, "i": RemoteIterator, "o": RemoteObject}.get(kind)
        if cls is None:
            raise wire.WireError(f"unknown handle kind {kind!r}")
        known = self.proxies.get(number)
        if known is None:
            known = self.proxies[number] = cls(self, number)
        elif type(known) is not cls:
            raise wire.WireError("a handle changed its kind")
        return known

    def encode_other(self, obj):
        if type(obj) in (RemoteFunction, RemoteIterator, RemoteObject) and obj._session is self:
            return ("handle", obj._kind, obj._number)
        self.fail("error", f"the tests passed a value of type {type(obj).__name__} to the program; only "
                           "values of builtin types cross to the sandbox (docs/verifiers.md)")

    def exchange(self, message):
        if self.fault is not None:
            raise Fault(self.fault[1])
        try:
            payload = wire.encode(message, self.encode_other, self.max_bytes)
        except wire.WireError as exc:
            self.fail("error", f"the tests' arguments cannot be sent: {exc}")
        self.calls += 1
        try:
            wire.send(self.sock, payload)
            reply = wire.decode(wire.receive(self.sock, self.max_bytes, self.deadline), self.proxy)
        except wire.WireTimeout:
            self.fail("timeout", f"wall-clock limit of {self.job['wall_s']:g} s")
        except (wire.WireClosed, OSError):
            self.fail("error", "the program's process ended before it answered")
        except wire.WireError as exc:
            self.fail("error", f"the program sent a malformed message ({exc})")
        if type(reply) is not tuple or not reply or type(reply[0]) is not str:
            self.fail("error", "the program sent a malformed message")
        return reply

    def call(self, target, args, kwargs):
        return self.result(self.exchange(("call", target, args, kwargs)), args, kwargs, False)

    def next(self, target):
        return self.result(self.exchange(("next", target)), (), {}, True)

    def result(self, reply, args, kwargs, iterating):
        tag = reply[0]
        if tag == "return" and len(reply) == 3:
            if reply[2] is not None:
                self.sync(args, kwargs, reply[2])
            return reply[1]
        if tag == "raise" and len(reply) == 5 and all(type(x) is str for x in reply[1:4]) and \
                type(reply[4]) is tuple:
            raise self.rebuild(*reply[1:], iterating)
        if tag == "unsendable" and len(reply) == 2 and type(reply[1]) is str:
            self.fail("error", f"a value of the program cannot be sent as data ({reply[1][:200]})")
        self.fail("error", f"the program sent an unexpected {tag[:50]!r} message")

    def sync(self, args, kwargs, after):
        if not (type(after) is tuple and len(after) == 2 and type(after[0]) is tuple and len(after[0]) == len(args)
                and type(after[1]) is dict and after[1].keys() == kwargs.keys()):
            self.fail("error", "the program sent malformed arguments back")
        for old, new in zip(args, after[0]):
            _sync(old, new, 0)
        for key, old in kwargs.items():
            _sync(old, after[1][key], 0)

    def rebuild(self, base, name, message, args, iterating):
        """A fresh exception of the judge's own builtin class ``base`` (the program's exception class
        itself never crosses; ``except ValueError`` in the tests catches a ValueError subclass).

        ``StopIteration`` is the end of an iterator's ``next``; raised by a *call* it is a fault: it
        would silently end a loop of the tests (``all(map(check_one, cases))``) and read as a pass."""
        cls = getattr(builtins, base, None)
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            cls = Exception
        if cls is MemoryError:
            self.fail("oom", f"the program raised MemoryError: {message[:200]}")
        if issubclass(cls, (StopIteration, StopAsyncIteration)) and not iterating:
            self.fail("error", f"the program raised {name[:100]} from a call")
        if not issubclass(cls, Exception):
            self.fail("error", f"the program raised {name[:100]}: {message[:200]}")
        for attempt in (args, (message,), ()):
            try:
                return cls(*attempt)
            except Exception:  # noqa: BLE001, S112 - e.g. UnicodeDecodeError needs five arguments
                continue
        return Exception(message)

    # ---- the run ----------------------------------------------------------------------------------

    def run(self, prelude, tests, names):
        first = self.first_message()
        if first is not None:
            return first
        self.arm_cpu_limit()
        namespace = {"__builtins__": builtins}
        for code in prelude:
            try:
                exec(code, namespace)
            except Fault:
                return self.fault
            except BaseException as exc:  # noqa: BLE001 - task data the judge cannot run
                return "error", f"the trusted prelude raised {type(exc).__name__}: {_text(exc)}"
        self.bind(namespace, names)
        first_test = self.job["first_test"]
        for index, code in enumerate(tests):
            if isinstance(code, str):  # a test unit that does not compile
                return "error", f"unit {first_test + index}: {code}"
            try:
                exec(code, namespace)
            except BaseException as exc:  # noqa: BLE001 - any exception ends the tests
                if self.fault is not None:
                    return self.fault
                status = {AssertionError: "failed", MemoryError: "oom"}.get(type(exc), "error")
                return status, f"unit {first_test + index}: {type(exc).__name__}: {_text(exc)}".rstrip(": ")
        return self.fault or ("passed", "")

    def first_message(self):
        """None once the program is ready; else the verdict of a program that did not load."""
        try:
            reply = wire.decode(wire.receive(self.sock, self.max_bytes, self.deadline))
        except wire.WireTimeout:
            return "timeout", f"wall-clock limit of {self.job['wall_s']:g} s"
        except (wire.WireClosed, OSError):
            return "error", "the program's process ended before it was ready"
        except wire.WireError as exc:
            return "error", f"the program sent a malformed message ({exc})"
        if reply == ("ready",):
            return None
        if type(reply) is tuple and len(reply) == 5 and reply[0] == "load" and type(reply[1]) is int and \
                all(type(x) is str for x in reply[2:]):
            _, unit, base, name, message = reply
            status = {"AssertionError": "failed", "MemoryError": "oom"}.get(base, "error")
            return status, f"unit {unit}: {name[:100]}: {message[:500]}".rstrip(": ")
        return "error", "the program sent an unexpected first message"

    def bind(self, namespace, names):
        loads, stores = names
        entry = self.job["entry_point"]
        if entry:
            namespace.pop(entry, None)  # the prelude's stub must not stand in for the program's function
        wanted = sorted(n for n in loads - stores if n not in namespace and not hasattr(builtins, n))
        if entry and entry not in wanted:
            wanted.append(entry)
        if not wanted:
            return
        reply = self.exchange(("names", wanted))
        found = reply[1] if len(reply) == 2 and reply[0] == "names" and type(reply[1]) is dict else None
        if found is None or not set(found) <= set(wanted):
            self.fail("error", "the program sent a malformed answer to the names request")
        for name, entry_value in found.items():
            if type(entry_value) is not tuple or len(entry_value) != 2 or entry_value[0] not in ("value", "module"):
                self.fail("error", "the program sent a malformed answer to the names request")
            if entry_value[0] == "value":
                namespace[name] = entry_value[1]
            else:  # the test's own name, imported here: the program's module object never crosses
                module = _trusted_module(name)
                if module is not None:
                    namespace[name] = module

    def arm_cpu_limit(self):
        limit = self.job["cpu_s"]

        def on_limit(signum, frame):
            if self.fault is not None:  # the tests swallowed the first one: the verdict is already decided
                self.finish(*self.fault)
            self.fail("timeout", f"CPU limit of {limit:g} s (tests)")

        signal.signal(signal.SIGPROF, on_limit)
        signal.setitimer(signal.ITIMER_PROF, limit, 0.05)  # counts this process's CPU from now; keeps
        # firing every 0.05 s of CPU if the tests swallow the first one


def _text(exc):
    try:
        return str(exc)[:500].replace("\n", " ")
    except BaseException:  # noqa: BLE001 - an exception built from program data
        return "<unprintable>"


def _judge(job, prelude, tests, names, chan_fd, verdict_fd):
    """The forked judge process: limits, one session, one verdict line. Never returns."""

    def finish(status, detail):
        try:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            line = json.dumps({"status": status, "detail": detail, "cpu_s": usage.ru_utime + usage.ru_stime})
            os.write(verdict_fd, line.encode() + b"\n")
        finally:
            os._exit(0)

    session = None
    try:
        for name, (soft, hard) in job["judge_rlimits"].items():
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (soft, hard))
        session = Session(socket.socket(fileno=chan_fd), job, finish)
        try:
            verdict = session.run(prelude, tests, names)
        except Fault:
            verdict = session.fault
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    except Fault:
        verdict = session.fault
    except MemoryError:
        verdict = "oom", "the tests ran out of memory"
    except BaseException as exc:  # noqa: BLE001 - a failure of the judge is an error, never a pass
        verdict = "error", f"the judge failed: {type(exc).__name__}: {_text(exc)}"
    finish(*verdict)


def _compile(units, cache):
    out = []
    for filename, source in units:
        key = (filename, source)
        if key not in cache:
            if len(cache) > 512:
                cache.clear()
            try:
                cache[key] = compile(source, filename, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                cache[key] = f"{type(exc).__name__}: {exc}"
        out.append(cache[key])
    return out


def _nondumpable():
    """PR_SET_DUMPABLE 0: no ptrace, /proc/<pid>/mem or /proc/<pid>/fd access by other processes of
    the same uid (mode ``none`` without root runs the program as the library's own uid)."""
    import ctypes

    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)


def main():
    spec = json.loads(sys.argv[1])
    ctl = socket.socket(fileno=spec["ctl_fd"])
    _nondumpable()  # inherited by every judge process forked below
    for name in PRELOAD:
        try:  # noqa: SIM105 - plain stdlib
            importlib.import_module(name)
        except ImportError:
            pass
    wire.send(ctl, json.dumps({"ok": True, "pid": os.getpid()}).encode())
    codes, names_cache = {}, {}
    while True:
        try:
            payload, fds = wire.receive(ctl, 1 << 30, with_fds=True)
        except wire.WireClosed:
            break
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        job = json.loads(payload)
        prelude = [c for c in _compile(job["prelude"], codes) if not isinstance(c, str)]
        if len(prelude) != len(job["prelude"]):
            prelude = []  # a prelude that does not compile alone (a partial prompt) is skipped
        tests = _compile(job["tests"], codes)
        loads, stores = set(), set()
        for code in prelude + [c for c in tests if not isinstance(c, str)]:
            if code not in names_cache:
                if len(names_cache) > 512:
                    names_cache.clear()
                names_cache[code] = global_names(code)
            loads |= names_cache[code][0]
            if code not in prelude:
                stores |= names_cache[code][1]
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            wire.send(ctl, json.dumps({"ok": False, "error": f"fork: {exc}"}).encode())
            continue
        if pid == 0:
            ctl.close()
            _judge(job, prelude, tests, (loads, stores), fds[0], fds[1])
        for fd in fds:
            os.close(fd)
        wire.send(ctl, json.dumps({"ok": True, "pid": pid}).encode())
    os._exit(0)


if __name__ == "__main__":
    main()
