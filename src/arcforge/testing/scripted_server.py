"""A scripted OpenAI-compatible HTTP server on loopback, for tests that need a real model endpoint.

The server is a small HTTP/1.1 server on :mod:`asyncio` that runs its own event loop in a background
thread, so the same object serves sync tests, async tests and CLI subprocesses (they reach it by
``base_url``). Each chat request takes the next :class:`Step` of the script; when the script runs out
the ``responder`` (if any) answers from the request JSON, otherwise the server answers 500 "script
exhausted", so a test never passes on an answer it did not script. It speaks three dialects, chosen by
path: OpenAI ``/v1/chat/completions`` (plain and SSE streaming), Ollama ``/api/chat`` and Anthropic
``/v1/messages``; ``GET /v1/models`` lists one model. ``reply`` steps are rendered in the dialect
asked; ``raw`` steps are sent byte for byte.

Usage::

    from arcforge.testing import ScriptedServer, error, reply, stall, truncated

    with ScriptedServer([error(429, retry_after=1), reply("hello", cost=0.002)]) as server:
        ...  # point a client at server.base_url ("http://127.0.0.1:PORT/v1")
        assert len(server.requests) == 2
        assert server.requests[0].json["messages"][0]["content"] == "hi"

    # content-based answers (e.g. by the task id found in the prompt):
    def answer(request: dict) -> str:
        return "grid for " + request["messages"][-1]["content"][:8]

    with ScriptedServer(responder=answer) as server:
        ...

``async with ScriptedServer(...)`` works too. ``server.max_in_flight`` is the largest number of chat
requests the server was answering at once (to check concurrency limits); ``server.push(step)`` adds
steps to a running server. Run ``python -m arcforge.testing --reply ok`` to serve from
a separate process (it prints the base URL on its first line), as the throughput benchmark does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from arcforge.testing._dialects import render_reply, render_stream
from arcforge.testing.steps import RecordedRequest, Reply, Step, error, raw, reply

__all__ = ["ScriptedServer"]  # the package re-exports it with the steps: import from arcforge.testing


Responder = Callable[[Any], "Step | str | dict[str, Any]"]
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


def _as_step(value: Step | str | dict[str, Any]) -> Step:
    if isinstance(value, Step):
        return value
    if isinstance(value, str):
        return reply(value)
    return raw(200, value)


def _dialect(path: str) -> str:
    if path.endswith("/api/chat"):
        return "ollama"
    if path.endswith("/messages"):
        return "anthropic"
    return "openai"


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 answering from a script; see the module docstring."""

    def __init__(
        self,
        script: Iterable[Step | str | dict[str, Any]] = (),
        *,
        responder: Responder | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        self._loop_factory = loop_factory
        self._script: deque[Step] = deque(_as_step(s) for s in script)
        self._responder = responder
        self._host = host
        self._port = port
        self._record = record
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> ScriptedServer:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="scripted-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._startup_error is not None:
            raise RuntimeError(f"scripted server failed to start: {self._startup_error}")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(lambda: loop.create_task(self._shutdown()))
        thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> ScriptedServer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def _run(self) -> None:
        loop = self._loop_factory()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_connection, self._host, self._port, backlog=1024)
            )
            self._port = self._server.sockets[0].getsockname()[1]
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        asyncio.get_running_loop().stop()

    # -- what tests look at ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST"]

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    @property
    def remaining(self) -> int:
        """Scripted steps not yet used."""
        with self._lock:
            return len(self._script)

    def push(self, *steps: Step | str | dict[str, Any]) -> None:
        with self._lock:
            self._script.extend(_as_step(s) for s in steps)

    # -- serving -----------------------------------------------------------------------------------
    def _next_step(self, payload: Any) -> Step:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self._responder is not None:
            return _as_step(self._responder(payload))
        return error(500, "scripted server: script exhausted (add steps or a responder)")

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                keep_alive = await self._answer(
                    method, target.split("?", 1)[0], headers, body, reader, writer
                )
                if not keep_alive or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        if self._record:
            record = RecordedRequest(method, path, headers, body, payload, time.monotonic())
            with self._lock:
                self._requests.append(record)
        if method == "GET" and path.endswith("/models"):
            await _send(writer, 200, (), json.dumps({"object": "list", "data": [{"id": "scripted-model"}]}))
            return True
        if method != "POST":
            await _send(writer, 404, (), json.dumps({"error": {"message": f"no route {method} {path}"}}))
            return True
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            step = self._next_step(payload)
            return await self._play(step, _dialect(path), payload, reader, writer)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _play(
        self,
        step: Step,
        dialect: str,
        payload: Any,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        if step.delay_s:
            await asyncio.sleep(step.delay_s)
        wants_stream = isinstance(payload, dict) and payload.get("stream", dialect == "ollama") is True
        if step.body is None and step.reply is not None and wants_stream and step.stall_after_bytes is None:
            return await _send_stream(reader, writer, dialect, step)
        if step.body is not None:
            data = step.body
        else:
            data = render_reply(dialect, step.reply or Reply()).encode()
        if step.truncate:
            data = data[: len(data) // 2]
        if step.stall_after_bytes is not None:
            whole = _http_bytes(step.status, step.headers, data)
            writer.write(whole[: step.stall_after_bytes])
            await writer.drain()
            while await reader.read(65536):  # silent until the client hangs up
                pass
            return False
        await _send(writer, step.status, step.headers, data)
        return True


def _http_bytes(status: int, headers: Iterable[tuple[str, str]], body: bytes | str) -> bytes:
    if isinstance(body, str):
        body = body.encode()
    names = {name.lower() for name, _ in headers}
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    if "content-type" not in names:
        head.append("Content-Type: application/json")
    head.extend(f"{name}: {value}" for name, value in headers)
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def _send(
    writer: asyncio.StreamWriter, status: int, headers: Iterable[tuple[str, str]], body: bytes | str
) -> None:
    writer.write(_http_bytes(status, headers, body))
    await writer.drain()


async def _send_stream(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, dialect: str, step: Step
) -> bool:
    content_type = "application/x-ndjson" if dialect == "ollama" else "text/event-stream"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n"
    for name, value in step.headers:
        head += f"{name}: {value}\r\n"
    writer.write((head + "\r\n").encode("latin-1"))
    for index, event in enumerate(render_stream(dialect, step.reply or Reply())):
        if index == step.stall_after_events:
            while await reader.read(65536):  # silent until the client hangs up
                pass
            return False
        if index and step.chunk_delay_s:
            await asyncio.sleep(step.chunk_delay_s)
        data = event.encode()
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


def serve_forever(argv: list[str] | None = None) -> int:
    """Serve ``reply(TEXT)`` forever from this process (for benchmarks); prints the base URL."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m arcforge.testing", description=serve_forever.__doc__)
    parser.add_argument("--reply", default="ok")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        pass
    step = reply(args.reply)
    server = ScriptedServer(
        responder=lambda _payload: step, port=args.port, record=False, loop_factory=loop_factory
    )
    server.start()
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
