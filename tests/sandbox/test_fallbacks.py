"""The other isolation levels and interpreters (docs/security.md §Modes, §Fallback for non-root).

* ``namespaces``: root without a user namespace (real setuid to nobody).
* ``none``: no namespaces at all — rlimits, uid drop (root), process-group kill and a sweep of
  re-parented orphans; a real temporary folder that is removed afterwards.
* a non-root user: the whole library run as uid 65534, which must still get the ``userns`` level.
* other CPython versions as the interpreter of the sandbox and the judge (3.8+).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
from pathlib import Path
from textwrap import dedent

import pytest
from _sandbox_helpers import REPO, SYSTEM_PYTHON, run_checked
from test_verdict import FAILING_TESTS, FORGERY

from bonaware.verifiers.sandbox import SandboxConfig

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
system_python = pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason=f"needs {SYSTEM_PYTHON}")
DAEMON = dedent("""
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(30)
        os._exit(0)
    time.sleep(0.2)
    assert False
""")
FORK_BOMB = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
WHOAMI = "import json, os\nprint(json.dumps([os.getuid(), os.getcwd(), os.getpid()]))"
JUDGED = "def evens(n):\n    for i in range(0, n, 2):\n        yield i\ndef push(xs):\n    xs.append(1)"
JUDGED_TESTS = "assert list(evens(5)) == [0, 2, 4]\nxs = []\npush(xs)\nassert xs == [1]"


@as_root
def test_namespaces_mode_without_a_user_namespace(cfg):
    cfg = SandboxConfig(**{**cfg.__dict__, "isolation": "namespaces"})
    assert run_checked("assert 1 == 1", cfg).passed
    assert run_checked(FAILING_TESTS, cfg).status == "failed"
    assert run_checked(DAEMON, cfg).status == "failed"
    assert run_checked(FORK_BOMB, cfg, timeout=1.0, wall_timeout=2.0).status == "timeout"
    uid, cwd, pid = json.loads(run_checked(WHOAMI, cfg, capture_output=True).stdout)
    assert (uid, cwd, pid) == (65534, "/tmp", 1)
    assert run_checked(JUDGED, cfg, tests=JUDGED_TESTS).passed


@as_root
@system_python
def test_none_mode_still_limits_drops_root_and_kills_everything(cfg):
    cfg = SandboxConfig(**{**cfg.__dict__, "isolation": "none", "python": SYSTEM_PYTHON})
    assert run_checked("assert 1 == 1", cfg).passed
    assert run_checked(FAILING_TESTS, cfg).status == "failed"
    assert run_checked(DAEMON, cfg).status == "failed"  # the orphan is swept (run_checked)
    assert run_checked(FORK_BOMB, cfg, timeout=1.0, wall_timeout=2.0).status == "timeout"
    assert run_checked("import time\ntime.sleep(100)", cfg, wall_timeout=0.5).status == "timeout"
    assert run_checked([FORGERY, FAILING_TESTS], cfg).status == "failed"
    assert run_checked(JUDGED, cfg, tests=JUDGED_TESTS).passed
    uid, cwd, _ = json.loads(run_checked(WHOAMI, cfg, capture_output=True).stdout)
    assert uid == 65534 and cwd.startswith(tempfile.gettempdir())
    assert not os.path.exists(cwd), "the temporary working folder was not removed"


NON_ROOT_SCRIPT = dedent("""
    import json, os, sys
    from bonaware.verifiers.sandbox import isolation_mode, run_program
    canary = sys.argv[1]
    attack = f"open({canary!r} + '/canary.txt', 'w').write('pwned')"
    report = {"uid": os.getuid(), "mode": isolation_mode(), "runs": {}}
    read_only = "import os, sys\\nassert all(os.statvfs(p).f_flag & os.ST_RDONLY for p in ['/', sys.base_prefix])"
    programs = {"pass": "assert 1 == 1", "fail": "assert 1 == 2", "fork bomb": FORK_BOMB, "canary": attack,
                "forgery": [FORGERY, FAILING_TESTS], "read-only": read_only}
    for name, program in programs.items():
        result = run_program(program, timeout=1.0, wall_timeout=3.0)
        report["runs"][name] = [result.status, result.detail]
    from bonaware.verifiers.sandbox import workers
    servers = [p.pid for idle in workers._POOL.values() for w in idle for p, _ in w.procs]
    report["server_owners"] = sorted({os.stat(f"/proc/{pid}/environ").st_uid for pid in servers})
    print(json.dumps(report))
