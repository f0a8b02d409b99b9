"""Live updates for open pages: server-sent events per task.

A page subscribes to ``/api/tasks/{id}/events`` and gets an event named ``traces`` whenever the
task's traces or votes change. Within one server process a write wakes the subscribers at once
(:meth:`EventHub.notify`, callable from the worker threads that run the routes). Several processes
behind one database cannot wake each other, so each stream also polls a cheap fingerprint of the
task's traces every ``poll_s`` seconds and sends the event when it changed: no update is lost, and
the delay across processes is at most one poll. Streams end after ``max_age_s`` (the browser's
EventSource reconnects by itself), so a server can always shut down.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

__all__ = ["EventHub"]


class EventHub:
    """Wakes the streams subscribed to a task; thread-safe."""

    def __init__(self, *, max_streams: int = 1000) -> None:
        self.max_streams = max_streams
        self._count = 0
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(set)
        self.closing = False

    @property
    def full(self) -> bool:
        """Whether this process has ``max_streams`` streams open."""
        return self._count >= self.max_streams

    def subscribe(self, task_id: str) -> tuple[asyncio.AbstractEventLoop, asyncio.Event] | None:
        """A wake-up handle for a new stream, or None when this process has ``max_streams`` open."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._count >= self.max_streams:
                return None
            self._count += 1
            self._waiters[task_id].add(entry)
        return entry

    def unsubscribe(self, task_id: str, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            waiters = self._waiters.get(task_id)
            if waiters is not None and entry in waiters:
                self._count -= 1
                waiters.discard(entry)
                if not waiters:
                    del self._waiters[task_id]

    def notify(self, task_id: str) -> None:
        """Wake every stream of ``task_id`` in this process (safe from any thread)."""
        with self._lock:
            entries = list(self._waiters.get(task_id, ()))
        for loop, event in entries:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def close(self) -> None:
        """Make every stream end at its next wake-up."""
        self.closing = True
        with self._lock:
            entries = [e for waiters in self._waiters.values() for e in waiters]
        for loop, event in entries:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)
