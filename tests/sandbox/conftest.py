"""Fixtures for the sandbox tests: small limits, host canaries, leftover-process checks."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from _sandbox_helpers import REPO

from bonaware.verifiers.sandbox import SandboxConfig


@pytest.fixture
def cfg() -> SandboxConfig:
    """Small limits so that adversarial programs end fast; generous grace for a loaded machine."""
    return SandboxConfig(timeout=2.0, memory_mb=512, grace_s=10.0)


@pytest.fixture
def canary():
    """A world-writable folder with a world-writable file: permissions do not protect it, only the
    sandbox's private file system does (in the namespaced modes the program cannot even see it).
    """
    (REPO / "build").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="sandbox-canary-", dir=REPO / "build"))
    folder.chmod(0o777)
    marker = folder / "canary.txt"
    marker.write_text("intact")
    marker.chmod(0o666)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 that records whether anybody connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except OSError:
                continue
            accepted.append(peer)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()
