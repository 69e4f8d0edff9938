"""The on-disk model cache: where built models live and how they are written.

Models that bonaware builds itself (``tiny``) or converts (``smollm2-135m``, any ``.gguf`` file) are
saved once as ordinary Hugging Face folders (``config.json`` + safetensors + tokenizer) under
:func:`cache_root` — ``$BONAWARE_CACHE``, default ``~/.cache/bonaware`` — and reloaded from there.

A folder is written under a temporary name in the same parent and renamed into place only when
complete (the marker file ``bonaware.json`` is the last thing written before the rename), so a
killed build never leaves a folder that looks finished, and two concurrent builds cannot mix files:
the second rename finds the folder present and its own copy is discarded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.io import write_json_atomic

#: the marker and metadata file of a finished cache entry
META_FILE = "bonaware.json"


def cache_root() -> Path:
    """The cache folder: ``$BONAWARE_CACHE`` if set, else ``~/.cache/bonaware``."""
    env = os.environ.get("BONAWARE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "bonaware"


def is_complete(folder: Path) -> bool:
    """True when ``folder`` is a finished cache entry (its metadata file exists)."""
    return (folder / META_FILE).is_file()


def read_meta(folder: Path) -> dict[str, Any]:
    """The metadata a cache entry was written with (name, version, key, config, metrics ...)."""
    path = folder / META_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BonawareError(f"{path}: unreadable cache metadata ({exc}); "
                            "delete the folder to rebuild") from None


def _apply_umask(folder: Path) -> None:
    # mkdtemp/mkstemp create private (0700/0600) files; a finished entry gets ordinary permissions
    # so a cache shared between users (BONAWARE_CACHE on a group folder) stays readable.
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for path in folder.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def write_entry(folder: Path, fill: Callable[[Path], dict[str, Any]]) -> Path:
    """Create the cache entry ``folder`` atomically.

    ``fill(tmp)`` writes the model files into the empty folder ``tmp`` and returns the metadata to
    store; the folder is then renamed to ``folder``. If another process finished ``folder`` first,
    its entry is kept and ours discarded. Returns ``folder``.
    """
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BonawareError(f"cannot create cache folder {str(parent)!r} ({exc.strerror}); "
                            "set BONAWARE_CACHE to a writable folder") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    try:
        meta = fill(tmp)
        write_json_atomic(tmp / META_FILE, meta)
        _apply_umask(tmp)
        if folder.exists() and not is_complete(folder):
            shutil.rmtree(folder)  # a folder without marker is debris (e.g. copied by hand); replace it
        try:
            os.rename(tmp, folder)
        except OSError:
            if not is_complete(folder):
                raise
            shutil.rmtree(tmp)  # lost the race to a concurrent build of the same entry
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
