"""GGUF files → cached Hugging Face folders (used by ``smollm2-135m`` and any ``*.gguf`` path).

transformers reads a GGUF file (``from_pretrained(dir, gguf_file=name)``) by de-quantising every
tensor to fp32, which takes ~15 s for a 135M model; we do it once and save an ordinary safetensors
folder in the cache, which later loads in ~0.3 s. transformers marks such a model as quantised
and then refuses ``save_pretrained`` ("quantized with gguf and is not serializable") although its
weights are plain fp32 tensors, so we drop the quantiser before saving (environment.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.models.cache import cache_root, is_complete, write_entry

_FINGERPRINT_BYTES = 4 << 20


def fingerprint(path: Path) -> str:
    """A short content key of a GGUF file: sha256 over its size, first and last 4 MiB.

    The header (architecture, tokenizer, shapes) sits at the start and tensor data fills the file
    to its end, so a different model or quantisation changes the key; hashing the whole file would
    double the cost of a cached load for no practical gain.
    """
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(_FINGERPRINT_BYTES))
        fh.seek(max(0, size - _FINGERPRINT_BYTES))
        h.update(fh.read(_FINGERPRINT_BYTES))
    return h.hexdigest()[:16]


def strip_gguf_quantizer(model: Any) -> None:
    """Make a model loaded from GGUF saveable: its weights are already dequantised fp32 tensors."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def load_gguf(path: Path) -> tuple[Any, Any]:
    """Read ``path`` with transformers' GGUF support → (fp32 model, tokenizer); never downloads."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BonawareError(f"{path}: cannot load GGUF file with transformers ({exc})") from None
    strip_gguf_quantizer(model)
    return model, tokenizer


def cache_folder(path: Path, name: str | None = None, key: str | None = None) -> Path:
    """Where the converted copy of the GGUF file ``path`` lives in the cache."""
    return cache_root() / f"{name or path.stem}-{key or fingerprint(path)}"


def cache_gguf(path: Path, name: str | None = None, extra_meta: dict[str, Any] | None = None) -> Path:
    """The cached HF folder for the GGUF file ``path``, converting it on first use.

    The entry is ``<cache>/<name or file stem>-<fingerprint>`` so a changed file gets a new entry.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise BonawareError(f"no such GGUF file: {str(path)!r}")
    key = fingerprint(path)
    folder = cache_folder(path, name, key)
    if is_complete(folder):
        return folder

    def fill(tmp: Path) -> dict[str, Any]:
        model, tokenizer = load_gguf(path)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        return {"name": name or path.stem, "source": str(path), "key": key,
                "parameters": sum(p.numel() for p in model.parameters()), **(extra_meta or {})}

    return write_entry(folder, fill)