""")


def unprivileged_userns_allowed() -> bool:
    """False where a sysctl forbids or restricts user namespaces for non-root users."""
    for path, forbidding in (("/proc/sys/user/max_user_namespaces", "0"),
                             ("/proc/sys/kernel/unprivileged_userns_clone", "0"),
                             ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1")):
        try:
            if Path(path).read_text().strip() == forbidding:
                return False
        except OSError:
            pass
    return True


@as_root
@system_python
@pytest.mark.skipif(not unprivileged_userns_allowed(), reason="user namespaces restricted for non-root users")
def test_non_root_user_gets_user_namespaces_and_a_read_only_host(canary):
    """The canary belongs to the very uid the program runs as: only the read-only mount saves it."""
    os.chown(canary, 65534, 65534)
    os.chown(canary / "canary.txt", 65534, 65534)
    constants = {"FORK_BOMB": FORK_BOMB, "FORGERY": FORGERY, "FAILING_TESTS": FAILING_TESTS}
    script = "".join(f"{name} = {value!r}\n" for name, value in constants.items()) + NON_ROOT_SCRIPT
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    done = subprocess.run([SYSTEM_PYTHON, "-c", script, str(canary)], user=65534, group=65534,
                          extra_groups=[], env=env, cwd="/", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["uid"] == 65534 and report["mode"] == "userns"
    statuses = {name: status for name, (status, _) in report["runs"].items()}
    assert statuses == {"pass": "passed", "fail": "failed", "fork bomb": "timeout", "canary": "error",
                        "forgery": "failed", "read-only": "passed"}, report
    assert (canary / "canary.txt").read_text() == "intact"
    # zygote and judge run as this very uid here, and are non-dumpable: their /proc entries belong to
    # root, so the programs (same uid) cannot ptrace them or open their memory or descriptors
    assert report["server_owners"] == [0], report


def other_pythons() -> list:
    """pyenv interpreters 3.8+; the oldest and the newest run by default (their ``dis`` opcodes and
    standard libraries differ most from this one's), the others are slow."""
    found = glob.glob(str(Path.home() / ".pyenv/versions/3.*/bin/python3.*[0-9]"))
    found = sorted((p for p in found if not p.endswith(("3.6", "3.7")) and os.access(p, os.X_OK)),
                   key=lambda p: tuple(map(int, p.rsplit("python", 1)[1].split("."))))
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no pyenv interpreters"))]
    if len(found) <= 2:
        return found
    return found[:1] + [pytest.param(p, marks=pytest.mark.slow) for p in found[1:-1]] + found[-1:]


@pytest.mark.parametrize("python", other_pythons())
def test_other_interpreter_versions_run_the_sandbox_and_the_judge(cfg, python):
    cfg = SandboxConfig(**{**cfg.__dict__, "python": python})
    assert run_checked("from typing import List\nimport threading\nassert 1 == 1", cfg).passed
    assert run_checked(FAILING_TESTS, cfg).status == "failed"
    assert run_checked("import time\ntime.sleep(100)", cfg, wall_timeout=0.5).status == "timeout"
    assert run_checked([FORGERY, FAILING_TESTS], cfg).status == "failed"
    assert run_checked([FORGERY, FAILING_TESTS], cfg, harden=False).status == "failed"
    assert run_checked(JUDGED, cfg, tests=JUDGED_TESTS).passed
    assert run_checked(JUDGED, cfg, tests="assert list(evens(5)) == [0, 2]").status == "failed"
