"""Finding grids in free text written by a model, in time linear in the text.

Models write grids in many ways; :func:`find_grids` finds each of them with its place in the text:

* ``\\boxed{...}`` (LaTeX answers), holding JSON, a ``bmatrix`` (``0 & 1 \\\\ 2 & 3``) or rows of digits
  (braces inside the box may nest two deep, as ``\\begin{bmatrix}`` does);
* JSON lists of rows, ``[[0,1],[2,3]]``, on one line or many, inside a code fence or not;
* rows of digits, one row per line: ``0120``, ``0 1 2 0`` or ``0,1,2,0`` (two rows at least, or one
  row that is a whole code block), all rows of one length.

A grid inside another found grid (the JSON inside a ``\\boxed{}``) counts once, as the outer one.
Only values that make a valid :class:`~arcforge.task.grid.Grid` (1-30 rows and columns, colours 0-9,
rectangular) count.

Model replies are hostile input, so every scan here is linear in the text: the patterns use possessive
quantifiers (nothing can backtrack), a bracket is matched by the shape of a grid (two levels deep), not by
an open-ended search for its partner, a candidate longer than a grid can be (:data:`MAX_GRID_TEXT`
characters, a row line over :data:`MAX_ROW_TEXT`) is skipped before it is read, and of each form only
the last :data:`MAX_CANDIDATES` candidates are read (the answer comes last; a reply with hundreds of
grids is not an answer). Callers cap the text itself (see :data:`arcforge.prompts.reply.MAX_REPLY_CHARS`).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from arcforge.errors import InvalidTaskError
from arcforge.task.grid import MAX_SIZE, Grid

__all__ = ["MAX_CANDIDATES", "MAX_GRID_TEXT", "MAX_ROW_TEXT", "FoundGrid", "find_grids", "grid_from_fragment"]

MAX_GRID_TEXT = 65_536  # a 30x30 grid pretty-printed one cell per line takes about 14,000 characters
MAX_ROW_TEXT = 1_024  # a row of 30 cells with generous separators
MAX_CANDIDATES = 256  # of each form (boxed, JSON, rows of digits), only the last this many are read

# A JSON grid: "[", rows of digits, commas and whitespace in brackets, "]": two levels, never more.
_JSON_GRID = re.compile(r"\[\s*+\[[0-9\s,]*+\](?:\s*+,\s*+\[[0-9\s,]*+\])*+\s*+\]")
# \boxed{...} whose braces nest at most two deep inside (\begin{bmatrix} ... \end{bmatrix}).
_BOXED = re.compile(r"\\boxed\s*+\{((?:[^{}]++|\{(?:[^{}]++|\{[^{}]*+\})*+\})*+)\}")
_ROW = r"[ \t]*+[0-9](?:[ \t]*+,?+[ \t]*+[0-9])*+[ \t]*+,?+[ \t]*+"
# Two or more consecutive lines that are rows of digits.
_ROW_RUN = re.compile(rf"^(?:{_ROW}(?:\n|\Z)){{2,}}+", re.MULTILINE)
_FENCE = r"[ \t]*+(?:`{3,}+|~{3,}+)"
# One row of digits alone between two fence lines (a one-row grid as a whole code block).
_FENCED_ROW = re.compile(rf"^{_FENCE}[^\n]*+\n({_ROW})\n(?={_FENCE})", re.MULTILINE)
_CELL_SPLIT = re.compile(r"[\s,]+")
_ONE_DIGIT = re.compile(r"[0-9]")
_ALL_DIGITS = re.compile(r"[0-9]+")
_MATRIX = re.compile(r"\\(?:begin|end)\{[a-z]*matrix\}")


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
    if len(fragment) > MAX_GRID_TEXT:
        return None
    fragment = fragment.strip().strip("`").strip()
    if fragment.startswith("["):
        return _json_grid(fragment)
    latex = _MATRIX.sub("", fragment)
    if "&" in latex or "\\\\" in latex:
        rows = [row.replace("&", " ") for row in latex.split("\\\\") if row.strip()]
        return _rows_of_digits([row.strip() for row in rows])
    lines = [line for line in fragment.splitlines() if line.strip()]
    return _rows_of_digits(lines) if lines else None


def _boxed(text: str) -> list[FoundGrid]:
    found = []
    for match in _last(_BOXED.finditer(text)):
        grid = grid_from_fragment(match.group(1))
        if grid is not None:
            found.append(FoundGrid(match.start(), match.end(), grid, "boxed"))
    return found


def _json_grids(text: str) -> list[FoundGrid]:
    found = []
    for match in _last(_JSON_GRID.finditer(text)):
        if match.end() - match.start() > MAX_GRID_TEXT:
            continue
        grid = _json_grid(match.group())
        if grid is not None:
            found.append(FoundGrid(match.start(), match.end(), grid, "json"))
    return found


def _digit_rows(text: str) -> list[FoundGrid]:
    found: list[FoundGrid] = []
    for match in _last(_ROW_RUN.finditer(text)):
        block = match.group().rstrip("\n")
        if block.count("\n") >= MAX_SIZE:  # more than 30 rows
            continue
        grid = _rows_of_digits(block.split("\n"))
        if grid is not None:
            found.append(FoundGrid(match.start(), match.start() + len(block), grid, "digits"))
    for match in _last(_FENCED_ROW.finditer(text)):
        grid = _rows_of_digits([match.group(1)])
        if grid is not None:
            found.append(FoundGrid(match.start(1), match.end(1), grid, "digits"))
    return found


def _last(matches: Iterator[re.Match[str]]) -> deque[re.Match[str]]:
    """The last :data:`MAX_CANDIDATES` matches (the iterator is drained in C, not by a Python loop)."""
    return deque(matches, maxlen=MAX_CANDIDATES)


def _rows_of_digits(lines: list[str]) -> Grid | None:
    if not lines or len(lines) > MAX_SIZE or any(len(line) > MAX_ROW_TEXT for line in lines):
        return None
    rows = []
    for line in lines:
        line = line.strip().rstrip(",")
        if not line:
            return None
        if " " in line or "," in line or "\t" in line:
            cells = [cell for cell in _CELL_SPLIT.split(line) if cell]
            if not all(_ONE_DIGIT.fullmatch(cell) for cell in cells):
                return None
        else:
            if not _ALL_DIGITS.fullmatch(line):
                return None
            cells = list(line)
        rows.append([int(cell) for cell in cells])
    return _grid(rows)


def _json_grid(fragment: str) -> Grid | None:
    if len(fragment) > MAX_GRID_TEXT:
        return None
    try:
        value = json.loads(fragment)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
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
