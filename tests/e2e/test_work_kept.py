"""Work is never lost (issue 18): per test input with its undo history, across log-in, reload and a closed
tab, a restore/discard choice for a task that changed, live trace updates that leave an open edit alone,
and a grid locked beside its answer once the attempts are done. At phone and laptop widths."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import (
    FIXTURES,
    PASSWORD,
    VIEWPORTS,
    Server,
    cell,
    output_grid,
    resize,
    screenshot,
    sign_up,
    undo_depth,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
E2E_DATASET = FIXTURES
WIDTHS = pytest.mark.parametrize("width", ["390", "1440"])


def paint(page: Any, colour: int, *cells: tuple[int, int]) -> None:
    page.keyboard.press(str(colour))
    for r, c in cells:
        cell(page, r, c).click()


@WIDTHS
def test_switching_inputs_keeps_each_drawing_and_its_undo(new_page: Any, width: str) -> None:
    page = new_page("c0ffee99", viewport=VIEWPORTS[width])
    resize(page, "2x2")
    paint(page, 3, (0, 0), (1, 1))
    paint(page, 5, (0, 1))
    first = [[3, 5], [0, 3]]
    assert output_grid(page) == first
    page.click("#next-test")
    assert page.text_content("#test-index") == "2/2"
    assert output_grid(page) == [[0, 0, 0]] * 3 and not undo_depth(page)  # a fresh input
    paint(page, 7, (2, 2))
    page.click("#next-test")  # back to the first input
    assert page.text_content("#test-index") == "1/2"
    assert output_grid(page) == first
    page.keyboard.press("Control+z")
    assert output_grid(page) == [[3, 0], [0, 3]]
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    assert output_grid(page) == [[0, 0], [0, 0]]  # back to the resize
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    assert output_grid(page) == first
    page.click("#next-test")
    assert output_grid(page)[2][2] == 7
    screenshot(page, f"work-kept-switch-{width}")


@WIDTHS
def test_logging_in_mid_drawing_keeps_the_drawing(new_page: Any, width: str) -> None:
    page = new_page("a1b2c3d4", viewport=VIEWPORTS[width])
    resize(page, "2x3")
    paint(page, 2, (0, 1), (1, 0))
    drawn = output_grid(page)
    sign_up(page, f"midway{width}")
    page.wait_for_function("() => document.querySelector('#attempts').textContent.includes('of 2')")
    assert output_grid(page) == drawn
    page.keyboard.press("Control+z")
    assert output_grid(page) == [[0, 2, 0], [0, 0, 0]]  # the undo history came along too
    page.click("#logout")
    page.wait_for_selector("#login")
    page.keyboard.press("Control+y")
    assert output_grid(page) == drawn


@WIDTHS
def test_reload_and_a_reopened_tab_restore_the_work(new_page: Any, width: str) -> None:
    page = new_page("b7e5f012", viewport=VIEWPORTS[width])
    resize(page, "3x2")
    paint(page, 6, (0, 1), (2, 0))
    drawn = output_grid(page)
    page.reload()
    page.wait_for_selector("body.ready")
    assert output_grid(page) == drawn
    page.keyboard.press("Control+z")
    assert output_grid(page) == [[0, 6], [0, 0], [0, 0]]
    page.keyboard.press("Control+y")
    context = page.context
    page.close()  # the tab is closed; a new tab of the same browser finds the work
    again = context.new_page()
    again.goto(page.url)
    again.wait_for_selector("body.ready")
    assert output_grid(again) == drawn
    screenshot(again, f"work-kept-reload-{width}")


def age_stored_work(page: Any, server: Server, key: str) -> Any:
    """Close the tab, then (from another page of the site) mark its stored work as made on an older copy of
    the task: the task's content changing is exactly what the stored fingerprint detects. Returns a new tab."""
    context = page.context
    page.close()  # saves the work on the way out
    tab = context.new_page()
    tab.goto(f"{server.url}/my-tasks")
    tab.wait_for_selector("body.ready")
    tab.evaluate(
        """(key) => {
          const data = JSON.parse(localStorage.getItem(key));
          data.fingerprint = 'from-an-older-copy';
          localStorage.setItem(key, JSON.stringify(data));
        }""",
        key,
    )
    tab.goto(f"{server.url}/?task=b7e5f012")
    tab.wait_for_selector("body.ready")
    return tab


