"""The values that cross the model layer: a request in, a completion (or stream events) out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["ChatRequest", "Completion", "ProviderReply", "StreamEvent", "Usage"]


@dataclass(frozen=True)
class ChatRequest:
    """One chat request. ``None`` parameters take the registry entry's defaults.

    ``sample_index`` tells apart repeated samples of the same prompt (it is part of the cache key and
    is not sent); ``extra`` holds provider-specific body fields (e.g. ``{"top_p": 0.9}``).
    """

    messages: list[dict[str, Any]]
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    sample_index: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Usage:
        data = data or {}
        return cls(
            **{k: int(data.get(k) or 0) for k in ("prompt_tokens", "completion_tokens", "reasoning_tokens")}
        )


@dataclass(frozen=True)
class ProviderReply:
    """What a provider parsed from one answer, before the client adds accounting."""

    text: str
    reasoning: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None  # the provider's own figure (OpenRouter's usage.cost), when given
    provider_model: str | None = None
    finish_reason: str | None = None
    raw: str | None = None  # the response body, for the log


@dataclass(frozen=True)
class Completion:
    """A finished completion with its accounting.

    ``cost_usd`` is the provider's figure when it gives one, else computed from registry prices, else
    None (unknown: no price and no figure); a cache hit costs 0 (``cached`` is True, ``usage`` keeps the
    original token counts, ``cache_source`` says ``"same-run"`` or ``"reused"``).
    """

    text: str
    reasoning: str | None
    usage: Usage
    cost_usd: float | None
    latency_s: float
    retries: int
    cached: bool
    model: str
    provider_model: str | None = None
    finish_reason: str | None = None
    cache_source: str | None = None
    endpoint: str | None = None  # the base URL that answered (None for a cache hit)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["usage"] = self.usage.to_dict()
        return data


@dataclass(frozen=True)
class StreamEvent:
    """``text``/``reasoning``: a piece of the answer; ``done``: the last event, carrying the completion."""

    kind: Literal["text", "reasoning", "done"]
    text: str = ""
    completion: Completion | None = None
    reply: ProviderReply | None = field(default=None, repr=False)  # set by providers on "done"
