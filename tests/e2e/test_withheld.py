"""Issue 12's page side: a swap version opened by a solver with attempts left shows the withheld train
output as withheld (with the reason), and the answer box holds an answer only for an entitled viewer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from e2e_helpers import PASSWORD, Server, screenshot

pytestmark = [pytest.mark.browser]
TASK = "c0ffee99"  # its second test output is [[3], [3]]


def _signed_in(context: Any, server: Server, name: str) -> Any:
    """The context's API client (it shares the browser's cookies), signed up as ``name``."""
    api = context.request
    api.get(f"{server.url}/api/session")
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "arcforge_csrf")
    if name:
        response = api.post(
            f"{server.url}/api/auth/signup",
            data={"name": name, "password": PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status == 201, response.text()
    return lambda path, body: api.post(f"{server.url}{path}", data=body, headers={"X-CSRF-Token": csrf})


@pytest.fixture(scope="module")
def swap_version(server: Server) -> int:
    """A solver solves test input 2 and signs ``swap:0,1``: its train pair 1 is that test pair."""
    with httpx.Client(base_url=server.url) as http:
        http.get("/api/session")
        headers = {"X-CSRF-Token": http.cookies["arcforge_csrf"]}
        http.post("/api/auth/signup", json={"name": "swapper", "password": PASSWORD}, headers=headers)
        solved = http.post(
            f"/api/tasks/{TASK}/versions/0/attempts",
            json={"test_index": 1, "grid": [[3], [3]]},
            headers=headers,
        )
        assert solved.json()["correct"] is True
        signed = http.post(
            f"/api/tasks/{TASK}/versions/0/sign", json={"transform": "swap:0,1"}, headers=headers
        )
        assert signed.status_code == 200, signed.text
        return int(signed.json()["version"])


def _visit(page: Any, url: str) -> None:
    """Open ``url`` and wait until the testing page has drawn its task."""
    page.goto(url)
    page.wait_for_selector("body.ready", timeout=15_000)


def test_the_swap_version_withholds_the_test_output_until_the_attempts_are_done(
    new_context: Any, server: Server, swap_version: int
) -> None:
    context = new_context()
    post = _signed_in(context, server, "learner")
    page = context.new_page()
    _visit(page, f"{server.url}/?task={TASK}&version={swap_version}")
    withheld = page.locator("#train-pairs .withheld")
    assert withheld.count() == 1
    assert "withheld" in withheld.inner_text() and "test input 2" in withheld.inner_text()
    assert page.locator("#train-pairs .grid[aria-label^='Output 1']").count() == 0
    assert page.locator("#answer .grid").count() == 0
    screenshot(page, "withheld-swap-version")

    for grid in ([[1], [1]], [[2], [2]]):  # two wrong attempts on test input 2, from the original version
        assert post(f"/api/tasks/{TASK}/versions/0/attempts", {"test_index": 1, "grid": grid}).ok
    _visit(page, f"{server.url}/?task={TASK}&test=1")
    page.wait_for_selector("#answer .grid", timeout=10_000)
    assert page.locator("#answer").is_visible()
    _visit(page, f"{server.url}/?task={TASK}&version={swap_version}")
    assert page.locator("#train-pairs .withheld").count() == 0
    assert page.locator("#train-pairs .grid").count() == 4  # both pairs, outputs included
    screenshot(page, "withheld-swap-version-entitled")


def test_an_anonymous_solver_never_gets_an_answer_box_with_the_answer(
    new_context: Any, server: Server, swap_version: int
) -> None:
    context = new_context()
    post = _signed_in(context, server, "")
    page = context.new_page()
    _visit(page, f"{server.url}/?task={TASK}&version={swap_version}")
    assert "sign in" in page.locator("#train-pairs .withheld").inner_text()
    for grid in ([[1], [1]], [[2], [2]]):
        assert post(f"/api/tasks/{TASK}/versions/0/attempts", {"test_index": 1, "grid": grid}).ok
    _visit(page, f"{server.url}/?task={TASK}&test=1")
    page.wait_for_selector("#locked-note:not([hidden])", timeout=10_000)
    assert page.locator("#answer .grid").count() == 0
    assert "sign in" in page.locator("#answer").inner_text().lower()
    screenshot(page, "withheld-anonymous-spent")
