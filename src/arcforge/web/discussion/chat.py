"""One streamed model reply: the upstream request runs in its own task, the page reads server-sent events.

:class:`ReplyStream` starts a *producer* task that opens the model client, streams the reply and puts
each piece on a queue; the response body (:meth:`ReplyStream.events`) turns queue items into SSE
frames (``start``, ``delta``, then ``done`` or ``error``). Keeping the upstream request in a task of
its own makes Stop real and clean: when the page aborts its fetch, :class:`EventStreamResponse`
notices the disconnect (it always listens for it, whatever ASGI version the server speaks), cancels
the body and calls :meth:`ReplyStream.stop`, which cancels the producer, whose ``async with open_client(...)`` then
closes the upstream connection; the model server sees the connection close at once.

Whatever happens, the producer records the assistant message once, with what arrived: finished
replies with the provider's cost; stopped or failed ones with their partial text and a cost
estimated from the text's length at the model's prices (about four characters a token), so that
stopping early cannot dodge the daily spending limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from arcforge.errors import ArcforgeError
from arcforge.settings import Settings

__all__ = ["EventStreamResponse", "ReplyRequest", "ReplyStream", "sse", "start_stream"]

KEEPALIVE_S = 15.0
# A person is waiting: retry a failed request briefly, never for minutes.
INTERACTIVE_RETRIES = 2
INTERACTIVE_MAX_RETRY_AFTER_S = 20.0
CHARS_PER_TOKEN = 4


def sse(event: str, data: Any) -> bytes:
    """One server-sent event frame."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class EventStreamResponse(StreamingResponse):
    """A streamed response that always watches for the client leaving, and then cancels the body."""

    def __init__(self, content: AsyncIterator[bytes], *, on_close: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def body() -> None:
            await self.stream_response(send)
            watcher.cancel()

        task = asyncio.ensure_future(body())
        watcher = asyncio.ensure_future(self._wait_disconnect(receive))
        try:
            await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, watcher):
                pending.cancel()
            self.on_close()
            await asyncio.gather(task, watcher, return_exceptions=True)

    @staticmethod
    async def _wait_disconnect(receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return


@dataclass(frozen=True)
class ReplyRequest:
    """Everything the producer needs; ``record`` stores the assistant message and returns its JSON."""

    model: str
    messages: list[dict[str, str]]
    temperature: float
    max_tokens: int
    settings: Settings
    base_url: str | None
    record: Callable[..., dict[str, Any]]
    redact: Callable[[str], str]
    on_finish: Callable[[], None]
    start: dict[str, Any]


class ReplyStream:
    """The producer task and the SSE body of one reply; see the module docstring."""

    def __init__(self, request: ReplyRequest) -> None:
        self.request = request
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.producer: asyncio.Task[None] | None = None

    def begin(self) -> None:
        """Start the upstream request now (on the running loop), before the response is sent."""
        self.producer = asyncio.ensure_future(self._produce())

    def stop(self) -> None:
        """Cancel the upstream request unless it has finished (safe to call more than once)."""
        if self.producer is not None and not self.producer.done():
            self.producer.cancel()

    async def events(self) -> AsyncIterator[bytes]:
        try:
            yield sse("start", self.request.start)
            while True:
                try:
                    kind, data = await asyncio.wait_for(self.queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                yield sse(kind, data)
                if kind in ("done", "error"):
                    return
        finally:
            self.stop()

    async def _produce(self) -> None:
        from arcforge.models import ChatRequest, ClientOptions, open_client

        req = self.request
        options = ClientOptions(
            max_retries=INTERACTIVE_RETRIES, max_retry_after_s=INTERACTIVE_MAX_RETRY_AFTER_S
        )
        text: list[str] = []
        reasoning: list[str] = []
        state: dict[str, Any] = {"entry": None, "completion": None}
        outcome, error = "error", None
        try:
            async with open_client(
                req.model, settings=req.settings, base_url=req.base_url, use_cache=False, options=options
            ) as client:
                state["entry"] = client.entry
                chat = ChatRequest(req.messages, temperature=req.temperature, max_tokens=req.max_tokens)
                async with contextlib.aclosing(
                    cast(AsyncGenerator[Any, None], client.stream(chat))
                ) as stream:
                    async for event in stream:
                        if event.kind == "done":
                            state["completion"] = event.completion
                            continue
                        (text if event.kind == "text" else reasoning).append(event.text)
                        self.queue.put_nowait(("delta", {"kind": event.kind, "text": event.text}))
            outcome = "ok"
        except asyncio.CancelledError:
            outcome = "stopped"
            raise
        except ArcforgeError as exc:
            error = req.redact(str(exc))
        except Exception as exc:  # noqa: BLE001 - a reply must end with an event, whatever broke
            error = req.redact(f"the model request failed: {type(exc).__name__}: {exc}")
        finally:
            self._finish(outcome, error, "".join(text), "".join(reasoning), state)

    def _finish(
        self, outcome: str, error: str | None, text: str, reasoning: str, state: dict[str, Any]
    ) -> None:
        req = self.request
        try:
            completion = state["completion"]
            entry = state["entry"]
            known: float | None
            if completion is not None:
                known = completion.cost_usd
                usage = completion.usage.to_dict()
                text = completion.text or text
            else:
                prompt_chars = sum(len(m["content"]) for m in req.messages)
                usage = {
                    "prompt_tokens": prompt_chars // CHARS_PER_TOKEN,
                    "completion_tokens": (len(text) + len(reasoning)) // CHARS_PER_TOKEN,
                    "estimated": True,
                }
                known = entry.cost(usage["prompt_tokens"], usage["completion_tokens"]) if entry else 0.0
            # a model without a price has an unknown cost: recorded as 0 and marked, never a crash
            # (a crash here would leave the page waiting for an end event that never comes)
            cost = 0.0 if known is None else float(known)
            if known is None:
                usage["cost_unknown"] = True
            usage["outcome"] = outcome
            if error:
                usage["error"] = error
            message = None
            if text or cost:
                try:
                    message = req.record(text=text, cost_usd=cost, usage=usage)
                except ArcforgeError as exc:  # the page must still hear how the reply ended
                    outcome, error = "error", f"the reply could not be stored: {exc}"
            if outcome == "ok":
                self.queue.put_nowait(("done", {"message": message, "cost_usd": cost}))
            elif outcome == "error":
                self.queue.put_nowait(("error", {"detail": error, "message": message}))
        except Exception as exc:  # noqa: BLE001 - whatever broke, the page must hear that the reply ended
            detail = req.redact(f"the reply could not be finished: {type(exc).__name__}: {exc}")
            self.queue.put_nowait(("error", {"detail": detail, "message": None}))
        finally:
            req.on_finish()


def start_stream(request: ReplyRequest) -> EventStreamResponse:
    """Start the reply's upstream request and return the response that streams it to the page."""
    stream = ReplyStream(request)
    stream.begin()
    return EventStreamResponse(stream.events(), on_close=stream.stop)
