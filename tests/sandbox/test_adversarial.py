"""Hostile programs: each is judged not-passed within its timeout, leaves no process behind
(``run_checked``), and leaves the host untouched (canaries, $HOME, host /tmp, this process).

``kernel-only`` runs turn the harness's audit hook off, so the kernel layers (namespaces, uid,
rlimits, read-only mounts) must hold on their own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from textwrap import dedent

import pytest
from _sandbox_helpers import REPO, run_checked

from bonaware.verifiers.sandbox import isolation_mode

LAYERS = pytest.mark.parametrize("harden", [True, False], ids=["hardened", "kernel-only"])
GENUINE = "def add(a, b):\n    return a + b\n\nassert add(2, 3) == 5 and add(-1, 1) == 0\n"
FORK_BOMB = dedent("""
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
""")

needs_namespaces = pytest.mark.skipif(isolation_mode() == "none", reason="no namespaces on this machine")


@LAYERS
def test_fork_bomb_is_contained_and_killed(cfg, harden):
    result = run_checked(FORK_BOMB, cfg, timeout=1.0, wall_timeout=2.0, harden=harden)
    assert result.status == "timeout"


def test_infinite_loop_times_out(cfg):
    result = run_checked("while True:\n    pass", cfg, timeout=1.0)
    assert (result.status, result.detail) == ("timeout", "CPU limit of 1 s")


def test_sleeping_forever_times_out(cfg):
    result = run_checked("import time\ntime.sleep(10 ** 6)", cfg, wall_timeout=1.0)
    assert (result.status, result.detail) == ("timeout", "wall-clock limit of 1 s")


def test_memory_blowup_hits_the_address_space_limit(cfg):
    program = "hog = []\nwhile True:\n    hog.append(bytearray(1 << 24))"
    result = run_checked(program, cfg, memory_mb=256)
    assert result.status == "oom"
    assert result.max_rss_mb < 256


@pytest.mark.parametrize("limit", [None, 10**8], ids=["default-limit", "raised-limit"])
def test_deep_recursion_fails(cfg, limit):
    raise_limit = f"import sys\nsys.setrecursionlimit({limit})\n" if limit else ""
    program = raise_limit + "def down(n):\n    return down(n + 1) + 1\n\ndown(0)"
    result = run_checked(program, cfg, memory_mb=256)
    assert result.status in ("error", "oom", "timeout"), result  # RecursionError, MemoryError, or slow growth


def test_gigabytes_of_output_are_bounded(cfg):
    program = "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n    sys.stderr.write('y' * 65536)"
    result = run_checked(program, cfg, timeout=1.0, wall_timeout=3.0, capture_output=True, max_output_bytes=4096)
    assert result.status == "timeout"
    assert (len(result.stdout), len(result.stderr)) == (4096, 4096)
    assert run_checked(program, cfg, timeout=1.0, wall_timeout=3.0).status == "timeout"  # to /dev/null


@needs_namespaces
@LAYERS
def test_files_outside_the_sandbox_are_untouched(cfg, canary, harden):
    name = f"bonaware-sandbox-{uuid.uuid4().hex}"
    home, marker = Path.home(), canary / "canary.txt"
    targets = {
        "delete canary": f"os.remove({str(marker)!r})",
        "overwrite canary": f"open({str(marker)!r}, 'w').write('pwned')",
        "new file next to canary": f"open({str(canary / name)!r}, 'w').write('x')",
        "chmod canary dir": f"os.chmod({str(canary)!r}, 0o700)",
        "remove canary dir": f"shutil.rmtree({str(canary)!r})",
        "write $HOME": f"open({str(home / name)!r}, 'w').write('x')",
        "write the repository": f"open({str(REPO / name)!r}, 'w').write('x')",
        "write /etc": f"open('/etc/{name}', 'w').write('x')",
    }
    lines = ["import os, shutil", "hits = []"]
    for label, action in targets.items():
        lines += ["try:", f"    {action}", f"    hits.append({label!r})", "except Exception:", "    pass"]
    lines += [f"open('/tmp/{name}', 'w').write('inside only')", "assert hits, 'nothing outside was writable'"]
    result = run_checked("\n".join(lines), cfg, harden=harden)
    assert result.status == "failed", result.detail
    assert marker.read_text() == "intact"
    assert sorted(os.listdir(canary)) == ["canary.txt"] and canary.stat().st_mode & 0o777 == 0o777
    for leftover in (home / name, REPO / name, Path("/etc") / name, Path("/tmp") / name):
        assert not leftover.exists(), leftover


@needs_namespaces
@LAYERS
def test_no_network_even_to_a_local_listener(cfg, listener, harden):
    port, accepted = listener
    program = dedent(f"""
        import socket
        connected = False
        try:
            socket.create_connection(('127.0.0.1', {port}), timeout=0.5)
            connected = True
        except Exception:
            pass
        assert connected
    """)
    result = run_checked(program, cfg, harden=harden)
    assert result.status in ("failed", "error")
    time.sleep(0.3)
    assert accepted == []


@needs_namespaces
@LAYERS
def test_cannot_signal_the_parent_or_host_processes(cfg, harden):
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    received = []
    previous = signal.signal(signal.SIGUSR2, lambda *_: received.append(True))
    try:
        program = dedent(f"""
            import os, signal
            for pid, sig in [(os.getppid(), signal.SIGKILL), ({victim.pid}, signal.SIGKILL),
                             ({os.getpid()}, signal.SIGUSR2)]:
                try:
                    os.kill(pid, sig)
                except Exception:
                    pass
            assert False, 'still here'
        """)
        result = run_checked(program, cfg, harden=harden)
        assert result.status == "failed"
        time.sleep(0.2)
        assert victim.poll() is None, "a host process was killed from inside the sandbox"
        assert received == [], "the test process received a signal from inside the sandbox"
    finally:
        signal.signal(signal.SIGUSR2, previous)
        victim.kill()
        victim.wait()


@LAYERS
def test_children_ignoring_sigterm_are_killed_at_the_timeout(cfg, harden):
    program = dedent("""
        import os, signal, time
        for _ in range(3):
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGHUP, signal.SIG_IGN)
                while True:
                    time.sleep(1)
        time.sleep(10 ** 6)
    """)
    assert run_checked(program, cfg, wall_timeout=1.0, harden=harden).status == "timeout"


@LAYERS
def test_daemon_child_does_not_outlive_the_run(cfg, harden):
    program = dedent("""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(30)
            os._exit(0)
        time.sleep(0.2)
        assert False, 'wrong answer'
    """)
    result = run_checked(program, cfg, harden=harden)  # run_checked: no process carries the run's tag
    assert result.status == "failed"


def test_parent_environment_secrets_are_not_visible():
    """The secret is in the initial environment of the process that runs the sandbox, where
    /proc/<pid>/environ would show it; the program passes only if it finds it anywhere."""
    secret = f"s3cret-{uuid.uuid4().hex}"
    program = dedent("""
        import os
        found = [k for k in os.environ if 'BONAWARE_TEST_SECRET' in k]
        for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['self', str(os.getppid())]:
            try:
                data = open(f'/proc/{pid}/environ', 'rb').read()
            except Exception:
                continue
            if b'BONAWARE_TEST_SECRET' in data:
                found.append(pid)
                print(data)
        print(sorted(os.environ))
        assert found, 'no secret found'
    """)
    script = (
        "import json, sys\nfrom bonaware.verifiers.sandbox import run_program\n"
        f"r = run_program({program!r}, timeout=2.0, capture_output=True, isolation={isolation_mode()!r})\n"
        "print(json.dumps([r.status, r.stdout, r.stderr]))"
    )
    env = dict(os.environ, BONAWARE_TEST_SECRET=secret, PYTHONPATH=str(REPO / "src"))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout
    status = done.stdout.strip().splitlines()[-1]
    assert status.startswith('["failed"'), status


def test_genuine_solution_passes_with_the_other_core_busy(cfg):
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        assert all(run_checked(GENUINE, cfg).passed for _ in range(3))
    finally:
        burner.kill()
        burner.wait()


def test_genuine_solution_passes_next_to_a_fork_bomb(cfg):
    with ThreadPoolExecutor(2) as pool:
        bomb = pool.submit(run_checked, FORK_BOMB, cfg, timeout=2.0, wall_timeout=3.0)
        time.sleep(0.3)
        genuine = [run_checked(GENUINE, cfg) for _ in range(3)]
        assert bomb.result().status == "timeout"
    assert all(r.passed for r in genuine), [r.detail for r in genuine]
