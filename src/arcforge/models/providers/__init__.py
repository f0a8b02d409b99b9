"""Providers, one file each: a module here with ``KIND = "name"`` and ``PROVIDER = SomeProvider`` is a
provider kind that ``models.toml`` can name (``kind = "name"``). See :mod:`.base` for the interface.
"""

from __future__ import annotations

import importlib
import pkgutil

from arcforge.models.providers.base import Provider, ProviderConfig

__all__ = ["Provider", "ProviderConfig", "provider_class", "provider_kinds"]


def provider_kinds() -> dict[str, type[Provider]]:
    """Every provider kind found in this package, by ``KIND``."""
    kinds: dict[str, type[Provider]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if kind is not None:
            kinds[kind] = module.PROVIDER
    return kinds


def provider_class(kind: str) -> type[Provider]:
    kinds = provider_kinds()
    if kind not in kinds:
        from arcforge.models.errors import UnknownModelError

        raise UnknownModelError(f"unknown provider kind {kind!r}; known kinds: {', '.join(sorted(kinds))}")
    return kinds[kind]