def test_stored_work_for_a_changed_task_asks_restore_or_discard(new_page: Any, server: Server) -> None:
    page = new_page("b7e5f012")
    resize(page, "1x2")
    paint(page, 4, (0, 0))
    drawn = output_grid(page)
    page = age_stored_work(page, server, "arcforge:work:b7e5f012:0:0")
    assert page.is_visible("#restore-banner")
    assert "changed since you worked on it" in page.text_content("#restore-text")
    assert output_grid(page) == [[0, 0, 0]] * 3  # nothing restored without asking
    screenshot(page, "restore-banner")
    page.click("#restore-work")
    assert output_grid(page) == drawn and not page.is_visible("#restore-banner")
    page = age_stored_work(page, server, "arcforge:work:b7e5f012:0:0")
    page.click("#discard-work")
    assert not page.is_visible("#restore-banner") and output_grid(page) == [[0, 0, 0]] * 3
    page.reload()
    page.wait_for_selector("body.ready")
    assert not page.is_visible("#restore-banner") and output_grid(page) == [[0, 0, 0]] * 3


@WIDTHS
def test_a_vote_from_another_browser_leaves_a_trace_edit_intact(
    new_page: Any, server: Server, width: str
) -> None:
    author = new_page("c0ffee99", viewport=VIEWPORTS[width])
    sign_up(author, f"writer{width}")
    author.click("#tab-traces")
    mine = f"Fill every cell with green ({width})."
    author.fill("#trace-text", mine)
    author.click("#trace-form button[type=submit]")
    found = author.locator("#trace-list .trace").filter(has_text=mine)
    found.wait_for()
    item = author.locator(f"#trace-list .trace[data-trace-id='{found.get_attribute('data-trace-id')}']")
    item.locator("button.edit").click()
    area = item.locator("textarea.edit-text")
    area.click()
    author.keyboard.press("End")
    author.keyboard.type(" Half-typed edit")
    voter = new_page("c0ffee99", viewport=VIEWPORTS[width])
    sign_up(voter, f"voter{width}")
    voter.locator("#trace-list .trace").filter(has_text=mine).locator(".vote.up").click()
    voter.fill("#trace-text", f"Another way ({width}): copy the input, then flood fill with 3.")
    voter.click("#trace-form button[type=submit]")
    # the author's page gets the live update: the score moves and the new trace appears ...
    score = item.locator(".score")
    author.wait_for_function("(el) => el.textContent === '1'", arg=score.element_handle())
    author.locator("#trace-list .trace").filter(has_text=f"Another way ({width})").wait_for()
    # ... and the edit in progress is untouched: its text, its focus, its place
    assert area.input_value() == f"{mine} Half-typed edit"
    assert author.evaluate("document.activeElement.classList.contains('edit-text')")
    author.keyboard.type("!")
    screenshot(author, f"trace-edit-live-{width}")
    item.locator("button.save").click()
    author.wait_for_selector("#trace-list .trace:not(.editing) >> text=Half-typed edit!")


@WIDTHS
def test_done_inputs_lock_the_grid_with_the_answer_beside_it(new_page: Any, width: str) -> None:
    page = new_page("b7e5f012", viewport=VIEWPORTS[width])
    sign_up(page, f"locked{width}")
    page.click("#submit")
    page.wait_for_selector("text=Attempts: 1 of 2 used")
    page.click("#copy-input")
    page.click("#submit")
    page.wait_for_selector("#attempts.spent")
    grid = page.locator("#output-host .grid")
    assert grid.get_attribute("aria-readonly") == "true" and page.is_visible("#locked-note")
    before = output_grid(page)
    cell(page, 0, 0).click()
    page.keyboard.press("Control+z")
    assert output_grid(page) == before  # read only: no painting, no undo
    assert page.is_disabled("#copy-input") and page.is_disabled("#submit")
    answer = page.locator("#answer .grid")
    assert answer.get_attribute("data-height") == "3" and answer.get_attribute("data-width") == "2"
    out_box, answer_box = grid.bounding_box(), answer.bounding_box()
    beside = answer_box["x"] >= out_box["x"] + out_box["width"]
    below = answer_box["y"] >= out_box["y"] + out_box["height"]
    assert beside or below
    if width == "1440":
        assert beside
    screenshot(page, f"locked-with-answer-{width}")


def test_a_one_character_name_signs_up_through_the_form(new_page: Any) -> None:
    page = new_page("a1b2c3d4")
    page.click("#signup")
    page.fill("#auth-name", "q")
    page.fill("#auth-password", PASSWORD)
    page.click("#auth-submit")
    page.wait_for_selector("#who")
    assert page.text_content("#who").startswith("q")
    limits = page.evaluate("fetch('/api/limits').then((r) => r.json())")
    assert page.get_attribute("#auth-name", "pattern") == limits["user_name"]["pattern"]
    assert page.evaluate("document.querySelector('#trace-text').maxLength") == limits["trace"]["max_chars"]
