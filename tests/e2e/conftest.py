"""Browser tests: Debian's Chromium driven by Playwright against ``arcforge serve`` on loopback.

The server is a real subprocess serving the web tests' small task folder from a fresh SQLite store;
each test gets fresh browser contexts. Screenshots go to ``test-artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, Server, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("e2e"))
    yield started
    stop_server(started)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``new_page(task=None)`` opens the testing page in a fresh context; errors on the page fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(task: str | None = None, *, query: str = "") -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 950})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )
        page.goto(f"{server.url}/?task={task}{query}" if task else f"{server.url}/")
        page.wait_for_selector("body.ready", timeout=15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, errors
