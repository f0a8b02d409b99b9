"""One sandbox worker as the parent sees it: a fork server process and its control socket.

Each program gets its own socket pair: one end goes to the fork server with ``SCM_RIGHTS`` (with a
header that holds only the limits) and on to the program's child; the parent writes the request on
the other end and reads the result lines back, then the server's account of how the child ended,
to end of file. See ``_forkserver.py`` for the server's side.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import Any

from arcforge.errors import SandboxError, UsageError

__all__ = ["Worker"]

_SERVER = Path(__file__).with_name("_forkserver.py")
_HEADER = struct.Struct(">I")
_MAX_REPLY = 1 << 20


class Worker:
    """One fork server process, its control socket, and one socket pair per program."""

    def __init__(self, process: asyncio.subprocess.Process, control: socket.socket) -> None:
        self.process = process
        self.control = control
        self.info: dict[str, Any] = {}
        self.broken = False
        self._buffer = bytearray()

    @classmethod
    async def start(cls, config: dict[str, Any]) -> Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # The only variable the server gets (it clears its environment before any program runs):
        # the dynamic linker binds every symbol at start, once, instead of on first call in each
        # child, which would write (copy-on-write) the libraries' symbol tables for every program.
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-I", str(_SERVER),
                stdin=theirs.fileno(), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                env={"LD_BIND_NOW": "1"}, cwd="/",
            )  # fmt: skip
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        worker = cls(process, ours)
        try:
            async with asyncio.timeout(60):
                await worker.send(json.dumps(config, separators=(",", ":")).encode())
                raw = await worker.receive()
            reply = json.loads(raw)
        except (SandboxError, TimeoutError, ValueError) as exc:
            await worker.kill()
            raise SandboxError(f"the sandbox worker did not start ({exc}); is numpy installed?") from None
        if not isinstance(reply, dict) or "error" in reply or not reply.get("ready"):
            await worker.kill()
            error = reply.get("error") if isinstance(reply, dict) else None
            if isinstance(reply, dict) and reply.get("kind") == "library":
                raise UsageError(f"{error}; fix the library (no program was run)")
            raise SandboxError(str(error or "the sandbox worker did not start"))
        worker.info = dict(reply.get("isolation", {}))
        return worker

    async def send(self, body: bytes, fd: int = -1) -> None:
        """One frame on the control socket, with ``fd`` passed alongside (``SCM_RIGHTS``)."""
        loop = asyncio.get_running_loop()
        frame = _HEADER.pack(len(body)) + body
        try:
            if fd >= 0:
                ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
                while True:
                    try:
                        sent = self.control.sendmsg([frame], ancillary)
                        break
                    except BlockingIOError:
                        writable = loop.create_future()
                        loop.add_writer(self.control, writable.set_result, None)
                        try:
                            await writable
                        finally:
                            loop.remove_writer(self.control)
                frame = frame[sent:]
            if frame:
                await loop.sock_sendall(self.control, frame)
        except OSError as exc:
            self.broken = True
            raise SandboxError(f"the sandbox worker failed ({type(exc).__name__})") from None

    async def receive(self) -> bytes:
        """The next frame from the control socket."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                if len(self._buffer) >= _HEADER.size:
                    size = _HEADER.unpack_from(self._buffer)[0]
                    if size > _MAX_REPLY:
                        raise SandboxError(f"the sandbox worker sent a reply of {size} bytes")
                    if len(self._buffer) >= _HEADER.size + size:
                        frame = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
                        del self._buffer[: _HEADER.size + size]
                        return frame
                chunk = await loop.sock_recv(self.control, 65536)
                if not chunk:
                    raise SandboxError("the sandbox worker ended")
                self._buffer += chunk
        except OSError as exc:
            self.broken = True
            raise SandboxError(f"the sandbox worker failed ({type(exc).__name__})") from None
        except BaseException:
            self.broken = True
            raise

    async def execute(self, header: bytes, body: bytes, cap: int) -> tuple[bytes, bytes]:
        """Run one program: its own socket pair carries the request in and the result lines out.

        The fork server only passes the child its end; it never reads the program or its results.
        The stream ends with the server's account of how the child ended, written after the child
        and anything it started are dead, so it is the last line. Returns ``(ending, lines)``; an
        ending of ``b""`` means the program wrote more than ``cap`` bytes.
        """
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                await self.send(header, theirs.fileno())
            finally:
                theirs.close()
            ours.setblocking(False)
            request = _HEADER.pack(len(body)) + body
            with contextlib.suppress(OSError):  # a child that could not be confined reads nothing
                sent = ours.send(request)  # most requests fit the socket's buffer at once
                if sent < len(request):
                    await loop.sock_sendall(ours, request[sent:])
            data = await _read_to_end(loop, ours, cap)
        except BaseException:
            self.broken = True
            raise
        finally:
            ours.close()
        if data is None:
            return b"", b""
        lines, _, ending = bytes(data).rstrip(b"\n").rpartition(b"\n")
        if not ending.startswith(b'{"ending":1,'):
            if self._alive():  # the program shut the socket down: the server could not write to it
                return b'{"ending":1,"closed":true}', bytes(data)
            self.broken = True
            raise SandboxError("the sandbox worker ended during a program")
        return ending, lines

    def _alive(self) -> bool:
        """Whether the fork server still holds its end of the control socket."""
        try:
            return self.control.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    async def kill(self, *, graceful: bool = False) -> None:
        """End the worker; ``graceful``: let an idle server see end of input and exit on its own.

        A server that exits is waited for by its own parent, so its CPU time (and its children's)
        reaches this process's ``RUSAGE_CHILDREN``, which the benchmarks count; one that is killed
        takes its account with it.
        """
        graceful = graceful and not self.broken
        self.broken = True
        self.control.close()
        if graceful and self.process.returncode is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await self.process.wait()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        # Close the process transport now: uvloop (uvicorn's loop) refuses to close with it open.
        transport = getattr(self.process, "_transport", None)
        if transport is not None:
            transport.close()
        paths = list(reversed(self.info.get("cgroup", {}).get("paths", [])))
        for _ in range(50):  # the worker's other processes die with it, a moment later
            for path in list(paths):
                with contextlib.suppress(FileNotFoundError):
                    try:
                        os.rmdir(path)
                    except OSError:
                        continue
                paths.remove(path)
            if not paths:
                return
            await asyncio.sleep(0.01)


async def _read_to_end(loop: asyncio.AbstractEventLoop, sock: socket.socket, cap: int) -> bytearray | None:
    """Everything until end of file (one reader registration, drained per wake-up); None past ``cap``."""
    data = bytearray()
    done: asyncio.Future[bool] = loop.create_future()

    def drain() -> None:
        while not done.done():
            try:
                chunk = sock.recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                done.set_result(True)
                return
            if not chunk:
                done.set_result(True)
            elif len(data) + len(chunk) > cap:
                done.set_result(False)
            else:
                data.extend(chunk)

    loop.add_reader(sock.fileno(), drain)  # nothing to read yet: the child has only just started
    try:
        await done
    finally:
        loop.remove_reader(sock.fileno())
    return data if done.result() else None
