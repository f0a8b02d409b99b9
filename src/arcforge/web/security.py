"""Transport-level protections: body size limit, security headers, and an in-process rate limiter.

:class:`BodyLimitMiddleware` is plain ASGI: it refuses a declared ``Content-Length`` over the limit
before reading anything, and counts streamed bytes for chunked bodies, answering 413 either way.
:class:`SecurityHeadersMiddleware` adds a Content Security Policy without ``unsafe-inline`` for scripts
(every script is a static file), ``nosniff``, ``frame-ancestors 'none'`` and a strict referrer policy.
:class:`RateLimiter` is a token bucket per key (account id or client address), kept in the process:
with several workers each keeps its own buckets, which bounds a client at N times the rate.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["CSP", "BodyLimitMiddleware", "RateLimiter", "SecurityHeadersMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /docs serves Swagger UI from local files (no CDN); its bootstrap script is inline, and
# the docs page holds no user content, so it gets a policy of its own that allows inline script only there.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
)


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Answers 413 for a request body larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, "malformed Content-Length header")
                    return
                if declared > limit:
                    await _send_json(
                        send, 413, f"request body of {declared} bytes is over the {limit}-byte limit"
                    )
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, f"request body is over the {limit}-byte limit")


class _TooLarge(Exception):
    pass


class SecurityHeadersMiddleware:
    """Adds CSP and the usual hardening headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = DOCS_CSP if path in {"/docs", "/redoc"} else CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class RateLimiter:
    """Token buckets: ``per_minute`` events per key, bursts up to ``burst``; thread-safe, bounded memory."""

    def __init__(self, *, per_minute: int, burst: int | None = None, max_keys: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute // 4))
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, *, now: float | None = None) -> float:
        """0.0 when an event for ``key`` is allowed now, else the seconds to wait before retrying."""
        current = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, current))
            tokens = min(self.burst, tokens + (current - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, current)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, current)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait
