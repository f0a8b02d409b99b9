"""Several endpoints (replicas) for one model: least outstanding requests, failover, probing back in.

A model may be served by several replicas (vLLM or llama.cpp servers on several GPUs or hosts):
``--base-url`` given more than once, or ``base_url = ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]`` in
``models.toml``. :class:`EndpointPool` hands each attempt the usable endpoint with the fewest requests
in flight (ties go round-robin, so sequential requests spread too). An endpoint whose attempt fails in
a way that says it is unwell (connection refused or dropped, a timeout, a 5xx) is taken out for a
cooldown; when the cooldown ends, one request at a time goes there as a probe: its success puts the
endpoint back, its failure doubles the cooldown (up to ``max_cooldown_s``). When every endpoint is out
the one due back first is tried, so a model never fails for want of an endpoint. Rate limits and
concurrency are the model's (see :mod:`.limits`), not an endpoint's. With one endpoint nothing changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arcforge.models.providers import Provider

__all__ = ["Endpoint", "EndpointPool"]


@dataclass(eq=False)
class Endpoint:
    """One replica: its provider (bound to its base URL) and its health."""

    url: str
    provider: Provider
    outstanding: int = 0
    answered: int = 0
    failures: int = 0  # consecutive endpoint failures
    down_until: float | None = None  # out of rotation until then (monotonic seconds)
    probing: bool = False  # a probe request is in flight

    def usable(self, now: float) -> bool:
        if self.down_until is None:
            return True
        return now >= self.down_until and not self.probing


class EndpointPool:
    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        cooldown_s: float = 2.0,
        max_cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not endpoints:
            raise ValueError("an endpoint pool needs at least one endpoint")
        self.endpoints = list(endpoints)
        self._cooldown_s = cooldown_s
        self._max_cooldown_s = max_cooldown_s
        self._clock = clock
        self._turn = 0

    @property
    def urls(self) -> list[str]:
        return [endpoint.url for endpoint in self.endpoints]

    def acquire(self) -> Endpoint:
        """The endpoint for the next attempt, counted in flight until :meth:`release`."""
        endpoints = self.endpoints
        if len(endpoints) == 1:
            chosen = endpoints[0]
        else:
            now = self._clock()
            usable = [e for e in endpoints if e.usable(now)]
            if usable:
                count = len(endpoints)
                start = self._turn
                self._turn = (self._turn + 1) % count
                order = {id(e): (i - start) % count for i, e in enumerate(endpoints)}
                chosen = min(usable, key=lambda e: (e.outstanding, order[id(e)]))
            else:  # every endpoint is out: try the one due back first rather than fail
                chosen = min(endpoints, key=lambda e: (e.down_until or 0.0, e.outstanding))
            if chosen.down_until is not None:
                chosen.probing = True
        chosen.outstanding += 1
        return chosen

    def release(self, endpoint: Endpoint) -> None:
        endpoint.outstanding -= 1

    def succeeded(self, endpoint: Endpoint) -> None:
        """``endpoint`` answered: it is (back) in rotation."""
        endpoint.answered += 1
        endpoint.failures = 0
        endpoint.down_until = None
        endpoint.probing = False

    def failed(self, endpoint: Endpoint, *, endpoint_fault: bool) -> None:
        """An attempt at ``endpoint`` failed; ``endpoint_fault``: the failure says the endpoint is unwell."""
        endpoint.probing = False
        if not endpoint_fault:  # it answered (e.g. a 400 or a 429): it is reachable
            endpoint.failures = 0
            endpoint.down_until = None
            return
        if len(self.endpoints) == 1:
            return
        endpoint.failures += 1
        cooldown = min(self._max_cooldown_s, self._cooldown_s * 2 ** (endpoint.failures - 1))
        endpoint.down_until = self._clock() + cooldown

    def another_usable(self, endpoint: Endpoint) -> bool:
        """Whether an endpoint other than ``endpoint`` can take a request now (failover needs no wait)."""
        now = self._clock()
        return any(e is not endpoint and e.usable(now) for e in self.endpoints)
