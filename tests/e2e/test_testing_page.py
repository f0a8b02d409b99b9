"""The testing page in Chromium: solving with every tool, attempts, answers, and navigation."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import Server, cell, drag, output_grid, resize, screenshot, sign_up

from arcforge.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_paint_and_submit_a_correct_answer(new_page: Any, server: Server) -> None:
    page = new_page("a1b2c3d4")
    sign_up(page, "painter")
    resize(page, "2x3")
    page.keyboard.press("2")
    drag(page, (0, 1), (0, 2))  # painting by dragging
    cell(page, 1, 0).click()
    assert output_grid(page) == [[0, 2, 2], [2, 0, 0]]
    page.click("#submit")
    page.wait_for_selector("#attempts.solved")
    assert page.text_content("#attempts") == "Solved in 1 attempt"
    assert page.is_visible("#answer .grid") and page.is_disabled("#submit")
    screenshot(page, "solved")
    store = open_store(server.db_url)
    try:
        attempt = [a for a in store.list_attempts(task_id="a1b2c3d4") if a.correct][-1]
    finally:
        store.close()
    tools = [entry["tool"] for entry in attempt.action_log]
    assert tools == ["start", "resize", "edit", "edit"]
    edit = attempt.action_log[2]
    assert edit["colour"] == 2 and edit["cells"] == [[0, 1], [0, 2]] and edit["grid"] == "2x3:022000"
    assert all(isinstance(e["t"], int) and e["t"] > 1_700_000_000_000 for e in attempt.action_log)
    assert attempt.action_log[-1]["grid"] == "2x3:022200"


def test_two_wrong_attempts_end_the_input_and_show_the_answer(new_page: Any) -> None:
    page = new_page("b7e5f012")
    sign_up(page, "spender")  # answers are shown to accounts only (issue 12)
    assert page.text_content("#attempts") == "Attempts: 0 of 2 used"
    assert not page.is_visible("#answer")
    page.click("#submit")
    page.wait_for_selector("text=Attempts: 1 of 2 used")
    assert page.text_content("#verdict") == "✘ Not quite"
    page.click("#copy-input")  # right size, wrong cells
    page.click("#submit")
    page.wait_for_selector("#attempts.spent")
    assert page.text_content("#attempts") == "Attempts: 2 of 2 used"
    assert page.is_disabled("#submit")
    answer = page.locator("#answer .grid")
    assert answer.get_attribute("data-height") == "3" and answer.get_attribute("data-width") == "2"
    page.check("#show-distance")
    assert "attempt 2 vs answer: 100.0%" in page.text_content("#distance")
    screenshot(page, "attempts-used")
    page.reload()
    page.wait_for_selector("body.ready")
    assert page.text_content("#attempts") == "Attempts: 2 of 2 used" and page.is_visible("#answer .grid")


def test_every_editing_tool(new_page: Any) -> None:
    page = new_page("c0ffee99")
    page.click("#copy-input")
    assert output_grid(page) == [[0, 0, 0]]
    resize(page, "3x4")  # keeps the top-left
    assert output_grid(page) == [[0, 0, 0, 0]] * 3
    page.keyboard.press("1")
    cell(page, 1, 1).click()
    page.keyboard.press("f")  # flood fill the zeros around it with 4
    page.keyboard.press("4")
    cell(page, 0, 0).click()
    assert output_grid(page) == [[4, 4, 4, 4], [4, 1, 4, 4], [4, 4, 4, 4]]
    page.keyboard.press("Control+z")
    assert output_grid(page) == [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    page.keyboard.press("Control+y")
    assert output_grid(page)[0] == [4, 4, 4, 4]
    page.keyboard.press("Control+z")
    # select on the output and fill the selection with a colour
    page.keyboard.press("s")
    drag(page, (0, 2), (1, 3))
    page.keyboard.press("7")
    assert output_grid(page) == [[0, 0, 7, 7], [0, 1, 7, 7], [0, 0, 0, 0]]
    # copy it and paste at an anchor cell
    page.keyboard.press("c")
    cell(page, 1, 0).click()
    page.keyboard.press("v")
    assert output_grid(page) == [[0, 0, 7, 7], [7, 7, 7, 7], [7, 7, 0, 0]]
    # select on the input, copy, paste into the output
    drag(page, (0, 0), (0, 2), where="input")
    page.keyboard.press("c")
    cell(page, 2, 1).click()
    page.keyboard.press("v")
    assert output_grid(page) == [[0, 0, 7, 7], [7, 7, 7, 7], [7, 0, 0, 0]]
    # the Fill button with a colour picked from the palette
    drag(page, (0, 0), (0, 1))
    page.click("#palette .swatch.c9")
    assert output_grid(page)[0] == [9, 9, 7, 7]
    page.check("#show-numbers")
    assert cell(page, 0, 0).text_content() == "9"
    assert cell(page, 0, 0, where="input").text_content() == "0"
    page.keyboard.press("e")
    assert "active" in (page.get_attribute("[data-tool=edit]", "class") or "")
    screenshot(page, "tools")
    page.click("#reset-grid")
    assert output_grid(page) == [[0, 0, 0]] * 3
    resize(page, "31x2")  # outside 1-30: refused with a message
    page.wait_for_selector(".toast.error")
    assert output_grid(page) == [[0, 0, 0]] * 3
    page.click("#next-test")
    assert page.text_content("#test-index") == "2/2" and "test=1" in page.url


def test_task_navigation(new_page: Any) -> None:
    page = new_page("a1b2c3d4")
    page.click("#next-task")
    page.wait_for_selector("text=b7e5f012 · #2 of 3")
    page.click("#prev-task")
    page.wait_for_selector("text=a1b2c3d4 · #1 of 3")
    page.click("#prev-task")  # wraps around
    page.wait_for_selector("text=c0ffee99 · #3 of 3")
    page.fill("#goto-input", "#2")
    page.click("#goto-form button")
    page.wait_for_selector("text=b7e5f012 · #2 of 3")
    page.fill("#goto-input", "a1b")  # an id prefix
    page.click("#goto-form button")
    page.wait_for_selector("text=a1b2c3d4 · #1 of 3")
    page.fill("#goto-input", "c0ffee99")
    page.click("#goto-form button")
    page.wait_for_selector("text=c0ffee99 · #3 of 3")
    page.click("#random-task")
    page.wait_for_function("() => document.querySelector('#task-label').textContent.includes('of 3')")
    page.go_back()
    page.wait_for_function("() => location.search.includes('task=')")
    page.fill("#goto-input", "zzz")
    page.click("#goto-form button")
    page.wait_for_selector(".toast.error")
    screenshot(page, "navigation")
