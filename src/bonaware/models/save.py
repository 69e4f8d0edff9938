"""Saving a trained policy: model + tokenizer as one Hugging Face folder, written atomically."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError


def save_model(model: Any, tokenizer: Any, folder: str | Path) -> Path:
    """Save ``model`` (safetensors) and ``tokenizer`` to ``folder`` via a temporary sibling + rename.

    A reader (``load_model(folder)``) sees the previous complete folder or the new one, never half.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BonawareError(f"cannot save the model to {str(folder)!r}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
