"""Per-model limits shared by everything in the process: requests in flight and requests per minute.

Every :class:`~arcforge.models.client.ModelClient` for the same model (same provider, model name and
URL) draws from one :class:`ModelLimits`, found in a :class:`LimitRegistry`. The process-wide registry
is :func:`shared_limits` (built on first use), so a benchmark, the discussion page and a generation run
in one process together keep the provider's limits. The primitives use a thread lock and hand slots
to waiters on their own event loop, so clients on different loops or threads still share them.

The request rate is paced: with ``requests_per_minute = N`` requests start at least ``60/N`` seconds
apart. A 429 with ``Retry-After`` pauses the whole model (:meth:`ModelLimits.pause`), not just the
request that got it.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import deque

__all__ = ["ConcurrencyLimit", "LimitRegistry", "ModelLimits", "shared_limits"]


class ConcurrencyLimit:
    """A counting semaphore usable from any event loop or thread."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a concurrency limit must be at least 1")
        self.size = size
        self._used = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        return self._used

    async def acquire(self) -> None:
        with self._lock:
            if self._used < self.size and not self._waiters:
                self._used += 1
                return
            loop = asyncio.get_running_loop()
            waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] = (loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            await waiter[1]
        except asyncio.CancelledError:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                    raise
            if waiter[1].done() and not waiter[1].cancelled():
                self.release()  # the slot was handed to us just as we were cancelled
            raise

    def release(self) -> None:
        with self._lock:
            if not self._waiters:
                self._used -= 1
                return
            loop, future = self._waiters.popleft()  # the slot passes straight to the next waiter
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._grant(future)
        else:
            loop.call_soon_threadsafe(self._grant, future)

    def _grant(self, future: asyncio.Future[None]) -> None:
        if future.cancelled():
            self.release()
        else:
            future.set_result(None)


class RateLimit:
    """Start times at least ``60 / per_minute`` apart, and none before a pause ends."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Reserve the next start slot; returns how long to wait for it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next, self._paused_until)
            if self.interval:
                self._next = start + self.interval
            return start - now

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class ModelLimits:
    def __init__(self, max_concurrency: int, requests_per_minute: float) -> None:
        self.concurrency = ConcurrencyLimit(max_concurrency)
        self.rate = RateLimit(requests_per_minute)

    def slot(self) -> ModelLimits:
        """``async with limits.slot():`` holds one request slot (rate limit first, then concurrency)."""
        return self

    async def __aenter__(self) -> None:
        wait = self.rate.reserve()
        if wait > 0:
            await asyncio.sleep(wait)
        await self.concurrency.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.concurrency.release()

    def pause(self, seconds: float) -> None:
        self.rate.pause(seconds)


class LimitRegistry:
    """One :class:`ModelLimits` per model key, created on first use."""

    def __init__(self) -> None:
        self._limits: dict[tuple[str, int, float], ModelLimits] = {}
        self._lock = threading.Lock()

    def for_model(self, key: str, *, max_concurrency: int, requests_per_minute: float) -> ModelLimits:
        with self._lock:
            full_key = (key, max_concurrency, requests_per_minute)
            if full_key not in self._limits:
                self._limits[full_key] = ModelLimits(max_concurrency, requests_per_minute)
            return self._limits[full_key]


@functools.cache
def shared_limits() -> LimitRegistry:
    """The process-wide registry (created on first call, not at import)."""
    return LimitRegistry()
