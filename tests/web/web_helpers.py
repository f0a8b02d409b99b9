"""Helpers for the web app's tests: a small task folder, apps on fresh SQLite stores, and real servers.

``make_harness`` builds an app on a fresh store and serves it with uvicorn in a thread on a free
loopback port (real HTTP, fast to start; the test can reach the same store directly);
``live_server`` starts ``arcforge serve`` as a real subprocess on a free loopback port, for the
permission checks that must hold over real HTTP (curl semantics) and for several workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from arcforge.store import open_store

TASKS = Path(__file__).parent / "fixtures" / "tasks"
# The fixture answers: a1b2c3d4 recolours 1 -> 2, b7e5f012 mirrors, c0ffee99 fills with 3 (two tests).
ANSWERS = {
    "a1b2c3d4": [[[0, 2, 2], [2, 0, 0]]],
    "b7e5f012": [[[7, 6], [9, 8], [2, 1]]],
    "c0ffee99": [[[3, 3, 3]], [[3], [3]]],
}
PASSWORD = "correct horse"


def fast_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Api:
    """A browser-like client: keeps cookies and echoes the CSRF cookie in ``X-CSRF-Token``."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client
        self.http.get("/api/session").raise_for_status()

    def _headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.http.cookies.get("arcforge_csrf", "")}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json={} if json is None else json, headers=self._headers(), **kwargs)

    def put(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.put(path, json=json, headers=self._headers())

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(path, headers=self._headers())

    def signup(self, name: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.post("/api/auth/signup", {"name": name, "password": password})
        assert response.status_code == 201, response.text
        return response.json()["user"]

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        return self.post("/api/auth/login", {"name": name, "password": password})


@dataclass
class AppHarness:
    app: Any
    store: Any
    home: Path
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> Api:
        http = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(http)
        return Api(http)

    def moderator(self, name: str = "mod") -> Api:
        self.store.create_user(name, PASSWORD, role="moderator")
        api = self.client()
        assert api.login(name).status_code == 200
        return api


@dataclass
class LiveServer:
    url: str
    db_url: str
    process: subprocess.Popen[bytes]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> Api:
        http = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(http)
        return Api(http)

    def store(self) -> Any:
        return open_store(self.db_url, password_hasher=fast_hasher())


def start_server(home: Path, *, workers: int = 1, extra_env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    db_url = f"sqlite:///{home / 'arcforge.db'}"
    env = {**os.environ, "ARCFORGE_HOME": str(home), **(extra_env or {})}
    command = [
        sys.executable,
        "-m",
        "arcforge",
        "serve",
        "--port",
        str(port),
        "--dataset",
        str(TASKS),
        "--db",
        db_url,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--backup-hours",
        "0",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"arcforge serve exited with {process.returncode}: {output}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return LiveServer(url, db_url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("arcforge serve did not answer within 60 s")


def stop_server(server: LiveServer) -> None:
    for http in server.clients:
        http.close()
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.process.stdout:
        server.process.stdout.close()
