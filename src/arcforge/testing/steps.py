"""The steps a :class:`~arcforge.testing.scripted_server.ScriptedServer` plays, and what it records.

Build steps with :func:`reply`, :func:`error`, :func:`error_in_body`, :func:`truncated`, :func:`stall`
and :func:`raw`; a :class:`Reply` is what the model says, worded by the server in the dialect of
each request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RecordedRequest", "Reply", "Step", "error", "error_in_body", "raw", "reply", "stall", "truncated"]


@dataclass(frozen=True)
class Reply:
    """What the model says; rendered in the dialect of the request (OpenAI, Ollama, Anthropic)."""

    text: str = "ok"
    reasoning: str | None = None
    reasoning_field: str = "reasoning"  # or "reasoning_content" (DeepSeek, vLLM)
    prompt_tokens: int = 10
    completion_tokens: int | None = None  # default: number of words in text
    reasoning_tokens: int = 0
    cost: float | None = None  # OpenRouter's usage.cost
    model: str = "scripted-model"
    finish_reason: str = "stop"
    stream_usage: bool = True  # False: a stream without the final usage chunk (as llama.cpp sends)


@dataclass(frozen=True)
class Step:
    """One scripted answer. Build it with :func:`reply`, :func:`error`, :func:`stall`, ... ."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None  # raw body; None renders ``reply``
    reply: Reply | None = None
    delay_s: float = 0.0  # wait before answering
    chunk_delay_s: float = 0.0  # wait between stream events
    stall_after_bytes: int | None = None  # send this many bytes of the answer, then go silent
    stall_after_events: int | None = None  # streams: send this many events, then go silent
    truncate: bool = False  # cut the rendered JSON body in half (a valid HTTP answer, broken JSON)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    received_at: float = field(default=0.0)


def reply(text: str = "ok", *, delay_s: float = 0.0, chunk_delay_s: float = 0.0, **fields: Any) -> Step:
    """A successful answer; ``fields`` are :class:`Reply` fields (reasoning, cost, prompt_tokens...)."""
    return Step(reply=Reply(text=text, **fields), delay_s=delay_s, chunk_delay_s=chunk_delay_s)


def error(
    status: int, message: str | None = None, *, retry_after: float | str | None = None, delay_s: float = 0.0
) -> Step:
    """An HTTP error with an OpenAI-style error body and optional ``Retry-After``."""
    headers: tuple[tuple[str, str], ...] = ()
    if retry_after is not None:
        value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        headers = (("Retry-After", value),)
    body = {"error": {"message": message or f"scripted error {status}", "code": status}}
    return Step(status=status, headers=headers, body=json.dumps(body).encode(), delay_s=delay_s)


def error_in_body(message: str = "upstream provider failed", *, code: int = 502) -> Step:
    """HTTP 200 whose JSON body is an error, as OpenRouter sends when an upstream provider fails."""
    return raw(200, {"error": {"message": message, "code": code}})


def truncated(text: str = "ok") -> Step:
    """HTTP 200 whose JSON body is cut in half."""
    return Step(reply=Reply(text=text), truncate=True)


def stall(after_bytes: int = 0, *, after_events: int | None = None, text: str = "ok") -> Step:
    """Accept the request and go silent until the client leaves: at once, after ``after_bytes`` of a plain
    answer, or (for a streaming request, when ``after_events`` is given) after that many stream events."""
    if after_events is not None:
        return Step(reply=Reply(text=text), stall_after_events=after_events)
    return Step(reply=Reply(text=text), stall_after_bytes=after_bytes)


def raw(
    status: int, body: bytes | str | dict[str, Any] | list[Any], *, headers: Iterable[tuple[str, str]] = ()
) -> Step:
    """Exactly this status and body (a dict or list is sent as JSON)."""
    if isinstance(body, dict | list):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return Step(status=status, body=body, headers=tuple(headers))
