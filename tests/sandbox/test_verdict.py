"""The verdict cannot be forged: a program whose tests fail is never reported as passed, whatever
it does to the interpreter it shares with the harness (docs/security.md §Verdict).

Each case is a tampering unit followed by a test unit that fails. The last test shows that the
audit hook is what stops the frame-walking forgery: with it off, that attack succeeds.
"""

from __future__ import annotations

from textwrap import dedent

import pytest
from _sandbox_helpers import run_checked

FAILING_TESTS = "assert 1 + 1 == 3, 'the tests ran and failed'"

TAMPERING = {
    "atexit exit 0": "import atexit, os\natexit.register(os._exit, 0)",
    "excepthooks": dedent("""
        import sys, threading
        sys.excepthook = lambda *a: None
        threading.excepthook = lambda *a: None
        sys.unraisablehook = lambda *a: None
    """),
    "fake markers on every fd": dedent("""
        import os
        for fd in range(0, 64):
            for marker in (b"P" + b"0" * 32 + b"\\n", b"PASSED\\n", b"passed\\n", b"P\\n"):
                try:
                    os.write(fd, marker)
                except OSError:
                    pass
        print("PASSED")
    """),
    "os._exit(0) from the function under test": dedent("""
        import os
        def add(a, b):
            os._exit(0)
        add(1, 2)
    """),
    "patch exec and compile": dedent("""
        import builtins
        builtins.exec = lambda *a, **k: None
        builtins.compile = lambda *a, **k: compile('pass', 'x', 'exec')
    """),
    "rebind BaseException": "import builtins\nbuiltins.BaseException = type('X', (Exception,), {})",
    "rebind every exception name": dedent("""
        import builtins
        for name, value in vars(builtins).copy().items():
            if isinstance(value, type) and issubclass(value, BaseException):
                setattr(builtins, name, int)
    """),
    "patch os.write and os._exit": dedent("""
        import os
        real_write = os.write
        os.write = lambda fd, data: real_write(fd, data.replace(b"F", b"P"))
        os._exit = lambda code: None
    """),
    "patch the harness module": dedent("""
        import __main__
        for name in list(vars(__main__)):
            if not name.startswith('__'):
                setattr(__main__, name, lambda *a, **k: None)
    """),
    "edit files in the working folder": dedent("""
        import os, sys
        for name in os.listdir('.'):
            try:
                open(name, 'w').write('assert True')
            except OSError:
                pass
        open('test.py', 'w').write('assert True')
    """),
    "caller frame": "import sys\nsys._getframe(1).f_locals['exit_'] = lambda code: None",
    "traceback frames": dedent("""
        try:
            1 / 0
        except ZeroDivisionError as exc:
            frame = exc.__traceback__.tb_frame
    """),
    "generator frames": "gen = (x for x in [1])\nframe = gen.gi_frame",
    "other threads' frames": "import sys\nframes = sys._current_frames()",
    "trace function": "import sys\nsys.settrace(lambda *a: None)",
    "gc object walk": "import gc\nobjects = gc.get_objects()",
    "gc referrers": "import gc\nrefs = gc.get_referrers(print)",
    "ctypes": "import ctypes",
    "ctypes by hand": dedent("""
        import _imp, importlib.util
        _ctypes = _imp.create_dynamic(importlib.util.find_spec('_ctypes'))
        class Char(_ctypes._SimpleCData):
            _type_ = 'c'
        raw = (Char * 64).from_address(id(object()))
    """),
    "own memory via /proc": "data = open('/proc/self/mem', 'rb')",
    "own memory via /dev/fd": "data = open('/dev/fd/../mem', 'rb')",
    "crafted code object": "f = lambda: 0\ng = f.__code__.replace(co_code=f.__code__.co_code)",
    "marshal": "import marshal\ncode = marshal.loads(marshal.dumps(compile('1', 'x', 'eval')))",
    "swap __code__": "def f():\n    pass\nf.__code__ = (lambda: 1).__code__",
    "subinterpreter": "import _xxsubinterpreters",
    "exec a process": "import os\nos.execv('/bin/sh', ['sh', '-c', 'true'])",
    "subprocess": "import subprocess\nsubprocess.run(['true'])",
    "extra audit hook": "import sys\nsys.addaudithook(lambda *a: None)",
    "reset the thread sentinel": "import _thread\n_thread._set_sentinel()",
    "interrupt the main thread": "import _thread, time\n_thread.interrupt_main()\ntime.sleep(0.5)",
    "hostile exception": dedent("""
        class Hostile(Exception):
            def __str__(self):
                raise RuntimeError('no message for you')
        raise Hostile()
    """),
    "sys.exit(0) before the tests": "import sys\nsys.exit(0)",
    "os._exit(0) before the tests": "import os\nos._exit(0)",
    "raise SystemExit(0)": "raise SystemExit(0)",
    "raise KeyboardInterrupt": "raise KeyboardInterrupt",
    "fork and pass in the child": "import os\nif os.fork() == 0:\n    pass\nelse:\n    os.wait()",
}


@pytest.mark.parametrize("tamper", list(TAMPERING.values()), ids=list(TAMPERING))
def test_tampering_never_yields_a_pass(cfg, tamper):
    result = run_checked([tamper, FAILING_TESTS], cfg, timeout=1.5)
    assert not result.passed
    assert result.status in ("failed", "error", "timeout"), result


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


def test_frame_walking_forgery_is_stopped_by_the_audit_hook(cfg):
    assert run_checked([FORGERY, FAILING_TESTS], cfg).status == "error"  # PermissionError
    forged = run_checked([FORGERY, FAILING_TESTS], cfg, harden=False)
    assert forged.passed, "the forgery should work without the hook; if not, this test is stale"


def test_genuine_program_still_passes_after_harmless_introspection(cfg):
    program = dedent("""
        import inspect, sys
        def add(a, b):
            return a + b
        assert inspect.signature(add).parameters['a'].name == 'a'
        assert sys.getrecursionlimit() > 0
    """)
    assert run_checked([program, "assert add(2, 3) == 5"], cfg).passed
