"""Finding grids in free text written by a model.

Models write grids in many ways; :func:`find_grids` finds each of them with its place in the text:

* ``\\boxed{...}`` (LaTeX answers), holding JSON, a ``bmatrix`` (``0 & 1 \\\\ 2 & 3``) or rows of digits;
* JSON lists of rows, ``[[0,1],[2,3]]``, on one line or many, inside a code fence or not;
* rows of digits, one row per line: ``0120``, ``0 1 2 0`` or ``0,1,2,0`` (two rows at least, or one
  row that is a whole code block), all rows of one length.

A grid inside another found grid (the JSON inside a ``\\boxed{}``) counts once, as the outer one.
Only values that make a valid :class:`~arcforge.task.grid.Grid` (1-30 rows and columns, colours 0-9,
rectangular) count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from arcforge.errors import InvalidTaskError
from arcforge.task.grid import Grid

__all__ = ["FoundGrid", "find_grids", "grid_from_fragment"]

_JSON_START = re.compile(r"\[\s*\[")
_BOXED = re.compile(r"\\boxed\s*\{")
_DIGIT_ROW = re.compile(r"^[ \t]*(\d(?:[ \t]*,?[ \t]*\d)*)[ \t]*,?[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```+|~~~+)")


@dataclass(frozen=True, slots=True)
class FoundGrid:
    """A grid found in text: where it starts and ends, and how it was written."""

    start: int
    end: int
    grid: Grid
    form: str  # "boxed", "json" or "digits"


def find_grids(text: str) -> list[FoundGrid]:
    """Every grid written in ``text``, in the order they appear."""
    found = _boxed(text) + _json_grids(text) + _digit_rows(text)
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[FoundGrid] = []
    for item in found:
        if kept and item.start < kept[-1].end:  # inside (or overlapping) the previous, outer grid
            continue
        kept.append(item)
    return kept


def grid_from_fragment(fragment: str) -> Grid | None:
    """A grid from a short piece of text (JSON, a LaTeX matrix or rows of digits), else None."""
    fragment = fragment.strip().strip("`").strip()
    if fragment.startswith("["):
        return _json_grid(fragment)
    latex = re.sub(r"\\(?:begin|end)\{[a-z]*matrix\}", "", fragment)
    if "&" in latex or "\\\\" in latex:
        rows = [row.replace("&", " ") for row in re.split(r"\\\\", latex) if row.strip()]
        return _rows_of_digits([row.strip() for row in rows])
    lines = [line for line in fragment.splitlines() if line.strip()]
    return _rows_of_digits(lines) if lines else None


def _boxed(text: str) -> list[FoundGrid]:
    found = []
    for match in _BOXED.finditer(text):
        end = _matching(text, match.end() - 1, "{", "}")
        if end is None:
            continue
        grid = grid_from_fragment(text[match.end() : end])
        if grid is not None:
            found.append(FoundGrid(match.start(), end + 1, grid, "boxed"))
    return found


def _json_grids(text: str) -> list[FoundGrid]:
    found = []
    position = 0
    while True:
        match = _JSON_START.search(text, position)
        if match is None:
            return found
        end = _matching(text, match.start(), "[", "]")
        grid = _json_grid(text[match.start() : end + 1]) if end is not None else None
        if grid is not None and end is not None:
            found.append(FoundGrid(match.start(), end + 1, grid, "json"))
            position = end + 1
        else:
            position = match.start() + 1


def _digit_rows(text: str) -> list[FoundGrid]:
    found: list[FoundGrid] = []
    run: list[tuple[int, str]] = []  # (offset, line) of consecutive digit rows
    run_after_fence = False  # the run began right after a code fence line
    previous_was_fence = False
    offset = 0

    def flush(next_is_fence: bool) -> None:
        if run and (len(run) >= 2 or (run_after_fence and next_is_fence)):
            grid = _rows_of_digits([line for _, line in run])
            if grid is not None:
                found.append(FoundGrid(run[0][0], run[-1][0] + len(run[-1][1]), grid, "digits"))
        run.clear()

    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        is_fence = bool(_FENCE.match(stripped))
        if _DIGIT_ROW.match(stripped):
            if not run:
                run_after_fence = previous_was_fence
            run.append((offset, stripped))
        else:
            flush(is_fence)
        previous_was_fence = is_fence
        offset += len(line)
    flush(False)
    return found


def _rows_of_digits(lines: list[str]) -> Grid | None:
    rows = []
    for line in lines:
        line = line.strip().rstrip(",")
        if not line:
            return None
        if " " in line or "," in line or "\t" in line:
            cells = [cell for cell in re.split(r"[\s,]+", line) if cell]
            if not all(len(cell) == 1 and cell.isdigit() for cell in cells):
                return None
        else:
            cells = list(line)
            if not line.isdigit():
                return None
        rows.append([int(cell) for cell in cells])
    return _grid(rows)


def _json_grid(fragment: str) -> Grid | None:
    try:
        value = json.loads(fragment)
    except ValueError:
        return None
    return _grid(value)


def _grid(value: object) -> Grid | None:
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        return None
    if any(isinstance(cell, bool) or not isinstance(cell, int) for row in value for cell in row):
        return None
    try:
        return Grid(value)
    except InvalidTaskError:
        return None


def _matching(text: str, start: int, opening: str, closing: str) -> int | None:
    """Index of the bracket closing the one at ``start``, or None when it never closes."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
    return None
