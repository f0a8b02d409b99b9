"""``/docs`` renders Swagger UI offline: its files come from the swagger-ui-bundle package, not a CDN."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import Server, screenshot

pytestmark = pytest.mark.browser


def test_docs_page_lists_the_api_without_any_outside_request(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(server.url) else outside.append(req.url))
    try:
        page.goto(f"{server.url}/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        screenshot(page, "api-docs")
    finally:
        context.close()
    assert any("/api/tasks" in path for path in paths), paths
    assert outside == []
