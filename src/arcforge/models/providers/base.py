"""The provider interface and the HTTP helpers every provider shares.

A provider is dumb on purpose: it turns a :class:`ChatRequest` into one HTTP request, and one answer
into a :class:`ProviderReply`, raising :class:`ProviderError` for an error status or an error carried in
a 200 body and :class:`ResponseFormatError` for truncated or malformed JSON. Timeouts, retries, limits,
accounting and caching all live in :class:`arcforge.models.client.ModelClient`; httpx's own transport
errors pass through for the client to classify. :class:`Provider` is an abstract base class: a
subclass must define :attr:`~Provider.url`, :meth:`~Provider.body` and :meth:`~Provider.complete`.
Streaming is optional: providers without it inherit :meth:`Provider.stream`, which completes and yields
the whole answer at once.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from arcforge.models.errors import ProviderError, ResponseFormatError
from arcforge.models.types import ChatRequest, ProviderReply, StreamEvent

__all__ = [
    "Provider",
    "ProviderConfig",
    "check_response",
    "error_message",
    "parse_json",
    "parse_retry_after",
]


@dataclass(frozen=True)
class ProviderConfig:
    """What a provider needs: where, which model, which key (never logged), which defaults."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    reasoning_style: str = "openai"
    params: Mapping[str, Any] = field(default_factory=dict)


class Provider(ABC):
    """Abstract base: subclasses implement :attr:`url`, :meth:`body`, :meth:`complete`, and may
    override :meth:`stream`.

    For a JSON-over-HTTP API a subclass defines :attr:`url` and :meth:`body` (and :meth:`headers`
    when its API does not take a bearer token); :meth:`post` and :meth:`open_stream` then send the
    request and check the answer the same way for every provider.
    """

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @property
    @abstractmethod
    def url(self) -> str:
        """Where the request goes."""

    @abstractmethod
    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        """The JSON body of the request (``stream``: ask for a streamed answer)."""

    def headers(self) -> dict[str, str]:
        """JSON content, and the key (when there is one) as a bearer token."""
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        return headers

    async def post(self, http: httpx.AsyncClient, request: ChatRequest) -> tuple[httpx.Response, Any]:
        """Send ``request`` unstreamed; the checked answer and its JSON document (see :func:`parse_json`)."""
        content = json.dumps(self.body(request, stream=False)).encode()
        response = await http.post(self.url, content=content, headers=self.headers())
        check_response(response)
        return response, parse_json(response.content)

    @asynccontextmanager
    async def open_stream(
        self, http: httpx.AsyncClient, request: ChatRequest
    ) -> AsyncIterator[httpx.Response]:
        """Send ``request`` streamed; the open answer, after :func:`check_response` for an error status."""
        content = json.dumps(self.body(request, stream=True)).encode()
        async with http.stream("POST", self.url, content=content, headers=self.headers()) as response:
            if not response.is_success:
                await response.aread()
                check_response(response)
            yield response

    @abstractmethod
    async def complete(self, http: httpx.AsyncClient, request: ChatRequest) -> ProviderReply:
        """Send ``request`` and parse the answer (see :meth:`post`)."""

    async def stream(
        self, http: httpx.AsyncClient, request: ChatRequest
    ) -> AsyncGenerator[StreamEvent, None]:
        """The answer in pieces, then a ``done`` event carrying the :class:`ProviderReply`."""
        reply = await self.complete(http, request)
        if reply.reasoning:
            yield StreamEvent("reasoning", reply.reasoning)
        yield StreamEvent("text", reply.text)
        yield StreamEvent("done", reply=reply)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_message(data: Any, fallback: str) -> str:
    """The human message inside an error body (OpenAI, OpenRouter, Anthropic and Ollama shapes)."""
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            message = err.get("message") or err.get("detail")
            metadata = err.get("metadata")
            if isinstance(metadata, dict) and isinstance(metadata.get("raw"), str):
                message = f"{message} ({metadata['raw'][:300]})"
            if message:
                return str(message)
        elif isinstance(err, str):
            return err
        detail = data.get("detail")
        if isinstance(detail, str):
            return detail
    return fallback


def _error_status(data: dict[str, Any]) -> int:
    err = data.get("error")
    code = err.get("code") if isinstance(err, dict) else None
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code if isinstance(code, int) and 400 <= code < 600 else 502


def check_response(response: httpx.Response) -> None:
    """Raise :class:`ProviderError` for a non-2xx answer, with the provider's message and Retry-After."""
    if response.is_success:
        return
    text = response.text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    message = error_message(data, " ".join(text.split())[:300] or response.reason_phrase or "no message")
    raise ProviderError(
        response.status_code, message, retry_after=parse_retry_after(response.headers.get("retry-after"))
    )


def parse_json(body: bytes | str) -> Any:
    """The JSON document of a 2xx answer; an ``error`` inside it is raised as :class:`ProviderError`."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        size = len(body)
        raise ResponseFormatError(f"the answer was truncated or is not JSON ({size} bytes: {exc})") from exc
    if isinstance(data, dict) and data.get("error"):
        raise ProviderError(_error_status(data), error_message(data, "error in response body"), in_body=True)
    if isinstance(data, dict) and data.get("type") == "error":
        raise ProviderError(502, error_message(data, "error event"), in_body=True)
    return data


def field_path(data: Any, *path: str | int) -> Any:
    """``data[p0][p1]...`` or raise :class:`ResponseFormatError` naming the missing field."""
    current = data
    for step in path:
        try:
            current = current[step]
        except (KeyError, IndexError, TypeError):
            shown = ".".join(str(p) for p in path)
            raise ResponseFormatError(f"the answer lacks {shown}: {json.dumps(data)[:300]}") from None
    return current
