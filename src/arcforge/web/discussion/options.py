"""The discussion page's server-side options and the models it may offer.

:class:`DiscussOptions` is built once per app from :class:`~arcforge.settings.Settings`: the models
(``settings.discuss_models``), the daily spending limit (``settings.daily_spend_usd``), and these
variables of ``settings.environ`` (so ``.env`` works):

- ``ARCFORGE_DISCUSS_BASE_URL``: send every discussion model's requests to this API root instead of
  the registry's (a local OpenAI-compatible server, a proxy, or the scripted server in tests);
- ``ARCFORGE_DISCUSS_MAX_TOKENS``: the most tokens a reply may ask for (default 4096);
- ``ARCFORGE_DISCUSS_RUN_SECONDS``: the sandbox's wall-time limit for one run of the code box (default 2);
- ``ARCFORGE_DISCUSS_SANDBOX_WORKERS``: sandbox processes kept warm for the page (default 1);
- ``ARCFORGE_DISCUSS_LIBRARIES``: solver libraries (``.py`` files or folders, separated by ``:``) the code
  box's programs can import (``serve --library PATH`` sets it; read here, imported only in the sandbox).

:func:`describe_models` tells the page which models it may use and with which defaults; a model
whose key the server lacks is listed as unavailable, with the reason, never with the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from arcforge.errors import ArcforgeError, UsageError
from arcforge.settings import Settings

__all__ = ["DiscussOptions", "ModelInfo", "describe_models", "discuss_options"]

TEMPERATURE_MAX = 2.0
DEFAULT_TEMPERATURE = 0.7
DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class DiscussOptions:
    """Bounds and switches of the discussion page, enforced on the server."""

    models: tuple[str, ...] = ("local",)
    daily_spend_usd: float = 1.0
    base_url: str | None = None
    max_tokens: int = 4096
    run_wall_s: float = 2.0
    sandbox_workers: int = 1
    libraries: tuple[str, ...] = ()
    max_message_chars: int = 20_000
    max_code_chars: int = 50_000


@dataclass(frozen=True)
class ModelInfo:
    """What the page learns about one allowed model."""

    id: str
    available: bool
    reason: str | None
    temperature: float
    max_tokens: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "available": self.available,
            "reason": self.reason,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }


def _number(environ: Any, name: str, default: float, *, low: float, high: float) -> float:
    raw = environ.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(
            f"{name}={raw!r} is not a number; set it to one between {low:g} and {high:g}"
        ) from None
    if not (math.isfinite(value) and low <= value <= high):
        raise UsageError(f"{name}={raw!r} is out of range; set it between {low:g} and {high:g}")
    return value


def discuss_options(settings: Settings) -> DiscussOptions:
    """The options from ``settings``; raises UsageError for a malformed variable."""
    environ = settings.environ
    base_url = (environ.get("ARCFORGE_DISCUSS_BASE_URL") or "").strip() or None
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"ARCFORGE_DISCUSS_BASE_URL={base_url!r} must start with http:// or https://")
    limit = float(settings.daily_spend_usd)
    if not (math.isfinite(limit) and limit >= 0):
        raise UsageError(f"the daily spending limit must be a number >= 0, not {limit!r}")
    return DiscussOptions(
        models=tuple(settings.discuss_models),
        daily_spend_usd=limit,
        base_url=base_url,
        max_tokens=int(_number(environ, "ARCFORGE_DISCUSS_MAX_TOKENS", 4096, low=16, high=1_000_000)),
        run_wall_s=_number(environ, "ARCFORGE_DISCUSS_RUN_SECONDS", 2.0, low=0.1, high=120),
        sandbox_workers=int(_number(environ, "ARCFORGE_DISCUSS_SANDBOX_WORKERS", 1, low=1, high=32)),
        libraries=_libraries(environ),
    )


def _libraries(environ: Any) -> tuple[str, ...]:
    """``ARCFORGE_DISCUSS_LIBRARIES``'s paths, each read once here (a missing one fails at start-up)."""
    import os

    from arcforge.sandbox import load_libraries

    paths = tuple(
        p.strip() for p in (environ.get("ARCFORGE_DISCUSS_LIBRARIES") or "").split(os.pathsep) if p.strip()
    )
    try:
        load_libraries(list(paths))
    except UsageError as exc:
        raise UsageError(f"ARCFORGE_DISCUSS_LIBRARIES: {exc}") from None
    return paths


def describe_models(options: DiscussOptions, settings: Settings) -> list[ModelInfo]:
    """Each allowed model with its defaults; unresolvable or keyless models are marked unavailable."""
    from arcforge.models import load_registry
    from arcforge.models.registry import api_key

    try:
        registry = load_registry()
    except ArcforgeError as exc:
        return [ModelInfo(m, False, f"the model registry is broken: {exc}", 0.0, 0) for m in options.models]
    found = []
    for model in options.models:
        try:
            entry = registry.resolve(model, base_url=options.base_url)
            api_key(entry, settings)
        except ArcforgeError as exc:
            reason = "the server has no API key for it" if hasattr(exc, "variable") else str(exc)
            found.append(ModelInfo(model, False, reason, DEFAULT_TEMPERATURE, DEFAULT_MAX_TOKENS))
            continue
        temperature = DEFAULT_TEMPERATURE if entry.temperature is None else float(entry.temperature)
        max_tokens = min(options.max_tokens, entry.max_tokens or DEFAULT_MAX_TOKENS)
        found.append(ModelInfo(model, True, None, min(temperature, TEMPERATURE_MAX), max_tokens))
    return found
