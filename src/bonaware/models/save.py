"""Saving a trained policy: model + tokenizer as one Hugging Face folder, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.io import atomic_folder


def save_model(model: Any, tokenizer: Any, folder: str | Path) -> Path:
    """Save ``model`` (safetensors) and ``tokenizer`` to ``folder`` via a temporary sibling + rename.

    A reader (``load_model(folder)``) sees the previous complete folder or the new one, never half.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_folder(folder) as tmp:
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
    except OSError as exc:
        raise BonawareError(f"cannot save the model to {str(folder)!r}: {exc}") from None
    return folder
