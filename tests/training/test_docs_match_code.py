"""docs/training.md's TrainConfig table and docs/methods.md's sections match the code.

Regenerate the table with ``PYTHONPATH=src python tests/training/test_docs_match_code.py``.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def render_config_table() -> str:
    """The markdown table of every TrainConfig field: flag, type, default, help (from the metadata)."""
    from bonaware.training.config import TrainConfig

    hints = typing.get_type_hints(TrainConfig)
    lines = ["| flag | type | default | meaning |", "|---|---|---|---|"]
    for f in dataclasses.fields(TrainConfig):
        tp = str(hints[f.name]).replace("typing.", "").replace("<class '", "").replace("'>", "").replace("|", "\\|")
        help_text = f.metadata["help"].replace("|", "\\|")
        default = f.metadata.get("default_text") or f"`{f.default!r}`"
        lines.append(f"| `--{f.name}` | `{tp}` | {default} | {help_text} |")
    return "\n".join(lines)


def test_training_doc_has_the_current_config_table():
    text = (DOCS / "training.md").read_text()
    assert render_config_table() in text, "regenerate the table: python tests/training/test_docs_match_code.py"


def test_methods_doc_has_one_section_per_method_naming_its_config():
    from bonaware.training.methods import get_method, list_methods

    text = (DOCS / "methods.md").read_text()
    for name in list_methods():
        assert f"## `{name}`" in text, name
        section = text.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        assert f"`{get_method(name).objective}`" in section, name
        assert "configs/" in section and "tests/" in section, name


if __name__ == "__main__":
    print(render_config_table())
