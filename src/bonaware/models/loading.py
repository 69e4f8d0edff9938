"""``load_model``: an embedded name, a local HF model folder, a ``.gguf`` file or a Hugging Face id
already in the local HF cache → (model, tokenizer). Never downloads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bonaware.errors import BonawareError
from bonaware.models.gguf import cache_gguf
from bonaware.models.registry import EMBEDDED, get_embedded

#: how every ``--model`` option describes what it accepts
MODEL_HELP = ("an embedded name (tiny, smollm2-135m), a local Hugging Face model folder or .gguf file, or a "
              "Hugging Face id (org/name[@revision]) already in the local HF cache; never downloaded")
#: a Hugging Face repo id, optionally with @revision: "gpt2", "HuggingFaceTB/SmolLM2-135M-Instruct@main"
_HF_ID = re.compile(r"[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?(?:@[\w./-]+)?")

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


def hf_cache_dir() -> Path:
    """The local Hugging Face hub cache: ``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else
    ``~/.cache/huggingface/hub`` (huggingface_hub's own rule, read when it is imported)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def resolve_hf_cached(model_id: str) -> Path:
    """The snapshot folder of Hugging Face model ``model_id`` (``org/name[@revision]``) in the local
    HF cache, offline; a :class:`BonawareError` naming the cache folder when it is not there."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    repo_id, _, revision = model_id.partition("@")
    cache = hf_cache_dir()
    try:  # local_files_only: resolves refs/<revision> in the cache and makes no HTTP request
        folder = Path(snapshot_download(repo_id, revision=revision or None, cache_dir=cache, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, FileNotFoundError):
        entry = cache / f"models--{repo_id.replace('/', '--')}"
        found = "has no snapshot of that revision" if entry.is_dir() else "does not exist"
        raise BonawareError(
            f"model {model_id!r} is not an embedded model ({', '.join(EMBEDDED)}), a local folder or .gguf file, "
            f"and not in the local Hugging Face cache {cache} ({entry} {found}; HF_HUB_CACHE or HF_HOME "
            "choose the cache). bonaware never downloads: fetch it where there is network "
            f"(hf download {repo_id}) and copy the cache here, or pass a model folder") from None
    if not (folder / "config.json").is_file():
        ggufs = sorted(folder.glob("*.gguf"))
        if len(ggufs) == 1:
            return cache_gguf(ggufs[0])
        raise BonawareError(f"{model_id!r} in the HF cache ({folder}) has no config.json"
                            + (f" and {len(ggufs)} .gguf files: pass one of them" if ggufs else ""))
    return folder


def resolve_folder(name_or_path: str | Path, progress: bool = True) -> Path:
    """The HF folder behind an embedded name, a model folder, a ``.gguf`` file (cached copy) or a
    Hugging Face id in the local HF cache (in that order)."""
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
    if isinstance(name_or_path, str) and _HF_ID.fullmatch(name_or_path) and not name_or_path.startswith("."):
        return resolve_hf_cached(name_or_path)
    raise BonawareError(f"no such model folder or file: {str(path)!r} (embedded models: {', '.join(EMBEDDED)})")


def load_model(name_or_path: str | Path, *, device: Any = "cpu", dtype: Any = None,
               progress: bool = True) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer, offline.

    Args:
        name_or_path: an embedded model (``"tiny"``, ``"smollm2-135m"``; built into the cache on
            first use), a local Hugging Face model folder (``config.json`` + weights + tokenizer),
            a ``.gguf`` file (de-quantised to fp32 and cached as safetensors on first use), or a
            Hugging Face id (``"org/name"``, ``"org/name@revision"``) whose snapshot is already in the
            local HF cache (:func:`hf_cache_dir`; ``HF_HUB_CACHE`` / ``HF_HOME``).
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
