"""The editor's tools (issue 18): rotate, flip and move a selection (buttons, keys, dragging), the keyboard
cell cursor with ARIA labels, solving a task with the keyboard alone, zoom, and a 30x30 grid that stays
legible at 1440x900 and fits a phone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from e2e_helpers import (
    FIXTURES,
    LAPTOP,
    PHONE,
    VIEWPORTS,
    cell,
    drag,
    focus_grid_by_keyboard,
    output_grid,
    resize,
    screenshot,
    sideways_overflow,
    sign_up,
)

from arcforge.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]
E2E_DATASET = FIXTURES


def draw(page: Any, rows: list[list[int]]) -> None:
    """Paint ``rows`` into the output with the keyboard cursor (resize first)."""
    resize(page, f"{len(rows)}x{len(rows[0])}")
    page.keyboard.press("g")
    for row in rows:
        for value in row:
            page.keyboard.press(str(value))
            page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowDown")
        for _ in row:
            page.keyboard.press("ArrowLeft")


@pytest.mark.parametrize("width", ["390", "1440"])
def test_rotate_flip_and_move_a_selection(new_page: Any, width: str) -> None:
    page = new_page("c0ffee99", viewport=VIEWPORTS[width])
    draw(page, [[1, 2, 0, 0], [3, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert output_grid(page)[:2] == [[1, 2, 0, 0], [3, 4, 0, 0]]
    # whole grid (nothing selected): rotate 90° clockwise
    page.keyboard.press("r")
    assert output_grid(page) == [[0, 0, 3, 1], [0, 0, 4, 2], [0, 0, 0, 0], [0, 0, 0, 0]]
    page.keyboard.press("Control+z")
    # select the 2x2 block with the mouse, then rotate / flip it in place
    page.keyboard.press("s")
    drag(page, (0, 0), (1, 1))
    page.click("#rotate")
    assert [row[:2] for row in output_grid(page)[:2]] == [[3, 1], [4, 2]]
    page.click("#flip-h")
    assert [row[:2] for row in output_grid(page)[:2]] == [[1, 3], [2, 4]]
    page.keyboard.press("y")  # flip top-bottom
    assert [row[:2] for row in output_grid(page)[:2]] == [[2, 4], [1, 3]]
    # move it with Ctrl+arrows: the old place becomes black, the selection follows
    page.keyboard.press("Control+ArrowRight")
    page.keyboard.press("Control+ArrowDown")
    assert output_grid(page) == [[0, 0, 0, 0], [0, 2, 4, 0], [0, 1, 3, 0], [0, 0, 0, 0]]
    assert page.locator("#output-host .cell.sel").count() == 4
    # with the Select tool, plain arrows move it too (and back)
    page.keyboard.press("ArrowUp")
    assert output_grid(page) == [[0, 2, 4, 0], [0, 1, 3, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    page.keyboard.press("ArrowDown")
    assert output_grid(page) == [[0, 0, 0, 0], [0, 2, 4, 0], [0, 1, 3, 0], [0, 0, 0, 0]]
    # and by dragging it (Select tool, drag from inside the selection)
    drag(page, (1, 1), (2, 2))
    assert output_grid(page) == [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 4], [0, 0, 1, 3]]
    page.keyboard.press("Control+z")  # a drag is one undo step
    assert output_grid(page) == [[0, 0, 0, 0], [0, 2, 4, 0], [0, 1, 3, 0], [0, 0, 0, 0]]
    # a non-square selection rotated in place: 1x3 becomes 3x1
    page.keyboard.press("Escape")
    drag(page, (3, 0), (3, 2))
    page.keyboard.press("9")  # the Select tool fills the selection with the colour
    page.keyboard.press("r")
    grid = output_grid(page)
    assert [grid[3][0], grid[3][1], grid[3][2]] == [9, 0, 0]
    screenshot(page, f"selection-tools-{width}")


def test_keyboard_cursor_is_announced_and_visible(new_page: Any) -> None:
    page = new_page("a1b2c3d4")
    resize(page, "2x3")
    focus_grid_by_keyboard(page, backwards=True)
    grid = page.locator("#output-host .grid")
    assert grid.get_attribute("role") == "grid"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("4")
    active = grid.get_attribute("aria-activedescendant")
    label = page.get_attribute(f"#{active}", "aria-label")
    assert label == "row 1, column 2: yellow (4)"
    assert page.locator("#output-host .cell.cursor").count() == 1
    outline = page.evaluate("getComputedStyle(document.querySelector('#output-host .grid')).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    assert page.locator("#output-host .cell.sel").count() == 4
    page.keyboard.press("?")
    assert page.is_visible("#shortcuts")
    listed = page.text_content("#shortcuts")
    for words in ("rotate", "flip", "move the selected cells", "Shift", "undo", "zoom", "submit", "paint"):
        assert words in listed
    page.keyboard.press("Escape")
    assert not page.is_visible("#shortcuts")


@pytest.mark.parametrize("width", ["390", "1440"])
def test_solve_a_task_with_the_keyboard_alone(new_page: Any, width: str) -> None:
    page = new_page("a1b2c3d4", viewport=VIEWPORTS[width])
    sign_up(page, f"keys{width}")
    page.mouse.click(1, 300)  # nothing focused: from here on only keys
    for _ in range(60):  # Tab to the size field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "resize-input":
            break
    page.keyboard.press("Control+a")
    page.keyboard.type("2x3")
    page.keyboard.press("Enter")
    focus_grid_by_keyboard(page, backwards=True)
    # the answer is [[0, 2, 2], [2, 0, 0]]
    for key in ["ArrowRight", "2", "ArrowRight", "2", "ArrowDown", "ArrowLeft", "ArrowLeft", "2"]:
        page.keyboard.press(key)
    assert output_grid(page) == [[0, 2, 2], [2, 0, 0]]
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#attempts.solved")
    assert page.text_content("#attempts") == "Solved in 1 attempt"
    screenshot(page, f"keyboard-solve-{width}")


def test_a_30x30_grid_is_legible_at_1440_and_fits_390(new_page: Any) -> None:
    page = new_page("f1a30x30", viewport=LAPTOP)
    page.click("#copy-input")
    size = page.evaluate("document.querySelector('#output-host .cell').getBoundingClientRect().width")
    assert size >= 12, size
    both = page.evaluate(
        """() => [...document.querySelectorAll('#io .grid')].map((g) => g.getBoundingClientRect().right)"""
    )
    assert max(both) <= 1440
    page.click("#zoom-in")
    bigger = page.evaluate("document.querySelector('#output-host .cell').getBoundingClientRect().width")
    assert bigger > size and page.text_content("#zoom-level") == "125%"
    assert sideways_overflow(page) == 0  # a zoomed grid scrolls in its column, not the page
    page.click("#zoom-out")
    screenshot(page, "grid-30x30-1440")
    phone = new_page("f1a30x30", viewport=PHONE)
    phone.click("#copy-input")
    assert sideways_overflow(phone) == 0
    assert not phone.evaluate("document.querySelector('#train-details').open")  # train pairs folded
    right = phone.evaluate("document.querySelector('#output-host .grid').getBoundingClientRect().right")
    assert right <= 390
    phone.click("#train-details summary")
    assert phone.evaluate("document.querySelector('#train-details').open")
    assert sideways_overflow(phone) == 0
    screenshot(phone, "grid-30x30-390")
    cell(phone, 0, 0)  # still addressable


def test_a_long_session_on_a_30x30_grid_still_submits(new_page: Any, server: Any) -> None:
    """Hundreds of edits on a 30x30 grid make an action log over the server's cap: the page sends the
    start and the newest entries that fit, marked as truncated, instead of failing the attempt."""
    page = new_page("f1a30x30")
    page.click("#copy-input")
    page.keyboard.press("g")
    for _ in range(160):
        page.keyboard.press("2")
        page.keyboard.press("3")
    limit = page.evaluate("fetch('/api/limits').then((r) => r.json())")["action_log"]["max_bytes"]
    page.click("#submit")
    page.wait_for_selector("text=Attempts: 1 of 2 used")
    store = open_store(server.db_url)
    try:
        (attempt,) = store.list_attempts(task_id="f1a30x30")
    finally:
        store.close()
    log = attempt.action_log
    assert len(json.dumps(log, separators=(",", ":"))) <= limit
    assert log[0]["tool"] == "start" and log[1]["tool"] == "truncated" and log[1]["dropped"] > 0
    assert log[-1]["tool"] == "edit" and log[-1]["colour"] == 3
