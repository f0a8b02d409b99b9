"""Ollama's native ``/api/chat``, so model options such as ``num_ctx`` can be set.

Registry ``params`` become Ollama's ``options`` (``num_ctx``, ``top_p``, ``seed``...), next to
``temperature`` and ``num_predict`` (max tokens). A reasoning effort other than ``none`` turns on
``think``; the thinking text comes back in ``message.thinking``. Token counts are ``prompt_eval_count``
and ``eval_count``; Ollama reports no cost.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import httpx

from arcforge.models.errors import ResponseFormatError
from arcforge.models.providers.base import Provider, field_path, parse_json
from arcforge.models.types import ChatRequest, ProviderReply, StreamEvent, Usage

__all__ = ["OllamaNative"]

KIND = "ollama"


def _usage(data: dict[str, Any]) -> Usage:
    return Usage(
        prompt_tokens=int(data.get("prompt_eval_count") or 0),
        completion_tokens=int(data.get("eval_count") or 0),
    )


class OllamaNative(Provider):
    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        options: dict[str, Any] = dict(self.config.params)
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.max_tokens is not None:
            options["num_predict"] = request.max_tokens
        body: dict[str, Any] = {"model": self.config.model, "messages": request.messages, "stream": stream}
        if options:
            body["options"] = options
        if request.reasoning_effort is not None:
            body["think"] = request.reasoning_effort != "none"
        body.update(request.extra)
        return body

    @property
    def url(self) -> str:
        return f"{self.config.base_url}/api/chat"

    async def complete(self, http: httpx.AsyncClient, request: ChatRequest) -> ProviderReply:
        response, data = await self.post(http, request)
        message = field_path(data, "message")
        return ProviderReply(
            text=str(message.get("content") or ""),
            reasoning=message.get("thinking") or None,
            usage=_usage(data),
            provider_model=data.get("model"),
            finish_reason=data.get("done_reason"),
            raw=response.text,
        )

    async def stream(
        self, http: httpx.AsyncClient, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        text: list[str] = []
        thinking: list[str] = []
        async with self.open_stream(http, request) as response:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                chunk = parse_json(line)
                message = chunk.get("message") or {}
                if message.get("thinking"):
                    thinking.append(message["thinking"])
                    yield StreamEvent("reasoning", message["thinking"])
                if message.get("content"):
                    text.append(message["content"])
                    yield StreamEvent("text", message["content"])
                if chunk.get("done"):
                    reply = ProviderReply(
                        text="".join(text),
                        reasoning="".join(thinking) or None,
                        usage=_usage(chunk),
                        provider_model=chunk.get("model"),
                        finish_reason=chunk.get("done_reason"),
                    )
                    yield StreamEvent("done", reply=reply)
                    return
        raise ResponseFormatError("the stream ended before its last event (truncated)")


PROVIDER = OllamaNative
