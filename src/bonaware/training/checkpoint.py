"""Atomic, verifiable training checkpoints (issue: crash-safe training).

A checkpoint is one file ``ckpt-<step>.pt`` holding everything needed to continue *exactly*:
trainable parameters, optimiser and scheduler states, the EMA anchor, the value head and its
optimiser, the step (which is also the data position: every step's prompts and sampling seed are
derived from ``(seed, step)``), all RNG states, and the metrics logged so far. It is written to a
temporary file and renamed, and carries a SHA-256 of its payload so a truncated or corrupted file
is detected with a clear error instead of resuming from garbage. Older checkpoints are kept
(``keep`` newest) so the previous good one survives a bad write.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bonaware.errors import BonawareError
from bonaware.io import atomic_write

_NAME = re.compile(r"^ckpt-(\d+)\.pt$")
_MAGIC = b"BONAWARE-CKPT-1\n"


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states."""
    return {"python": random.getstate(), "numpy": np.random.get_state(),  # noqa: NPY002 - global state of user code
            "torch": torch.get_rng_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore states saved by :func:`rng_state`."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])  # noqa: NPY002
    torch.set_rng_state(state["torch"])


def save_checkpoint(folder: str | os.PathLike, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Write ``state`` as ``folder/ckpt-<step>.pt`` atomically, then prune all but the ``keep`` newest."""
    folder = Path(folder)
    buf = io.BytesIO()
    torch.save(state, buf)
    payload = buf.getvalue()
    digest = hashlib.sha256(payload).hexdigest().encode()
    path = folder / f"ckpt-{step}.pt"
    with atomic_write(path, "wb") as fh:
        fh.write(_MAGIC + digest + b"\n" + payload)
    for old in list_checkpoints(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def list_checkpoints(folder: str | os.PathLike) -> list[Path]:
    """Checkpoint files in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read and verify one checkpoint; a truncated or corrupted file raises :class:`BonawareError`."""
    path = Path(path)
    data = path.read_bytes()
    header_len = len(_MAGIC) + 65
    if not data.startswith(_MAGIC) or len(data) < header_len:
        raise BonawareError(f"{path}: not a bonaware checkpoint (bad header; truncated?)")
    digest, payload = data[len(_MAGIC):header_len - 1], data[header_len:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise BonawareError(f"{path}: checkpoint is corrupted or truncated (checksum mismatch)")
    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)


def latest_checkpoint(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The newest checkpoint's state, or None if there is none.

    A newest checkpoint that fails verification is an error (the message names the previous good
    one), never silently skipped: resuming from an older step would repeat logged steps.
    """
    ckpts = list_checkpoints(folder)
    if not ckpts:
        return None
    try:
        return load_checkpoint(ckpts[-1])
    except BonawareError as exc:
        prev = f"; the previous checkpoint {ckpts[-2].name} is intact — delete the bad file to resume from it" \
            if len(ckpts) > 1 else ""
        raise BonawareError(f"{exc}{prev}") from None
