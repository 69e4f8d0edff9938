"""``load_model``: an embedded name, a local HF model folder or a ``.gguf`` file → (model, tokenizer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.models.gguf import cache_gguf
from bonaware.models.registry import EMBEDDED, get_embedded

_DTYPES = {"float32": "float32", "fp32": "float32", "bfloat16": "bfloat16", "bf16": "bfloat16",
           "float16": "float16", "fp16": "float16", "half": "float16"}


def resolve_device(device: Any) -> Any:
    """``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a ``torch.device`` → ``torch.device`` (checked)."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise BonawareError(f"device: cannot parse {device!r} (use 'cpu', 'cuda' or 'cuda:N')") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise BonawareError(f"device: {device!r} requested but CUDA is not available on this machine")
    return dev


def resolve_dtype(dtype: Any, device: Any) -> Any:
    """None → fp32 on CPU, bf16 on CUDA; a name (``"bf16"``, ``"float32"`` ...) or a torch dtype."""
    import torch

    if dtype is None:
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if isinstance(dtype, torch.dtype):
        name = str(dtype).removeprefix("torch.")
    else:
        name = _DTYPES.get(str(dtype).lower(), "")
    if name not in _DTYPES.values():
        raise BonawareError(f"dtype: {dtype!r} is not supported; use float32, bfloat16 or float16")
    return getattr(torch, name)


def resolve_folder(name_or_path: str | Path, progress: bool = True) -> Path:
    """The HF folder behind an embedded name, a model folder, or a ``.gguf`` file (cached copy)."""
    if isinstance(name_or_path, str) and name_or_path in EMBEDDED:
        return get_embedded(name_or_path).build(progress)
    path = Path(name_or_path).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return cache_gguf(path)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise BonawareError(f"{str(path)!r} is a folder but not a Hugging Face model folder "
                                "(no config.json)")
        return path
    if path.exists():
        raise BonawareError(f"{str(path)!r} is neither a Hugging Face model folder nor a .gguf file")
    # Not a path: most likely a mistyped embedded name (or a hub id, which we never download).
    return get_embedded(str(name_or_path)).build(progress)


def load_model(name_or_path: str | Path, *, device: Any = "cpu", dtype: Any = None,
               progress: bool = True) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer, offline.

    Args:
        name_or_path: an embedded model (``"tiny"``, ``"smollm2-135m"``; built into the cache on
            first use), a local Hugging Face model folder (``config.json`` + weights + tokenizer),
            or a ``.gguf`` file (de-quantised to fp32 and cached as safetensors on first use).
        device: ``"cpu"`` (default), ``"cuda"``, ``"cuda:N"`` or a ``torch.device``.
        dtype: None (fp32 on CPU, bf16 on CUDA), ``"float32"``/``"bfloat16"``/``"float16"`` or a torch dtype.
        progress: show progress bars while building an embedded model.

    Returns:
        ``(model, tokenizer)``: a ``PreTrainedModel`` in eval mode on ``device`` and its tokenizer
        (whose ``pad_token`` is always set). Never downloads (``local_files_only=True``).
    """
    dev = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, dev)
    folder = resolve_folder(name_or_path, progress)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise BonawareError(f"{folder}: cannot load model or tokenizer ({exc})") from None
    if tokenizer.pad_token is None:
        # Batched sampling/training pad with it; eos is the conventional choice for causal LMs.
        tokenizer.pad_token = tokenizer.eos_token
    return model.to(dev).eval(), tokenizer
