"""Browser tests: Debian's Chromium driven by Playwright against ``arcforge serve`` on loopback.

The server is a real subprocess serving the web tests' small task folder from a fresh SQLite store;
each test gets fresh browser contexts. Screenshots go to ``test-artifacts/screenshots/`` (gitignored).
Every page opened through ``new_page``/``open_in`` fails its test on a page error, an unhandled promise
rejection or a console error. The first-visit how-to card is marked as seen unless a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, Server, start_server, stop_server, watch_errors

DESKTOP = {"width": 1400, "height": 950}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Server]:
    """``arcforge serve`` for the module: the web tests' tasks, or the module's ``E2E_DATASET`` folder."""
    dataset = getattr(request.module, "E2E_DATASET", None)
    home = tmp_path_factory.mktemp("e2e")
    started = start_server(home, dataset=str(dataset)) if dataset else start_server(home)
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
def page_errors() -> Iterator[list[str]]:
    errors: list[str] = []
    yield errors
    assert not errors, errors


@pytest.fixture
def new_context(browser: Any, page_errors: list[str]) -> Iterator[Any]:
    """``new_context(viewport=..., howto_seen=True)``: a fresh browser context (cookies, storage)."""
    contexts: list[Any] = []

    def make(*, viewport: dict[str, int] | None = None, howto_seen: bool = True, axe: bool = False) -> Any:
        # axe-core is injected as an inline script, which the pages' CSP forbids: only axe contexts bypass it
        context = browser.new_context(viewport=viewport or DESKTOP, bypass_csp=axe)
        if howto_seen:
            context.add_init_script("try { localStorage.setItem('arcforge:howto-seen', '1') } catch (e) {}")
        context.on("page", lambda page: watch_errors(page, page_errors))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context: Any, server: Server) -> Any:
    """``new_page(task=None, query="", viewport=None, path="/")`` opens a page of ``server`` in a fresh context."""

    def open_page(
        task: str | None = None,
        *,
        query: str = "",
        viewport: dict[str, int] | None = None,
        path: str = "/",
        howto_seen: bool = True,
    ) -> Any:
        page = new_context(viewport=viewport, howto_seen=howto_seen).new_page()
        page.goto(f"{server.url}{path}?task={task}{query}" if task else f"{server.url}{path}")
        page.wait_for_selector("body.ready", timeout=15_000)
        return page

    return open_page
