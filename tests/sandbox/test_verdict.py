"""The verdict cannot be forged (docs/security.md §Verdict): a wrong program is never judged passed,
whatever it does inside its own process, and the host is left untouched.

Every probe is a *wrong* solution of a small HumanEval-style problem (``add``; the honest solution
passes, :func:`test_the_honest_solution_passes`) plus an attack, judged by the tests running in the
judge process. The classes, most of which forged a pass against the earlier in-process harness
(issue 15), each run with the audit hook (``hardened``) and without it (``kernel-only``): the
verdict must not depend on the hook.

1. replacing the harness's functions, interrupting the main thread and walking frames from a
   signal handler, then writing pass tokens, verdict lines and forged protocol messages to every
   file descriptor;
2. a native extension written to the private ``/tmp`` and imported (built here with gcc);
3. shadowing the tests' own names (``check``) with a ``str`` subclass key planted in ``globals()``;
4. return values that compare equal to anything (``AlwaysEqual``, ``str``/``int``/``tuple``
   subclasses with their own ``__eq__``);
5. attacks on the channel and the judge: malformed, oversized, deeply nested or recursive values,
   bogus handles, a crash or ``SystemExit`` mid-call, looking for the hidden tests in memory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import uuid
from pathlib import Path
from textwrap import dedent

import pytest
from _sandbox_helpers import SYSTEM_PYTHON, run_checked

from bonaware.verifiers.sandbox import isolation_mode

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
TEST = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n"
WRONG = "def add(a, b):\n    return 0\n"
LAYERS = pytest.mark.parametrize("harden", [True, False], ids=["hardened", "kernel-only"])
FAILING_TESTS = "assert 1 + 1 == 3, 'the tests ran and failed'"  # a failing program unit (test_fallbacks)
MARKER = f"bonaware-probe-{uuid.uuid4().hex}"

# Writes everything a verdict channel could ever have accepted to every descriptor it can reach.
SPRAY = dedent(f"""
    def _spray():
        import os, json
        try:
            import bonaware_sandbox_wire as w
            forged = [w.encode(m) for m in [("ready",), ("passed",), ("verdict", "passed"), ("return", True, None),
                                             ("names", {{"check": ("value", None)}}), ("raise",)]]
            frames = [len(f).to_bytes(4, "big") + f for f in forged]
        except Exception:
            frames = []
        junk = [b"P" + b"0" * 32 + b"\\n", b"PASSED\\n",
                json.dumps({{"status": "passed", "detail": ""}}).encode() + b"\\n"]
        for fd in range(0, 1024):
            for data in junk + frames:
                try:
                    os.write(fd, data)
                except OSError:
                    break
        for path in ("/tmp/{MARKER}", "{Path.home()}/{MARKER}"):
            try:
                open(path, "w").write("x")
            except OSError:
                pass
