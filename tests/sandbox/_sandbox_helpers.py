"""Helpers shared by the sandbox tests (a module, not conftest, so tests can import them)."""

from __future__ import annotations

import os
from pathlib import Path

from bonaware.verifiers.sandbox import SandboxConfig, SandboxResult, run_program

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by every uid, unlike a pyenv under /root


def tagged_processes(run_id: str) -> list[int]:
    """Host pids whose command line carries the sandbox tag of ``run_id`` (forks inherit it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if run_id.encode() in fh.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def run_checked(program, config: SandboxConfig, **overrides) -> SandboxResult:
    """``run_program`` plus the invariants every run must keep: ends in time, leaves nothing behind."""
    result = run_program(program, config, **overrides)
    timeout = overrides.get("timeout", config.timeout)
    assert result.status != "sandbox_error", result.detail
    assert result.wall_s < timeout + 1.0, (result.wall_s, result)
    assert tagged_processes(result.run_id) == [], f"processes left behind by {result.run_id}"
    return result


