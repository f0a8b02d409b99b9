"""Model access: one client over OpenAI-compatible APIs, Ollama, Anthropic and the bundled model.

::

    from arcforge.models import ChatRequest, open_client

    async with open_client("GPT", settings=settings) as client:
        completion = await client.complete(ChatRequest([{"role": "user", "content": "hi"}]))
        print(completion.text, completion.cost_usd, completion.retries)

The registry (:mod:`.registry`) names models; providers (:mod:`.providers`) speak each API; the client
(:mod:`.client`) owns timeouts, retries, limits (:mod:`.limits`), accounting and the cache/log
(:mod:`.cache`); :mod:`.local` runs the bundled model.
"""

from __future__ import annotations

from arcforge.models.client import ClientOptions, ModelClient, open_client
from arcforge.models.errors import (
    LocalModelError,
    MissingKeyError,
    ModelError,
    ModelNetworkError,
    ModelTimeoutError,
    ProviderError,
    ResponseFormatError,
    UnknownModelError,
)
from arcforge.models.registry import ModelEntry, load_registry
from arcforge.models.types import ChatRequest, Completion, StreamEvent, Usage

__all__ = [
    "ChatRequest",
    "ClientOptions",
    "Completion",
    "LocalModelError",
    "MissingKeyError",
    "ModelClient",
    "ModelEntry",
    "ModelError",
    "ModelNetworkError",
    "ModelTimeoutError",
    "ProviderError",
    "ResponseFormatError",
    "StreamEvent",
    "UnknownModelError",
    "Usage",
    "load_registry",
    "open_client",
]
