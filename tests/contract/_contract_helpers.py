"""Helpers for the bad-input contract: one clear error line, exit status 2, no traceback, no output files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: lines other libraries print to stderr before our error (transformers' weight-loading progress bar)
NOISE = ("Loading weights", "Writing model shards")


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def error_lines(stderr: str) -> list[str]:
    lines = [line for chunk in stderr.splitlines() for line in chunk.split("\r")]
    return [line for line in lines if line.strip() and not line.lstrip().startswith(NOISE)]


def check_clean_error(code: int, stderr: str, command: str, *needles: str) -> str:
    """Assert the contract for one failed run and return its error line."""
    assert "Traceback" not in stderr, stderr
    assert code == 2, (code, stderr)
    lines = error_lines(stderr)
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1, stderr
    line = errors[0]
    assert line.startswith(f"bonaware {command}") and "error: " in line, line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


def run_cli(*argv: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m bonaware ARGV`` in a subprocess (one torch thread, offline)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bonaware", *argv], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)
