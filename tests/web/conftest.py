"""Fixtures for the web app's tests (the helpers they use live in ``web_helpers``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_helpers import TASKS, Api, AppHarness, LiveServer, fast_hasher, free_port, start_server, stop_server

from arcforge.settings import load_settings
from arcforge.store import open_store
from arcforge.web import create_app
from arcforge.web.config import WebConfig


@pytest.fixture
def make_harness(tmp_path: Path) -> Iterator[Any]:
    started: list[tuple[Any, uvicorn.Server, threading.Thread]] = []
    harnesses: list[AppHarness] = []

    def build(config: WebConfig | None = None, dataset: Any = str(TASKS)) -> AppHarness:
        home = tmp_path / f"home{len(started)}"
        settings = load_settings({"ARCFORGE_HOME": str(home)}, dotenv_path=None)
        store = open_store(f"sqlite:///{home / 'arcforge.db'}", password_hasher=fast_hasher())
        app = create_app(settings, store=store, dataset=dataset, config=config)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((store, server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        harness = AppHarness(app, store, home, f"http://127.0.0.1:{port}")
        harnesses.append(harness)
        return harness

    yield build
    for harness in harnesses:
        for http in harness.clients:
            http.close()
    for store, server, thread in started:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture
def harness(make_harness: Any) -> AppHarness:
    return make_harness()


@pytest.fixture
def api(harness: AppHarness) -> Api:
    return harness.client()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live"))
    yield server
    stop_server(server)
