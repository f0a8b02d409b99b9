"""Grids in a terminal: ANSI 24-bit colour blocks, side-by-side panels, and diffs of two grids.

Each cell is two characters wide (so cells look square in most fonts), painted with the standard ARC
palette as a 24-bit background colour; with ``digits=True`` the colour number is written in the cell
in black or white, whichever reads better on that colour. With ``color=False`` (for ``NO_COLOR``, pipes
and logs) cells are plain digits. A panel is a list of lines that each know their visible width, which
is how grids of different sizes line up side by side even though the escape codes take no columns.

:func:`printable` is for text that a program or a model wrote (a traceback, a reply, a trace): it shows
every character that could steer the terminal as a visible escape (``\\x1b``, ``\\r``, ``\\u202e``), so no
such text can clear the screen, move the cursor over an earlier line, write the clipboard (OSC 52), or
reorder what is shown with bidirectional overrides. Every print of such text in the CLI goes through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arcforge.task.grid import Grid
from arcforge.task.pictures import PALETTE

__all__ = ["printable", "render_diff", "render_grid", "render_side_by_side"]

_RESET = "\x1b[0m"
_DIM = "\x1b[2m"
_MARK = "\x1b[1;38;2;0;0;0;48;2;255;255;255m"  # bold black on white: a differing cell


def _escapes() -> dict[int, str]:
    """C0 controls but newline and tab, DEL, C1 controls, bidi controls and line separators."""
    named = {"\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\x00": "\\0"}
    controls = (*range(0x20), 0x7F, *range(0x80, 0xA0))
    table = {code: named.get(chr(code), f"\\x{code:02x}") for code in controls}
    del table[ord("\n")], table[ord("\t")]
    bidi = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
    table.update({code: f"\\u{code:04x}" for code in bidi})
    return table


_ESCAPES = _escapes()
_ONE_LINE = {**_ESCAPES, ord("\n"): "\\n", ord("\t"): "\\t"}


def printable(text: object, *, multiline: bool = True) -> str:
    """``text`` (anything, shown by ``str``) safe to print: control characters shown as escapes.

    Newlines and tabs stay unless ``multiline`` is False (for text that must stay on one line, as a
    name in a list). A single ``str.translate``: linear, in C, and safe to apply to each piece of a
    stream, since it escapes characters, not sequences.
    """
    return str(text).translate(_ESCAPES if multiline else _ONE_LINE)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def _cell_style(colour: int, digits: bool) -> str:
    r, g, b = _rgb(PALETTE[colour])
    style = f"\x1b[48;2;{r};{g};{b}m"
    if digits:
        light = 0.299 * r + 0.587 * g + 0.114 * b > 140
        style += "\x1b[38;2;0;0;0m" if light else "\x1b[38;2;255;255;255m"
    return style


@dataclass(frozen=True, slots=True)
class _Panel:
    lines: tuple[str, ...]
    width: int  # visible columns of every line


def _grid_lines(grid: Grid, *, digits: bool, color: bool) -> list[str]:
    w, cells = grid.width, grid.cells
    lines = []
    for r in range(grid.height):
        row = cells[r * w : (r + 1) * w]
        if color:
            text = "".join(_cell_style(c, digits) + (f"{c} " if digits else "  ") for c in row) + _RESET
        else:
            text = "".join(f"{c} " for c in row)
        lines.append(text)
    return lines


def _diff_lines(expected: Grid, actual: Grid, *, color: bool) -> list[str]:
    """``X`` where the grids differ, ``.`` where they agree."""
    w = expected.width
    lines = []
    for r in range(expected.height):
        pairs = zip(expected.cells[r * w : (r + 1) * w], actual.cells[r * w : (r + 1) * w], strict=True)
        if color:
            text = "".join(f"{_MARK}X " if a != b else f"{_RESET}{_DIM}. " for a, b in pairs) + _RESET
        else:
            text = "".join("X " if a != b else ". " for a, b in pairs)
        lines.append(text)
    return lines


def render_grid(grid: Grid, *, digits: bool = False, color: bool = True) -> str:
    """``grid`` as lines of coloured cells (two columns each); plain digits when ``color`` is False."""
    return "\n".join(_grid_lines(grid, digits=digits, color=color))


def _panel(grid: Grid | None, title: str, *, digits: bool, color: bool) -> _Panel:
    if grid is None:
        body = ["(none)"]
        width = len(body[0])
    else:
        body = _grid_lines(grid, digits=digits, color=color)
        width = 2 * grid.width
    if title:
        width = max(width, len(title))
        return _Panel((title, *body), width)
    return _Panel(tuple(body), width)


def _join(panels: Sequence[_Panel], *, gap: int) -> str:
    height = max(len(panel.lines) for panel in panels)
    rows = []
    for i in range(height):
        pieces = []
        for panel in panels:
            if i < len(panel.lines):
                line = panel.lines[i]
                pieces.append(line + " " * (panel.width - _visible_width(line)))
            else:
                pieces.append(" " * panel.width)
        rows.append((" " * gap).join(pieces).rstrip())
    return "\n".join(rows)


def _visible_width(line: str) -> int:
    width, escaped = 0, False
    for ch in line:
        if escaped:
            escaped = ch != "m"
        elif ch == "\x1b":
            escaped = True
        else:
            width += 1
    return width


def render_side_by_side(
    grids: Sequence[Grid | None],
    titles: Sequence[str] = (),
    *,
    gap: int = 4,
    digits: bool = False,
    color: bool = True,
) -> str:
    """Grids next to each other, each under its title (``None`` shows ``(none)``), tops aligned."""
    if not grids:
        return ""
    names = list(titles) + [""] * (len(grids) - len(titles))
    panels = [
        _panel(grid, name, digits=digits, color=color) for grid, name in zip(grids, names, strict=False)
    ]
    return _join(panels, gap=gap)


def render_diff(
    expected: Grid,
    actual: Grid | None,
    *,
    digits: bool = False,
    color: bool = True,
    titles: tuple[str, str] = ("expected", "actual"),
) -> str:
    """``expected`` and ``actual`` side by side, then a third panel marking differing cells with ``X``
    (equal cells as ``.``), then a one-line summary. A missing output or a size mismatch shows both
    grids and says so instead of a cell diff.
    """
    first = _panel(expected, titles[0], digits=digits, color=color)
    second = _panel(actual, titles[1], digits=digits, color=color)
    if actual is None:
        return _join([first, second], gap=4) + "\nno output to compare"
    if expected.shape != actual.shape:
        sizes = f"expected {expected.height}x{expected.width}, got {actual.height}x{actual.width}"
        return _join([first, second], gap=4) + f"\nsize mismatch: {sizes}"
    differing = sum(a != b for a, b in zip(expected.cells, actual.cells, strict=True))
    third = _Panel(("diff", *_diff_lines(expected, actual, color=color)), max(4, 2 * expected.width))
    total = expected.height * expected.width
    summary = "identical" if not differing else f"{differing} of {total} cells differ"
    return _join([first, second, third], gap=4) + "\n" + summary
