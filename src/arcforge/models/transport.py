"""Several small httpx connection pools instead of one large one, and base URL checks.

httpx (httpcore 1.x) walks every connection of a pool, checking each socket, whenever a request
starts or finishes, so one pool of 256 connections spends its time on bookkeeping: measured on 2 cores
it served 16-75 requests/s at concurrency 256. :class:`ShardedHttp` keeps pools of at most
``per_shard`` connections and hands each request the least busy one, so the cost per request stays
constant as concurrency grows. The pools share one TLS context: building one reads the CA bundle,
about 60 ms each on a small machine.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from urllib.parse import urlsplit

import httpx

from arcforge.errors import UsageError

__all__ = ["PER_SHARD", "ShardedHttp", "check_base_url", "is_loopback", "tls_context"]

PER_SHARD = 8


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every pool in the process shares (built on first use)."""
    return httpx.create_ssl_context()


class ShardedHttp:
    def __init__(
        self, *, connections: int, timeout: httpx.Timeout, trust_env: bool = True, per_shard: int = PER_SHARD
    ) -> None:
        shards = max(1, -(-connections // per_shard))
        size = -(-connections // shards)
        pool = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        verify = tls_context()
        self._clients = [
            httpx.AsyncClient(timeout=timeout, limits=pool, trust_env=trust_env, verify=verify)
            for _ in range(shards)
        ]
        self._busy = [0] * shards

    @property
    def shards(self) -> int:
        return len(self._clients)

    def acquire(self) -> int:
        """The index of the least busy pool, counted busy until :meth:`release`."""
        busy = self._busy
        index = busy.index(min(busy)) if len(busy) > 1 else 0
        busy[index] += 1
        return index

    def client(self, index: int) -> httpx.AsyncClient:
        return self._clients[index]

    def release(self, index: int) -> None:
        self._busy[index] -= 1

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients))


def check_base_url(url: str) -> None:
    """Raise a one-line UsageError for a base URL httpx could not use."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"base URL {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"base URL {url!r} must start with http:// or https://")
    if not parts.hostname or any(c.isspace() for c in url):
        raise UsageError(f"base URL {url!r} lacks a valid host (e.g. http://127.0.0.1:8000/v1)")
    if port == 0:
        raise UsageError(f"base URL {url!r} has port 0")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
