"""experiments/ helper scripts (not a package) imported as modules by the tests of this folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXP = Path(__file__).resolve().parents[2] / "experiments"


def load_script(rel: str):
    """``experiments/<rel>`` (e.g. ``"summarize.py"``, ``"14_code/statuses.py"``) as a fresh module."""
    path = EXP / rel
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
