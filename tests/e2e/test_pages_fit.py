"""Every page fits every screen and passes axe-core (issue 18): the testing page (a small task and a 30x30
one), the discussion page, "my tasks" and a profile, at 390x844 and 1440x900: no sideways scrolling, no
serious or critical accessibility violations, no page errors; screenshots kept in test-artifacts/. Also the
first-visit how-to card, the my-tasks and profile contents, and the discussion page's failed task lookup."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import (
    AXE,
    FIXTURES,
    LAPTOP,
    VIEWPORTS,
    Server,
    add_trace,
    cell,
    resize,
    screenshot,
    serious_axe_violations,
    sideways_overflow,
    sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
E2E_DATASET = FIXTURES


def open_ready(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body.ready", timeout=15_000)


def make_progress(page: Any, name: str) -> None:
    """An account that solved one task, spent one attempt on another, and wrote a trace."""
    sign_up(page, name)
    resize(page, "2x3")
    page.keyboard.press("2")
    for r, c in [(0, 1), (0, 2), (1, 0)]:
        cell(page, r, c).click()
    page.click("#submit")
    page.wait_for_selector("#attempts.solved")
    add_trace(page, f"Recolour blue to red ({name}).")
    page.click("#next-task")
    page.wait_for_function("() => document.body.dataset.taskId === 'b7e5f012'")
    page.click("#submit")
    page.wait_for_selector("text=Attempts: 1 of 2 used")


@pytest.mark.parametrize("width", ["390", "1440"])
def test_pages_fit_and_pass_axe(new_context: Any, server: Server, width: str) -> None:
    assert AXE.exists(), (
        "axe-core is missing: `make test` installs it (npm install --prefix .cache/axe axe-core)"
    )
    page = new_context(viewport=VIEWPORTS[width], axe=True).new_page()
    name = f"fit{width}"
    open_ready(page, f"{server.url}/?task=a1b2c3d4")
    problems: dict[str, Any] = {}  # every page is checked before failing, so one run shows them all
    signed_out = serious_axe_violations(page)  # the log-in corner as a visitor sees it
    if signed_out:
        problems["testing-signed-out"] = {"axe": signed_out}
    make_progress(page, name)
    pages = {
        "testing": "/?task=a1b2c3d4",
        "testing-30x30": "/?task=f1a30x30",
        "discuss": "/discuss/a1b2c3d4",
        "my-tasks": "/my-tasks",
        "profile": f"/users/{name}",
    }
    for label, path in pages.items():
        open_ready(page, f"{server.url}{path}")
        if label == "testing-30x30":
            page.click("#copy-input")
        overflow = sideways_overflow(page)
        violations = serious_axe_violations(page)
        screenshot(page, f"page-{label}-{width}")
        if overflow or violations:
            problems[label] = {"sideways_px": overflow, "axe": violations}
    assert not problems, problems


def test_first_visit_shows_the_how_to_once(new_context: Any, server: Server) -> None:
    context = new_context(howto_seen=False, axe=True)
    page = context.new_page()
    open_ready(page, f"{server.url}/?task=a1b2c3d4")
    assert page.is_visible("#howto")
    assert serious_axe_violations(page) == []
    cell(page, 0, 0).click()  # the card does not block the page
    screenshot(page, "howto-first-visit")
    page.click("#howto-close")
    assert not page.is_visible("#howto")
    page.reload()
    page.wait_for_selector("body.ready")
    assert not page.is_visible("#howto")  # remembered
    page.click("#help-button")
    assert page.is_visible("#howto")


def test_my_tasks_lists_progress_with_continue_links(new_context: Any, server: Server) -> None:
    page = new_context(viewport=LAPTOP).new_page()
    open_ready(page, f"{server.url}/?task=a1b2c3d4")
    make_progress(page, "progressive")
    page.click("#next-task")  # c0ffee99: started, not submitted
    page.wait_for_function("() => document.body.dataset.taskId === 'c0ffee99'")
    resize(page, "1x3")
    page.wait_for_function("() => localStorage.getItem('arcforge:work:c0ffee99:0:0') !== null")  # saved
    open_ready(page, f"{server.url}/my-tasks")
    assert page.text_content("#counts .solved strong") == "1"
    assert page.text_content("#counts .attempted strong") == "1"
    solved = page.locator("#solved tr[data-task-id='a1b2c3d4']")
    assert solved.locator("td").nth(1).text_content() == "1"  # attempts used
    assert solved.locator("td.time").text_content() != ""
    attempted = page.locator("#attempted tr[data-task-id='b7e5f012']")
    assert "input 1: 1/2" in attempted.text_content()
    assert page.is_visible("#drafts-section") and "c0ffee99" in page.text_content("#drafts")
    attempted.locator("a.continue").click()
    page.wait_for_url("**/?task=b7e5f012*")
    page.wait_for_selector("body.ready")
    assert "task=b7e5f012" in page.url and page.text_content("#attempts") == "Attempts: 1 of 2 used"
    open_ready(page, f"{server.url}/my-tasks")
    page.locator("#drafts a.continue").first.click()
    page.wait_for_url("**/?task=c0ffee99*")
    page.wait_for_selector("body.ready")
    assert "task=c0ffee99" in page.url and page.text_content("#test-index") == "1/2"
    assert page.text_content("#output-size") == "1×3"  # the unsubmitted drawing is back


def test_profile_shows_traces_and_votes_received(new_context: Any, server: Server) -> None:
    author = new_context().new_page()
    open_ready(author, f"{server.url}/?task=c0ffee99")
    sign_up(author, "explainer")
    add_trace(author, "Paint everything green (explainer).")
    voter = new_context().new_page()
    open_ready(voter, f"{server.url}/?task=c0ffee99")
    sign_up(voter, "fan")
    voter.locator("#trace-list .trace").filter(has_text="(explainer)").locator(".vote.up").click()
    voter.wait_for_function(
        "() => [...document.querySelectorAll('#trace-list .trace')].some((t) => t.textContent.includes('(explainer)') && t.querySelector('.score').textContent === '1')"
    )
    voter.locator("#trace-list .trace").filter(has_text="(explainer)").locator("a.author").click()
    voter.wait_for_url("**/users/explainer")
    voter.wait_for_selector("body.ready")
    assert voter.url.endswith("/users/explainer")
    assert voter.text_content("#profile-title") == "explainer"
    row = voter.locator("#profile-traces .profile-trace").first
    assert "c0ffee99" in row.text_content() and "score 1 · ▲ 1 · ▼ 0" in row.text_content()
    assert voter.locator("#votes .count.solved strong").text_content() == "1"
    open_ready(voter, f"{server.url}/users/nobody-here")
    assert voter.text_content("#profile-title") == "No user named nobody-here"


def test_discussion_page_survives_an_unknown_task(new_context: Any, server: Server) -> None:
    page = new_context().new_page()
    open_ready(page, f"{server.url}/discuss/no-such-task")
    assert "No task no-such-task" in page.text_content("#train-pairs")
    sign_up(page, "lost")  # logging in on a task-less page must not throw either
    page.wait_for_timeout(300)
    source = page.evaluate("fetch('/static/js/discuss.js').then((r) => r.text())")
    assert "document.cookie" not in source and "X-CSRF-Token" not in source  # api.js does that
