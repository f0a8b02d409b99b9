"""The one model client: resilience, limits, accounting and caching around a dumb provider.

:func:`open_client` resolves a model id in the registry, finds its key (a missing key fails here, in
one line naming the variable), starts the bundled model if that is what was asked, and yields a
:class:`ModelClient`. Each call then:

1. answers from the cache when the same request (model, effective parameters, messages, sample
   index) was answered before (``use_cache=False`` bypasses the lookup);
2. waits for the model's shared limits (requests per minute, then a concurrency slot);
3. sends the request with connect/read timeouts and a total timeout per attempt;
4. retries 429, 408, 5xx (also when carried in a 200 body), truncated or malformed JSON, timeouts and
   network errors, backing off exponentially with jitter, or exactly as long as ``Retry-After`` asks
   (which also pauses every other request to that model); any other 4xx fails at once with the
   provider's message;
5. accounts tokens, cost (the provider's figure, else registry prices), latency and retries, and logs
   the request and its outcome.

The API key lives only in the provider's headers: it is redacted from every error message and from
everything the cache stores.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import httpx

from arcforge.models.cache import MIN_SECRET_LENGTH, ResponseCache, cache_key, request_document
from arcforge.models.endpoints import Endpoint, EndpointPool
from arcforge.models.errors import ResponseFormatError
from arcforge.models.limits import LimitRegistry, ModelLimits, shared_limits
from arcforge.models.providers import ProviderConfig, provider_class
from arcforge.models.registry import ModelEntry, api_key, load_registry
from arcforge.models.retry import ENDPOINT_FAILURES, FAILURES, RetryDecision, RetryPolicy
from arcforge.models.transport import ShardedHttp, check_base_url, is_loopback
from arcforge.models.types import ChatRequest, Completion, ProviderReply, StreamEvent, Usage
from arcforge.settings import Settings

__all__ = ["ClientOptions", "ModelClient", "open_client"]


@dataclass(frozen=True)
class ClientOptions:
    """Overrides of the registry entry's resilience settings (None: the entry's value)."""

    connect_timeout_s: float = 15.0
    read_timeout_s: float | None = None  # longest silence while reading; default: the entry's timeout_s
    total_timeout_s: float | None = None  # per attempt; default: the entry's timeout_s
    max_retries: int | None = None
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 600.0  # a longer Retry-After fails at once (a quota, not a hiccup)
    max_concurrency: int | None = None
    requests_per_minute: float | None = None


class ModelClient:
    """Calls one model; build it with :func:`open_client`."""

    def __init__(
        self,
        entry: ModelEntry,
        endpoints: EndpointPool,
        http: ShardedHttp,
        *,
        limits: ModelLimits,
        cache: ResponseCache,
        use_cache: bool,
        options: ClientOptions,
        secret: str | None,
    ) -> None:
        self.entry = entry
        self.model = entry.id
        self._endpoints = endpoints
        self._http = http
        self._limits = limits
        self._cache = cache
        self._use_cache = use_cache
        self._options = options
        self._secret = secret
        self._total_timeout = options.total_timeout_s or entry.timeout_s
        self._policy = RetryPolicy(
            max_retries=entry.max_retries if options.max_retries is None else options.max_retries,
            total_timeout_s=self._total_timeout,
            backoff_base_s=options.backoff_base_s,
            backoff_max_s=options.backoff_max_s,
            max_retry_after_s=options.max_retry_after_s,
        )
        self._flush_handle: asyncio.TimerHandle | None = None

    # -- the request's effective form --------------------------------------------------------------
    def _effective(self, request: ChatRequest) -> ChatRequest:
        entry = self.entry
        return ChatRequest(
            messages=request.messages,
            temperature=entry.temperature if request.temperature is None else request.temperature,
            max_tokens=entry.max_tokens if request.max_tokens is None else request.max_tokens,
            reasoning_effort=entry.reasoning_effort
            if request.reasoning_effort is None
            else request.reasoning_effort,
            sample_index=request.sample_index,
            extra=request.extra,
        )

    def _document(self, request: ChatRequest) -> str:
        params: dict[str, Any] = {
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "reasoning_effort": request.reasoning_effort,
        }
        if self.entry.params:
            params["provider_params"] = dict(self.entry.params)
        if request.extra:
            params["extra"] = dict(request.extra)
        return request_document(self.entry.identity, params, request.messages, request.sample_index)

    # -- public ------------------------------------------------------------------------------------
    async def complete(self, request: ChatRequest) -> Completion:
        """One completion, from the cache or the provider (with retries); raises a ModelError."""
        request = self._effective(request)
        document = self._document(request)
        key = cache_key(document)
        if self._use_cache and (hit := self._cached(key)) is not None:
            return hit
        started = time.monotonic()
        retries = 0
        while True:
            tried: list[Endpoint] = []
            try:
                reply = await self._attempt(request, tried)
            except FAILURES as exc:
                decision = self._decide(exc, retries, tried)
                if not decision.retry:
                    self._fail(key, document, decision, exc, started, retries, tried)
                retries += 1
                await asyncio.sleep(decision.delay_s)
            else:
                return self._finish(key, document, reply, started, retries, tried[0])

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Pieces of the answer as they arrive, then a ``done`` event carrying the :class:`Completion`.

        Failures before the first piece are retried like :meth:`complete`; after it they are raised.
        """
        request = self._effective(request)
        document = self._document(request)
        key = cache_key(document)
        if self._use_cache and (hit := self._cached(key)) is not None:
            if hit.reasoning:
                yield StreamEvent("reasoning", hit.reasoning)
            yield StreamEvent("text", hit.text)
            yield StreamEvent("done", completion=hit)
            return
        started = time.monotonic()
        retries = 0
        while True:
            emitted = False
            tried: list[Endpoint] = []
            try:
                async with self._limits.slot():
                    endpoint = self._endpoints.acquire()
                    tried.append(endpoint)
                    shard = self._http.acquire()
                    events = endpoint.provider.stream(self._http.client(shard), request)
                    deadline = asyncio.get_running_loop().time() + self._total_timeout
                    try:
                        while True:
                            # the deadline covers waiting for the provider, not the consumer's work
                            # between events (a timeout context across a yield would cancel the consumer)
                            async with asyncio.timeout_at(deadline):
                                event = await anext(events, None)
                            if event is None:
                                break
                            if event.kind == "done":
                                assert event.reply is not None
                                completion = self._finish(
                                    key, document, event.reply, started, retries, endpoint
                                )
                                yield StreamEvent("done", completion=completion)
                                return
                            emitted = True
                            yield event
                    finally:
                        await events.aclose()
                        self._http.release(shard)
                        self._endpoints.release(endpoint)
                raise ResponseFormatError("the stream ended without a final event")
            except FAILURES as exc:
                decision = self._decide(exc, retries, tried, may_retry=not emitted)
                if not decision.retry:
                    self._fail(key, document, decision, exc, started, retries, tried)
                retries += 1
                await asyncio.sleep(decision.delay_s)

    # -- internals ---------------------------------------------------------------------------------
    async def _attempt(self, request: ChatRequest, tried: list[Endpoint]) -> ProviderReply:
        """One try at the least busy endpoint (appended to ``tried`` once chosen)."""
        async with self._limits.slot():
            endpoint = self._endpoints.acquire()
            tried.append(endpoint)
            shard = self._http.acquire()
            try:
                async with asyncio.timeout(self._total_timeout):
                    return await endpoint.provider.complete(self._http.client(shard), request)
            finally:
                self._http.release(shard)
                self._endpoints.release(endpoint)

    def _decide(
        self, exc: BaseException, retries: int, tried: list[Endpoint], *, may_retry: bool = True
    ) -> RetryDecision:
        endpoint = tried[0] if tried else None
        where = endpoint.url if endpoint else self._endpoints.urls[0]
        decision = self._policy.decide(exc, retries, where=where, may_retry=may_retry)
        if decision.pause_s is not None:
            self._limits.pause(decision.pause_s)  # a Retry-After holds back every request to the model
        if endpoint is not None:
            fault = decision.kind in ENDPOINT_FAILURES
            self._endpoints.failed(endpoint, endpoint_fault=fault)
            if decision.retry and fault and self._endpoints.another_usable(endpoint):
                decision = replace(decision, delay_s=0.0)  # fail over at once: another replica is up
        return decision

    def _cached(self, key: str) -> Completion | None:
        started = time.monotonic()
        stored = self._cache.get(key)
        if stored is None or not isinstance(
            stored.get("text"), str
        ):  # absent, or an unreadable entry: ask again
            return None
        completion = Completion(
            text=stored["text"],
            reasoning=stored.get("reasoning"),
            usage=Usage.from_dict(stored.get("usage")),
            cost_usd=0.0,
            latency_s=time.monotonic() - started,
            retries=0,
            cached=True,
            model=self.model,
            provider_model=stored.get("provider_model"),
            finish_reason=stored.get("finish_reason"),
            cache_source=stored.get("cache_source"),
        )
        self._cache.log(key, self.model, request=None, status="ok", cached=True, usage=completion.usage)
        self._schedule_flush()
        return completion

    def _finish(
        self,
        key: str,
        document: str,
        reply: ProviderReply,
        started: float,
        retries: int,
        endpoint: Endpoint,
    ) -> Completion:
        self._endpoints.succeeded(endpoint)
        usage = reply.usage
        cost = reply.cost_usd
        if cost is None:
            cost = self.entry.cost(usage.prompt_tokens, usage.completion_tokens)
        completion = Completion(
            text=reply.text,
            reasoning=reply.reasoning,
            usage=usage,
            cost_usd=cost,
            latency_s=time.monotonic() - started,
            retries=retries,
            cached=False,
            model=self.model,
            provider_model=reply.provider_model,
            finish_reason=reply.finish_reason,
            endpoint=self._redact(endpoint.url),
        )
        self._cache.put(key, self.model, completion)
        self._cache.log(
            key,
            self.model,
            request=document,
            status="ok",
            response=reply.raw,
            latency_s=completion.latency_s,
            retries=retries,
            cost_usd=cost,
            usage=usage,
        )
        self._schedule_flush()
        return completion

    def _fail(
        self,
        key: str,
        document: str,
        decision: RetryDecision,
        cause: BaseException,
        started: float,
        retries: int,
        tried: list[Endpoint],
    ) -> NoReturn:
        error = decision.error
        message = self._redact(" ".join(f"model {self.model}: {error}".split()))
        if retries:
            message += f" (after {retries} retr{'y' if retries == 1 else 'ies'})"
        error.args = (message,)
        error.model = self.model
        error.retries = retries
        error.kind = decision.kind
        error.endpoint = self._redact(tried[0].url) if tried else None
        self._cache.log(
            key,
            self.model,
            request=document,
            status="error",
            error=message,
            latency_s=time.monotonic() - started,
            retries=retries,
        )
        self._schedule_flush()
        if error is cause:
            raise error
        raise error from cause

    def _redact(self, text: str) -> str:
        if not self._secret or len(self._secret) < MIN_SECRET_LENGTH:  # a dummy key, not a secret
            return text
        return text.replace(self._secret, "[redacted]")

    def _schedule_flush(self) -> None:
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(0.5, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        self._cache.flush()

    def close(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._cache.close()


@asynccontextmanager
async def open_client(
    model: str,
    *,
    settings: Settings,
    base_url: str | Sequence[str] | None = None,
    use_cache: bool = True,
    options: ClientOptions | None = None,
    limits: LimitRegistry | None = None,
    price: tuple[float, float] | None = None,
    cache_scope: str | None = None,
    reuse_cache: bool = False,
) -> AsyncIterator[ModelClient]:
    """A :class:`ModelClient` for ``model`` (a registry id or ``PROVIDER:MODEL_NAME``).

    ``price`` (USD per million input and output tokens) overrides the registry's. ``cache_scope`` (a
    run id) keeps cached replies to that run; ``reuse_cache`` also serves other runs' replies (see
    :mod:`arcforge.models.cache`).

    ``settings`` is an :class:`arcforge.settings.Settings` (keys, cache path, data folder). ``limits``
    defaults to the process-wide :func:`~arcforge.models.limits.shared_limits`.
    """
    options = options or ClientOptions()
    for given in [base_url] if isinstance(base_url, str) else base_url or ():
        check_base_url(given)
    entry = load_registry().resolve(model, base_url=base_url)
    if price is not None:
        entry = replace(entry, input_price=price[0], output_price=price[1])
    secret = api_key(entry, settings)
    kind = provider_class(entry.kind)
    if entry.bundled:
        from arcforge.models.local import local_base_url

        urls: tuple[str, ...] = (await local_base_url(settings, entry),)
    else:
        urls = entry.endpoints
    for url in urls:
        check_base_url(url)
    config = ProviderConfig(
        base_url=urls[0],
        model=entry.model,
        api_key=secret,
        reasoning_style=entry.reasoning_style,
        params=entry.params,
    )
    endpoints = EndpointPool([Endpoint(url, kind(replace(config, base_url=url))) for url in urls])
    concurrency = options.max_concurrency or entry.max_concurrency
    rpm = entry.requests_per_minute if options.requests_per_minute is None else options.requests_per_minute
    model_limits = (limits or shared_limits()).for_model(
        f"{entry.identity}|{','.join(urls)}", max_concurrency=concurrency, requests_per_minute=rpm
    )
    read = options.read_timeout_s or entry.timeout_s
    timeout = httpx.Timeout(connect=options.connect_timeout_s, read=read, write=60.0, pool=None)
    cache = ResponseCache(
        settings.cache_path, secrets=[secret] if secret else [], scope=cache_scope, reuse=reuse_cache
    )
    http = ShardedHttp(connections=concurrency, timeout=timeout, trust_env=not all(map(is_loopback, urls)))
    client = ModelClient(
        entry,
        endpoints,
        http,
        limits=model_limits,
        cache=cache,
        use_cache=use_cache,
        options=options,
        secret=secret,
    )
    try:
        yield client
    finally:
        try:
            await http.aclose()
        finally:
            client.close()
