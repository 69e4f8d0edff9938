"""The embedded models: names that :func:`bonaware.models.load_model` knows without a path.

Each entry builds (or converts) its model into the cache on first use and later returns the cached
folder. Nothing is ever downloaded: ``tiny`` and ``tiny-code`` are pre-trained by bonaware itself, ``smollm2-135m``
comes from a GGUF file carried by a PyPI package.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bonaware.errors import BonawareError
from bonaware.models import smollm2, tiny, tiny_code


@dataclass(frozen=True)
class EmbeddedModel:
    """One embedded model.

    Attributes:
        name: the name passed to ``load_model``.
        description: one line for ``bonaware models list``.
        build: ``build(progress) -> folder``; returns the cached folder, building it when missing.
        cached: ``cached() -> folder | None``; the finished cache folder, never builds.
    """

    name: str
    description: str
    build: Callable[[bool], Path]
    cached: Callable[[], Path | None]


EMBEDDED: dict[str, EmbeddedModel] = {
    m.name: m
    for m in (
        EmbeddedModel(tiny.NAME, tiny.DESCRIPTION, tiny.build_default, tiny.cached_default),
        EmbeddedModel(tiny_code.NAME, tiny_code.DESCRIPTION, tiny_code.build_default, tiny_code.cached_default),
        EmbeddedModel(smollm2.NAME, smollm2.DESCRIPTION, smollm2.build, smollm2.cached),
    )
}


def list_models() -> list[str]:
    """Names of the embedded models."""
    return list(EMBEDDED)


def get_embedded(name: str) -> EmbeddedModel:
    """The embedded model ``name`` (error listing the names for an unknown one)."""
    if name not in EMBEDDED:
        raise BonawareError(f"unknown model {name!r}; embedded models: {', '.join(EMBEDDED)} "
                            "(or pass a local Hugging Face model folder or a .gguf file)")
    return EMBEDDED[name]


def build_model(name: str, force: bool = False, progress: bool = True) -> Path:
    """Build (or convert) the embedded model ``name`` into the cache; returns its folder.

    With ``force`` an existing cache entry is deleted and rebuilt.
    """
    spec = get_embedded(name)
    if force and (old := spec.cached()) is not None:
        shutil.rmtree(old)
    return spec.build(progress)
