"""Transport-level protections: body size limit, security headers, rate limiters and log-in delays.

:class:`BodyLimitMiddleware` is plain ASGI: it refuses a declared ``Content-Length`` over the limit
before reading anything, and reads a chunked body itself (counting bytes) before the app sees it, so
a chunked body over the limit is answered 413 as well (the framework would turn an error raised
while it reads into 400). Some paths have a smaller limit of their own (``path_limits``: an attempt
carries at most its grid and a capped action log).
:class:`SecurityHeadersMiddleware` adds a Content Security Policy without ``unsafe-inline`` for scripts
(every script is a static file), ``nosniff``, ``frame-ancestors 'none'`` and a strict referrer policy.
:class:`RateLimiter` is a token bucket per key (account id or client address), kept in the process:
with several workers each keeps its own buckets, which bounds a client at N times the rate;
``allow(key, cost=n)`` spends n tokens at once (the write budgets count bytes).
:class:`LoginGuard` slows password guessing per account: after a few failures each further log-in
for that name must wait a delay that doubles with every failure (capped), whichever address it
comes from; a success clears it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "BODY_BYTES_KEY",
    "CSP",
    "BodyLimitMiddleware",
    "LoginGuard",
    "RateLimiter",
    "SecurityHeadersMiddleware",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_BYTES_KEY = "arcforge.body_bytes"  # scope key: the size of a chunked body read by BodyLimitMiddleware
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
    """Answers 413 for a request body larger than ``max_bytes`` (or a smaller limit for its path)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, path_limits: tuple[tuple[str, int], ...] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = tuple((re.compile(pattern), limit) for pattern, limit in path_limits)

    def _limit(self, path: str) -> int:
        for pattern, limit in self.path_limits:
            if pattern.fullmatch(path):
                return min(limit, self.max_bytes)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        declared: int | None = None
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
        if declared is not None or scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)  # the server holds a body to its declared length
            return
        # no declared length (chunked): read the body here, so going over the limit is a clean 413
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _send_json(send, 413, f"request body is over the {limit}-byte limit")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope[BODY_BYTES_KEY] = len(body)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


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

    def __init__(self, *, per_minute: float, burst: float | None = None, max_keys: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1.0, per_minute // 4))
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, *, now: float | None = None, cost: float = 1.0) -> float:
        """0.0 when an event of ``cost`` tokens for ``key`` is allowed now, else the seconds to wait.

        A cost above the burst can never be paid: it waits as if the bucket had to fill to ``cost``."""
        current = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, current))
            tokens = min(self.burst, tokens + (current - last) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, current)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, current)
                wait = (cost - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


class LoginGuard:
    """Per-account log-in delays: ``free`` failures, then a wait of ``base_s * 2**(n - free)`` seconds
    (at most ``max_s``) before the next try; thread-safe, bounded memory, in-process like the limiter."""

    def __init__(
        self, *, free: int = 3, base_s: float = 1.0, max_s: float = 300.0, max_keys: int = 50_000
    ) -> None:
        self.free = free
        self.base_s = base_s
        self.max_s = max_s
        self.max_keys = max_keys
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().lower()[:64]

    def wait(self, name: str, *, now: float | None = None) -> float:
        """Seconds before ``name`` may try again (0.0: now)."""
        current = time.monotonic() if now is None else now
        with self._lock:
            count, last = self._failures.get(self._key(name), (0, current))
        if count < self.free:
            return 0.0
        delay: float = min(self.max_s, self.base_s * float(2 ** (count - self.free)))
        return max(0.0, last + delay - current)

    def failed(self, name: str, *, now: float | None = None) -> None:
        current = time.monotonic() if now is None else now
        key = self._key(name)
        with self._lock:
            count, _ = self._failures.pop(key, (0, current))
            self._failures[key] = (count + 1, current)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(self._key(name), None)
