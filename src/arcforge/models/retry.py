"""When a failed model request is tried again, and after how long: one decision for every call path.

:func:`classify` turns whatever an attempt raised (a provider's :class:`ProviderError`, an httpx
transport error, a timeout) into a :class:`ModelError` with a :data:`FailureKind`; :meth:`RetryPolicy.decide`
then says whether to try again and after how long. Both ``ModelClient.complete`` and
``ModelClient.stream`` use it, so the two paths cannot drift apart.

Retried: 429, 408 and 5xx (also when carried in a 200 body), truncated or malformed answers, timeouts
and network errors. A ``Retry-After`` is honoured exactly (and :attr:`RetryDecision.pause_s` asks the
caller to pause the whole model); one longer than ``max_retry_after_s`` is a quota and fails at once.
Any other error fails at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import httpx

from arcforge.models.errors import (
    ModelError,
    ModelNetworkError,
    ModelTimeoutError,
    ProviderError,
    ResponseFormatError,
)

__all__ = ["FAILURES", "FailureKind", "RetryDecision", "RetryPolicy", "classify"]

FailureKind = Literal[
    "rate_limit", "server", "timeout", "network", "malformed", "refused", "quota", "unsendable", "other"
]

# what an attempt may raise that the client turns into a decision (anything else is a bug: it propagates)
FAILURES: tuple[type[BaseException], ...] = (ModelError, httpx.HTTPError, httpx.InvalidURL, TimeoutError)

# failures that say the endpoint itself is unwell (it is taken out of rotation when there are others)
ENDPOINT_FAILURES: frozenset[FailureKind] = frozenset({"server", "timeout", "network"})


@dataclass(frozen=True)
class Classified:
    error: ModelError
    kind: FailureKind
    retryable: bool
    retry_after_s: float | None = None


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed attempt.

    ``retry``: try again after ``delay_s`` seconds; otherwise raise ``error``. ``pause_s``: a
    ``Retry-After`` the caller should apply to every request of the model (set even when not retrying).
    """

    retry: bool
    kind: FailureKind
    delay_s: float
    error: ModelError
    pause_s: float | None = None


def classify(exc: BaseException, *, total_timeout_s: float, where: str) -> Classified:
    """``exc`` as a :class:`ModelError` with its kind and whether trying again may help."""
    if isinstance(exc, ProviderError):
        if exc.status == 429:
            return Classified(exc, "rate_limit", True, exc.retry_after)
        if exc.retryable:
            return Classified(exc, "server", True, exc.retry_after)
        return Classified(exc, "refused", False)
    if isinstance(exc, ResponseFormatError):
        return Classified(exc, "malformed", True)
    if isinstance(exc, ModelError):
        return Classified(exc, "other", False)
    error: ModelError
    if isinstance(exc, TimeoutError):
        error = ModelTimeoutError(f"no complete answer within {total_timeout_s:g} s (total timeout)")
        return Classified(error, "timeout", True)
    if isinstance(exc, httpx.TimeoutException):
        what = type(exc).__name__.replace("Timeout", "").lower() or "request"
        return Classified(
            ModelTimeoutError(f"{what} timeout ({exc or 'no answer in time'})"), "timeout", True
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.LocalProtocolError):
        error = ModelError(f"cannot send the request: {exc} (check the base URL)")
        return Classified(error, "unsendable", False)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return Classified(ModelNetworkError(f"the connection broke mid-answer: {exc}"), "network", True)
    if isinstance(exc, httpx.TransportError):
        error = ModelNetworkError(f"cannot reach {where}: {exc or type(exc).__name__}")
        return Classified(error, "network", True)
    return Classified(ModelError(f"request failed: {exc}"), "other", False)


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries and how long between them (exponential backoff with jitter)."""

    max_retries: int
    total_timeout_s: float
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 600.0

    def decide(
        self, exc: BaseException, retries: int, *, where: str, may_retry: bool = True
    ) -> RetryDecision:
        """The decision after ``exc``, with ``retries`` retries already made.

        ``may_retry`` False (a stream that already sent pieces) never retries, but classifies the same.
        """
        found = classify(exc, total_timeout_s=self.total_timeout_s, where=where)
        error, kind, wait = found.error, found.kind, found.retry_after_s
        if not found.retryable:
            return RetryDecision(False, kind, 0.0, error)
        if wait is not None and wait > self.max_retry_after_s:
            assert isinstance(error, ProviderError)
            quota = ProviderError(
                error.status, f"{error.provider_message} (the provider asks to wait {wait:.0f} s; try later)"
            )
            return RetryDecision(False, "quota", 0.0, quota)
        if not may_retry or retries >= self.max_retries:
            return RetryDecision(False, kind, 0.0, error, pause_s=wait)
        return RetryDecision(True, kind, self.backoff(retries + 1, wait), error, pause_s=wait)

    def backoff(self, retry: int, wait_s: float | None) -> float:
        """Seconds before retry number ``retry`` (1-based): ``wait_s`` when the provider named it."""
        if wait_s is not None:
            return wait_s
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)
