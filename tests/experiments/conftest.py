"""Fixtures shared by the tests of experiments/."""

from __future__ import annotations

import pytest
from exp_scripts import load_script


@pytest.fixture(scope="module")
def summarize():
    """experiments/summarize.py as a module."""
    return load_script("summarize.py")
