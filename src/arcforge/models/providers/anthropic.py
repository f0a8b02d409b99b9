"""Anthropic's Messages API, with extended thinking.

System messages move to the top-level ``system`` field. A reasoning effort turns on extended thinking
with a token budget (low 2,048, medium 8,192, high 24,576; ``none`` leaves it off); the budget is added
to ``max_tokens`` because Anthropic counts thinking inside it, and temperature is left unset as the API
requires with thinking. Thinking blocks become the reasoning text. Anthropic reports no cost.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import httpx

from arcforge.models.errors import ResponseFormatError
from arcforge.models.providers.base import Provider, field_path, parse_json
from arcforge.models.types import ChatRequest, ProviderReply, StreamEvent, Usage

__all__ = ["AnthropicMessages"]

KIND = "anthropic"
API_VERSION = "2023-06-01"
THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}
DEFAULT_MAX_TOKENS = 8192


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


class AnthropicMessages(Provider):
    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        system = [_text_of(m.get("content")) for m in request.messages if m.get("role") == "system"]
        messages = [m for m in request.messages if m.get("role") != "system"]
        max_tokens = request.max_tokens or DEFAULT_MAX_TOKENS
        body: dict[str, Any] = {"model": self.config.model, "messages": messages, "max_tokens": max_tokens}
        if system:
            body["system"] = "\n\n".join(system)
        budget = THINKING_BUDGETS.get(request.reasoning_effort or "none")
        if budget:
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
            body["max_tokens"] = max_tokens + budget
        elif request.temperature is not None:
            body["temperature"] = request.temperature
        if stream:
            body["stream"] = True
        body.update(self.config.params)
        body.update(request.extra)
        return body

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "anthropic-version": API_VERSION}
        if self.config.api_key:
            headers["x-api-key"] = self.config.api_key
        return headers

    @property
    def url(self) -> str:
        return f"{self.config.base_url}/messages"

    async def complete(self, http: httpx.AsyncClient, request: ChatRequest) -> ProviderReply:
        response, data = await self.post(http, request)
        blocks = field_path(data, "content")
        text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
        thinking = "".join(b.get("thinking", "") for b in blocks if b.get("type") == "thinking")
        usage = data.get("usage") or {}
        return ProviderReply(
            text=text,
            reasoning=thinking or None,
            usage=Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
            provider_model=data.get("model"),
            finish_reason=data.get("stop_reason"),
            raw=response.text,
        )

    async def stream(
        self, http: httpx.AsyncClient, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        text: list[str] = []
        thinking: list[str] = []
        prompt_tokens = output_tokens = 0
        model = finish = None
        async with self.open_stream(http, request) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                event = parse_json(line[5:].strip())
                kind = event.get("type")
                if kind == "message_start":
                    message = event.get("message") or {}
                    model = message.get("model")
                    prompt_tokens = int((message.get("usage") or {}).get("input_tokens") or 0)
                elif kind == "content_block_delta":
                    delta = event.get("delta") or {}
                    if delta.get("type") == "thinking_delta":
                        thinking.append(delta.get("thinking", ""))
                        yield StreamEvent("reasoning", delta.get("thinking", ""))
                    elif delta.get("type") == "text_delta":
                        text.append(delta.get("text", ""))
                        yield StreamEvent("text", delta.get("text", ""))
                elif kind == "message_delta":
                    output_tokens = int((event.get("usage") or {}).get("output_tokens") or 0)
                    finish = (event.get("delta") or {}).get("stop_reason")
                elif kind == "message_stop":
                    reply = ProviderReply(
                        text="".join(text),
                        reasoning="".join(thinking) or None,
                        usage=Usage(prompt_tokens, output_tokens),
                        provider_model=model,
                        finish_reason=finish,
                    )
                    yield StreamEvent("done", reply=reply)
                    return
        raise ResponseFormatError("the stream ended before message_stop (truncated)")


PROVIDER = AnthropicMessages
