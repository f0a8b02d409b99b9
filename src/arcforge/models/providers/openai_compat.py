"""OpenAI-compatible chat completions: OpenRouter, OpenAI, vLLM, llama.cpp, LM Studio, Ollama's /v1,
DeepSeek, Together, Groq, Gemini's compatible endpoint and the bundled model.

Reasoning text is read from ``message.reasoning`` (OpenRouter) or ``message.reasoning_content``
(DeepSeek, vLLM); reasoning tokens from ``usage.completion_tokens_details.reasoning_tokens``; the cost
from ``usage.cost`` when the provider reports one (OpenRouter does when asked with ``usage.include``).
A stream whose server sends no usage (llama.cpp's) counts one completion token per content or
reasoning piece, as such servers send one token per event; its prompt tokens stay 0 (unknown).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from arcforge.models.errors import ResponseFormatError
from arcforge.models.providers.base import Provider, field_path, parse_json
from arcforge.models.types import ChatRequest, ProviderReply, StreamEvent, Usage

__all__ = ["OpenAICompatible"]

KIND = "openai"


def _usage(data: Any) -> tuple[Usage, float | None]:
    if not isinstance(data, dict):
        return Usage(), None
    details = data.get("completion_tokens_details") or {}
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    cost = data.get("cost")
    usage = Usage(
        prompt_tokens=int(data.get("prompt_tokens") or 0),
        completion_tokens=int(data.get("completion_tokens") or 0),
        reasoning_tokens=int(reasoning or 0),
    )
    return usage, float(cost) if isinstance(cost, int | float) else None


def _reasoning(message: dict[str, Any]) -> str | None:
    for name in ("reasoning", "reasoning_content"):
        value = message.get(name)
        if isinstance(value, str) and value:
            return value
    return None


class OpenAICompatible(Provider):
    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.config.model, "messages": request.messages}
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        openrouter = self.config.reasoning_style == "openrouter"
        if request.reasoning_effort is not None:
            if openrouter:
                body["reasoning"] = {"effort": request.reasoning_effort}
            else:
                body["reasoning_effort"] = request.reasoning_effort
        if openrouter:
            body["usage"] = {"include": True}
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        body.update(self.config.params)
        body.update(request.extra)
        return body

    @property
    def url(self) -> str:
        return f"{self.config.base_url}/chat/completions"

    async def complete(self, http: httpx.AsyncClient, request: ChatRequest) -> ProviderReply:
        response, data = await self.post(http, request)
        choice = field_path(data, "choices", 0)
        if isinstance(choice, dict) and choice.get("error"):
            # OpenRouter: an upstream failure mid-generation arrives as an error inside the choice.
            parse_json(json.dumps({"error": choice["error"]}))
        message = field_path(choice, "message")
        text = message.get("content") if isinstance(message, dict) else None
        usage, cost = _usage(data.get("usage"))
        return ProviderReply(
            text=text if isinstance(text, str) else "",
            reasoning=_reasoning(message),
            usage=usage,
            cost_usd=cost,
            provider_model=data.get("model"),
            finish_reason=choice.get("finish_reason"),
            raw=response.text,
        )

    async def stream(
        self, http: httpx.AsyncClient, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        text: list[str] = []
        reasoning: list[str] = []
        usage, cost, model, finish, done = None, None, None, None, False
        pieces = 0
        async with self.open_stream(http, request) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue  # blank lines, "event:" lines and ": keep-alive" comments
                payload = line[5:].strip()
                if payload == "[DONE]":
                    done = True
                    break
                chunk = parse_json(payload)
                model = chunk.get("model") or model
                if chunk.get("usage"):
                    usage, cost = _usage(chunk["usage"])
                for choice in chunk.get("choices") or ():
                    if choice.get("error"):
                        parse_json(json.dumps({"error": choice["error"]}))
                    delta = choice.get("delta") or {}
                    piece = _reasoning(delta)
                    if piece:
                        pieces += 1
                        reasoning.append(piece)
                        yield StreamEvent("reasoning", piece)
                    if delta.get("content"):
                        pieces += 1
                        text.append(delta["content"])
                        yield StreamEvent("text", delta["content"])
                    finish = choice.get("finish_reason") or finish
        if not done and finish is None:
            raise ResponseFormatError("the stream ended before its last event (truncated)")
        reply = ProviderReply(
            text="".join(text),
            reasoning="".join(reasoning) or None,
            usage=usage or Usage(completion_tokens=pieces),
            cost_usd=cost,
            provider_model=model,
            finish_reason=finish,
        )
        yield StreamEvent("done", reply=reply)


PROVIDER = OpenAICompatible