""")

PROBES = {
    # 1. harness replacement, interrupts, signal handlers, frame walking
    "replace the harness functions": SPRAY + dedent("""
        import sys
        for name, module in list(sys.modules.items()):
            if name.startswith("bonaware") or name == "__main__":
                for attr in list(vars(module)):
                    if callable(getattr(module, attr)) and not attr.startswith("__"):
                        try:
                            setattr(module, attr, lambda *a, **k: _spray())
                        except Exception:
                            pass
        _spray()
    """),
    "always answer the same through the real protocol": dedent("""
        import bonaware_sandbox_wire as w
        real_encode = w.encode
        def encode(message, *args, **kwargs):
            if isinstance(message, tuple) and message and message[0] == "return":
                message = ("return", 5, None)
            return real_encode(message, *args, **kwargs)
        w.encode = encode
    """),
    "signal handler walks frames and sprays": SPRAY + dedent("""
        import signal, sys, _thread, faulthandler
        seen = []
        def handler(signum, frame):
            f = frame
            while f is not None:
                seen.extend(f.f_locals)
                for value in list(f.f_locals.values()):
                    if hasattr(value, "fileno"):
                        try:
                            value.sendall(b"P" + b"0" * 32)
                        except Exception:
                            pass
                f = f.f_back
            _spray()
        signal.signal(signal.SIGALRM, handler)
        try:
            faulthandler.register(signal.SIGUSR1, all_threads=True)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGALRM])
        except Exception:
            pass
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        try:
            _thread.interrupt_main()
        except BaseException:
            pass
        import time
        time.sleep(0.05)
        signal.setitimer(signal.ITIMER_REAL, 0)
    """),
    "interrupt the main thread during the tests": dedent("""
        import _thread, threading, time
        def later():
            time.sleep(0.01)
            _thread.interrupt_main()
        threading.Thread(target=later, daemon=True).start()
    """),
    "all frames of all threads": SPRAY + dedent("""
        import sys
        try:
            for frame in sys._current_frames().values():
                while frame is not None:
                    for key, value in list(frame.f_locals.items()):
                        if isinstance(value, bytes) and value.startswith(b"P"):
                            _spray()
                    frame = frame.f_back
        except Exception:
            pass
        _spray()
    """),
    "fork a child that sprays": SPRAY + dedent("""
        import os
        try:
            if os.fork() == 0:
                _spray()
                os._exit(0)
        except Exception:
            pass
    """),
    "exit with success before the tests": "import os\nos._exit(0)",
    "exit with success from the function under test": "import os\ndef add(a, b):\n    os._exit(0)",
    "SystemExit from the function under test": "def add(a, b):\n    raise SystemExit(0)",
    "KeyboardInterrupt from the function under test": "def add(a, b):\n    raise KeyboardInterrupt",
    "atexit and excepthooks": dedent("""
        import atexit, os, sys, threading
        atexit.register(os._exit, 0)
        sys.excepthook = threading.excepthook = sys.unraisablehook = lambda *a: None
    """),
    "patch builtins the tests use": dedent("""
        import builtins
        builtins.AssertionError = type("Quiet", (Exception,), {})
        builtins.abs = lambda x: 0
        builtins.len = lambda x: 0
    """),
    "rebind every exception name": dedent("""
        import builtins
        for name, value in vars(builtins).copy().items():
            if isinstance(value, type) and issubclass(value, BaseException):
                setattr(builtins, name, int)
    """),
    # 3. shadowing the tests' names
    "str-subclass key shadows check": dedent("""
        class Key(str):
            def __eq__(self, other):
                return True
            def __hash__(self):
                return hash("check")
        for name in ("check", "candidate", "AssertionError", "add"):
            globals()[Key(name)] = lambda *a, **k: None
    """),
    # 4. return values that equal anything
    "AlwaysEqual": dedent("""
        class AlwaysEqual:
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return False
            def __bool__(self):
                return True
            __hash__ = object.__hash__
        def add(a, b):
            return AlwaysEqual()
    """),
    "str subclass with its own __eq__": dedent("""
        class S(str):
            def __eq__(self, other):
                return True
            __hash__ = str.__hash__
        def add(a, b):
            return S("x")
    """),
    "int subclass with its own __eq__": dedent("""
        class I(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        def add(a, b):
            return I(7)
    """),
    "tuple subclass with its own __eq__ inside a list": dedent("""
        class T(tuple):
            def __eq__(self, other):
                return True
            __hash__ = tuple.__hash__
        def add(a, b):
            return [T()][0]
    """),
    "a fake __class__": dedent("""
        class Fake:
            __class__ = int
            def __eq__(self, other):
                return True
        def add(a, b):
            return Fake()
    """),
    "StopIteration ends a loop of the tests early": "def add(a, b):\n    raise StopIteration",
    # 5. the channel and the judge
    "garbage on the channel": "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'\\xff' * 64)\n"
                              "    except OSError:\n        pass",
    "an oversized length prefix": "import os\nos.write(3, (2 ** 32 - 1).to_bytes(4, 'big'))",
    "a recursive return value": "def add(a, b):\n    x = []\n    x.append(x)\n    return x",
    "a deeply nested return value": "def add(a, b):\n    x = 0\n    for _ in range(10 ** 4):\n        x = [x]\n"
                                    "    return x",
    "a huge return value": "def add(a, b):\n    return 'x' * (80 << 20)",
    "bogus handles": dedent("""
        import bonaware_sandbox_wire as w
        real_encode = w.encode
        def encode(message, *args, **kwargs):
            data = real_encode(message, *args, **kwargs)
            return data.replace(b"I", b"H")
        w.encode = encode
    """),
    "crash in the middle of a call": "import os, signal\ndef add(a, b):\n    os.abort()",
    "look for the hidden tests in memory": dedent("""
        import gc, sys
        FOUND = any(isinstance(o, str) and "candidate(2, 3)" in o for o in gc.get_objects()) or any(
            "candidate(2, 3)" in repr(vars(m)) for m in list(sys.modules.values()))
        def add(a, b):
            return a + b if FOUND else 0
    """),
}


@pytest.fixture
def host_untouched(canary):
    """The probes try to write a marker to the host's /tmp and $HOME and to a world-writable canary."""
    yield canary
    assert (canary / "canary.txt").read_text() == "intact"
    for place in (Path("/tmp") / MARKER, Path.home() / MARKER):
        assert not place.exists(), f"a probe wrote {place} on the host"


def judge(cfg, program, **overrides):
    return run_checked(program, cfg, tests=[TEST, "check(add)"], prelude=PROMPT, entry_point="add", **overrides)


def test_the_honest_solution_passes(cfg):
    assert judge(cfg, PROMPT + "    return a + b\n").passed
    assert judge(cfg, "def add(a, b):\n    return b + a\n").passed


@LAYERS
@pytest.mark.parametrize("probe", list(PROBES.values()), ids=list(PROBES))
def test_wrong_program_is_never_judged_passed(cfg, probe, harden, host_untouched):
    target = str(host_untouched / "canary.txt")
    canary_attack = f"\ntry:\n    open({target!r}, 'w').write('pwned')\nexcept OSError:\n    pass\n"
    result = judge(cfg, [WRONG, probe + canary_attack], harden=harden)
    assert not result.passed, result
    assert result.status in ("failed", "error", "timeout", "oom"), result


def test_stop_iteration_from_a_call_does_not_end_the_tests_quietly(cfg):
    program = [WRONG, PROBES["StopIteration ends a loop of the tests early"]]
    tests = "cases = [((2, 3), 5), ((-1, 1), 0)]\nassert all(map(lambda c: add(*c[0]) == c[1], cases))"
    result = run_checked(program, cfg, tests=tests)
    assert (result.status, result.detail) == ("error", "the program raised StopIteration from a call")
    # in one interpreter, as plain Python runs it, the same tests pass: map() ends at the StopIteration
    assert run_checked([*program, tests], cfg).passed


def test_values_that_are_not_data_are_errors_not_failures(cfg):
    for name in ("AlwaysEqual", "str subclass with its own __eq__", "int subclass with its own __eq__",
                 "tuple subclass with its own __eq__ inside a list", "a fake __class__"):
        result = judge(cfg, [WRONG, PROBES[name]])
        assert result.status == "error" and "not data" in result.detail, (name, result)


def test_shadowed_names_do_not_reach_the_tests(cfg):
    """The planted keys live in the program's namespace only: the judge's ``check`` is the task's,
    so the verdict is the one the program's ``add`` earns, honest or not."""
    shadow = PROBES["str-subclass key shadows check"]
    assert judge(cfg, [PROMPT + "    return a + b\n", shadow]).passed
    assert judge(cfg, [WRONG, shadow]).status == "failed"


def test_the_tests_are_not_in_the_programs_memory(cfg):
    result = judge(cfg, [WRONG, PROBES["look for the hidden tests in memory"]])
    assert result.status == "failed", result


FORGE_C = r"""
#include <Python.h>
#include <string.h>
#include <unistd.h>

static struct PyModuleDef forge_module = {PyModuleDef_HEAD_INIT, "forge", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_forge(void) {
    const char *lines[] = {"P00000000000000000000000000000000\n", "{\"status\": \"passed\", \"detail\": \"\"}\n"};
    static const unsigned char ready[] = {0, 0, 0, 9, 'U', 1, 'S', 5, 'r', 'e', 'a', 'd', 'y'};
    (void)!write(1, "NATIVE CODE RAN\n", 16);
    for (int fd = 3; fd < 1024; fd++) {
        for (int i = 0; i < 2; i++) {
            if (write(fd, lines[i], strlen(lines[i])) < 0) break;
        }
        (void)!write(fd, ready, sizeof ready);
    }
    return PyModule_Create(&forge_module);
}
"""


@pytest.fixture(scope="module")
def forge_extension(tmp_path_factory) -> bytes:
    """A native extension module whose init writes forged verdicts to every descriptor."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    include = sysconfig.get_paths()["include"]
    if compiler is None or not os.path.exists(os.path.join(include, "Python.h")):
        pytest.skip("needs a C compiler and Python.h to build the extension")
    folder = tmp_path_factory.mktemp("forge")
    (folder / "forge.c").write_text(FORGE_C)
    target = folder / ("forge" + sysconfig.get_config_var("EXT_SUFFIX"))
    done = subprocess.run([compiler, "-shared", "-fPIC", "-O1", f"-I{include}", str(folder / "forge.c"), "-o",
                           str(target)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"could not build the extension: {done.stderr[:500]}")
    return target.read_bytes()


def native_probe(binary: bytes) -> str:
    return dedent(f"""
        import importlib.machinery, importlib.util, os, sys
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "forge" + importlib.machinery.EXTENSION_SUFFIXES[0])
        open(path, "wb").write({binary!r})
        try:
            loader = importlib.machinery.ExtensionFileLoader("forge", path)
            module = importlib.util.module_from_spec(importlib.util.spec_from_file_location("forge", path,
                                                                                            loader=loader))
            print("LOADED", flush=True)
        except Exception as exc:
            print("REFUSED", type(exc).__name__, exc, flush=True)
    """)


@LAYERS
def test_native_extension_in_the_private_tmp_cannot_load_or_forge(cfg, forge_extension, harden, host_untouched):
    result = judge(cfg, [WRONG, native_probe(forge_extension)], harden=harden, capture_output=True)
    assert not result.passed, result
    if isolation_mode() != "none":  # the private /tmp is mounted noexec: the loader cannot map the code
        assert "REFUSED" in result.stdout and "NATIVE CODE RAN" not in result.stdout, result.stdout


@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason=f"needs {SYSTEM_PYTHON}")
def test_native_extension_that_loads_still_cannot_forge(cfg, forge_extension, host_untouched):
    """Mode ``none`` has no noexec /tmp: the extension loads and sprays forged verdicts from native
    code, and the program still is not judged passed (the judge is another process). The system
    interpreter is used because uid 65534 must be able to read its standard library."""
    result = judge(cfg, [WRONG, native_probe(forge_extension)], harden=False, isolation="none",
                   python=SYSTEM_PYTHON, capture_output=True)
    if "NATIVE CODE RAN" not in result.stdout:
        pytest.skip(f"the extension did not load here: {result.stdout.strip()[:200]}")
    assert result.status in ("failed", "error"), result  # error: its spray reached the channel


FORGERY = dedent("""
    import os, sys
    for frame in sys._current_frames().values():
        while frame is not None:
            verdict = frame.f_locals.get('verdict')
            if isinstance(verdict, bytes) and verdict.startswith(b'P'):
                for fd in range(3, 64):
                    try:
                        os.write(fd, verdict)
                    except OSError:
                        pass
            frame = frame.f_back
""")


@LAYERS
def test_the_frame_walking_forgery_of_the_old_harness_no_longer_works(cfg, harden):
    """With the earlier in-process harness this program forged a pass once the audit hook was off."""
    assert run_checked([FORGERY, FAILING_TESTS], cfg, harden=harden).status == "failed"
    assert not judge(cfg, [WRONG, FORGERY], harden=harden).passed
