"""Helpers shared by the sandbox tests (a module, not conftest, so tests can import them)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from bonaware.verifiers.sandbox import SandboxConfig, SandboxResult, run_program

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by every uid, unlike a pyenv under /root


def tagged_processes(run_id: str) -> list[int]:
    """Host pids left by the run ``run_id``: those whose name carries its tag (``bnw`` + its first 12
    characters, set on the program's process; forks inherit it), and any orphaned sandbox process
    (re-parented to init: the servers' children never are, unless something escaped)."""
    tag = f"bnw{run_id[:12]}"
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as fh:
                    name = fh.read().strip()
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = fh.read().rsplit(")", 1)[1].split()[1]
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    sandboxed = b"bonaware_sandbox" in fh.read()
            except OSError:
                continue
            if name == tag or (ppid == "1" and (sandboxed or name.startswith("bnw"))):
                found.append(int(entry))
    return found


def run_checked(program, config: SandboxConfig, **overrides) -> SandboxResult:
    """``run_program`` plus the invariants every run must keep: ends by its wall-clock backstop,
    leaves nothing behind."""
    result = run_program(program, config, **overrides)
    wall = replace(config, **{k: v for k, v in overrides.items() if k in SandboxConfig.__dataclass_fields__}).wall_s
    assert result.status != "sandbox_error", result.detail
    assert result.wall_s < wall + 1.5, (result.wall_s, result)
    assert tagged_processes(result.run_id) == [], f"processes left behind by {result.run_id}"
    return result


