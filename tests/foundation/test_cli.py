"""The CLI dispatcher: help, version, unknown commands."""

from __future__ import annotations

import subprocess
import sys

from bonaware.cli.main import COMMANDS, main


def test_help_lists_every_command():
    res = subprocess.run([sys.executable, "-m", "bonaware", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    for name in COMMANDS:
        assert name in res.stdout


def test_unknown_command_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_version_via_module():
    res = subprocess.run([sys.executable, "-m", "bonaware", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("bonaware ")


def test_import_bonaware_does_not_import_torch():
    code = "import bonaware, bonaware.bon, sys; print('torch' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"
