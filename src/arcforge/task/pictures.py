"""Pictures of grids and whole tasks, as PNG or SVG, in the standard ARC palette.

Both formats come from one layout: a picture is first described as a list of three kinds of shape
(filled rectangles, filled polygons, text labels) in pixel coordinates, then drawn by Pillow for PNG or
written out as SVG elements. A grid is drawn as one rectangle per run of equal cells in a row, with thin
grid lines (rectangles ``line`` pixels wide) laid over them, so a 30x30 grid costs a few hundred shapes
instead of a thousand. A task picture stacks one row per pair: a label (``Example 1``, ``Test 1``), the
input, an arrow, and the output; a test output that is hidden or not asked for is a box with ``?``.

Pillow is imported only when a PNG is made; SVG needs nothing beyond the standard library.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = ["BACKGROUND", "LINE_COLOR", "PALETTE", "grid_png", "grid_svg", "task_png", "task_svg"]

PALETTE: tuple[str, ...] = (
    "#000000",  # 0 black
    "#0074D9",  # 1 blue
    "#FF4136",  # 2 red
    "#2ECC40",  # 3 green
    "#FFDC00",  # 4 yellow
    "#AAAAAA",  # 5 grey
    "#F012BE",  # 6 magenta
    "#FF851B",  # 7 orange
    "#7FDBFF",  # 8 light blue
    "#870C25",  # 9 maroon
)
"""The hex colour of each ARC colour 0-9."""

LINE_COLOR = "#555555"
BACKGROUND = "#FFFFFF"
_TEXT_COLOR = "#222222"
_MARGIN = 12
_LABEL = 18  # height of a label line above a pair
_GAP = 14  # vertical gap between pairs
_ARROW = 36  # horizontal space for the arrow between input and output
_FONT_SIZE = 13


@dataclass(frozen=True, slots=True)
class _Rect:
    x: int
    y: int
    width: int
    height: int
    fill: str


@dataclass(frozen=True, slots=True)
class _Polygon:
    points: tuple[tuple[int, int], ...]
    fill: str


@dataclass(frozen=True, slots=True)
class _Text:
    x: int
    y: int
    text: str
    middle: bool = False  # centred on (x, y) instead of hanging from its top-left corner


_Shape = _Rect | _Polygon | _Text


@dataclass(frozen=True, slots=True)
class _Picture:
    width: int
    height: int
    shapes: tuple[_Shape, ...]


def _grid_size(grid: Grid, cell: int, line: int) -> tuple[int, int]:
    return grid.width * (cell + line) + line, grid.height * (cell + line) + line


def _grid_shapes(grid: Grid, x: int, y: int, *, cell: int, line: int) -> list[_Shape]:
    """Rectangles for ``grid`` with its top-left corner at (x, y): runs of cells, then grid lines."""
    pitch = cell + line
    shapes: list[_Shape] = []
    w, cells = grid.width, grid.cells
    for r in range(grid.height):
        row = cells[r * w : (r + 1) * w]
        start = 0
        for c in range(1, w + 1):
            if c == w or row[c] != row[start]:
                left = x + line + start * pitch
                shapes.append(
                    _Rect(left, y + line + r * pitch, (c - start) * pitch - line, cell, PALETTE[row[start]])
                )
                start = c
    width, height = _grid_size(grid, cell, line)
    if line:
        shapes.extend(_Rect(x, y + r * pitch, width, line, LINE_COLOR) for r in range(grid.height + 1))
        shapes.extend(_Rect(x + c * pitch, y, line, height, LINE_COLOR) for c in range(grid.width + 1))
    return shapes


def _grid_picture(grid: Grid, cell: int, line: int) -> _Picture:
    width, height = _grid_size(grid, cell, line)
    return _Picture(width, height, tuple(_grid_shapes(grid, 0, 0, cell=cell, line=line)))


def _arrow(x: int, y: int) -> list[_Shape]:
    """A rightward arrow across the arrow gap, centred vertically on y."""
    left, right = x + 8, x + _ARROW - 8
    return [
        _Rect(left, y - 1, right - left - 6, 3, _TEXT_COLOR),
        _Polygon(((right - 8, y - 6), (right, y), (right - 8, y + 6)), _TEXT_COLOR),
    ]


def _unknown_box(x: int, y: int, width: int, height: int) -> list[_Shape]:
    """An outlined box with a question mark: an output that is not shown."""
    return [
        _Rect(x, y, width, 1, LINE_COLOR),
        _Rect(x, y + height - 1, width, 1, LINE_COLOR),
        _Rect(x, y, 1, height, LINE_COLOR),
        _Rect(x + width - 1, y, 1, height, LINE_COLOR),
        _Text(x + width // 2, y + height // 2, "?", middle=True),
    ]


def _task_picture(task: Task, *, include_test_outputs: bool, cell: int | None, line: int) -> _Picture:
    grids = [g for pair in (*task.train, *task.test) for g in (pair.input, pair.output) if g is not None]
    if cell is None:
        largest = max(max(g.height, g.width) for g in grids)
        cell = max(6, min(20, 240 // largest))
    rows: list[tuple[str, Grid, Grid | None]] = [
        (f"Example {i}", pair.input, pair.output) for i, pair in enumerate(task.train, start=1)
    ]
    rows += [
        (f"Test {i}", pair.input, pair.output if include_test_outputs else None)
        for i, pair in enumerate(task.test, start=1)
    ]
    input_column = max(_grid_size(g, cell, line)[0] for _, g, _ in rows)
    output_column = max(_grid_size(out if out is not None else g, cell, line)[0] for _, g, out in rows)
    shapes: list[_Shape] = [_Text(_MARGIN, _MARGIN, f"Task {task.id}" if task.id else "Task")]
    y = _MARGIN + _LABEL + 6
    x_in, x_arrow = _MARGIN, _MARGIN + input_column
    x_out = x_arrow + _ARROW
    for label, grid_in, grid_out in rows:
        shapes.append(_Text(x_in, y, label))
        y += _LABEL
        in_w, in_h = _grid_size(grid_in, cell, line)
        out_w, out_h = _grid_size(grid_out, cell, line) if grid_out is not None else (in_w, in_h)
        shapes.extend(_grid_shapes(grid_in, x_in, y, cell=cell, line=line))
        shapes.extend(_arrow(x_arrow, y + min(in_h, out_h) // 2))
        if grid_out is not None:
            shapes.extend(_grid_shapes(grid_out, x_out, y, cell=cell, line=line))
        else:
            shapes.extend(_unknown_box(x_out, y, out_w, out_h))
        y += max(in_h, out_h) + _GAP
    width = max(x_out + output_column, _MARGIN + 8 * (len(task.id) + 5)) + _MARGIN
    return _Picture(width, y - _GAP + _MARGIN, tuple(shapes))


# rendering -------------------------------------------------------------------------------------


def _to_svg(picture: _Picture) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture.width}" height="{picture.height}" '
        f'viewBox="0 0 {picture.width} {picture.height}" shape-rendering="crispEdges">',
        f'<rect width="{picture.width}" height="{picture.height}" fill="{BACKGROUND}"/>',
    ]
    for shape in picture.shapes:
        if isinstance(shape, _Rect):
            parts.append(
                f'<rect x="{shape.x}" y="{shape.y}" width="{shape.width}" height="{shape.height}" '
                f'fill="{shape.fill}"/>'
            )
        elif isinstance(shape, _Polygon):
            points = " ".join(f"{px},{py}" for px, py in shape.points)
            parts.append(f'<polygon points="{points}" fill="{shape.fill}" shape-rendering="auto"/>')
        else:
            anchor = (
                'text-anchor="middle" dominant-baseline="central"'
                if shape.middle
                else ('dominant-baseline="hanging"')
            )
            parts.append(
                f'<text x="{shape.x}" y="{shape.y}" {anchor} font-family="sans-serif" '
                f'font-size="{_FONT_SIZE}" fill="{_TEXT_COLOR}">{escape(shape.text)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _to_png(picture: _Picture) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (picture.width, picture.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=_FONT_SIZE)
    for shape in picture.shapes:
        if isinstance(shape, _Rect):
            right, bottom = shape.x + shape.width - 1, shape.y + shape.height - 1
            draw.rectangle((shape.x, shape.y, right, bottom), fill=shape.fill)
        elif isinstance(shape, _Polygon):
            draw.polygon(list(shape.points), fill=shape.fill)
        else:
            anchor = "mm" if shape.middle else "la"
            draw.text((shape.x, shape.y), shape.text, fill=_TEXT_COLOR, font=font, anchor=anchor)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def grid_png(grid: Grid, *, cell: int = 24, line: int = 1) -> bytes:
    """A PNG of ``grid``: ``cell`` pixels per cell, grid lines ``line`` pixels wide (0 for none)."""
    return _to_png(_grid_picture(grid, cell, line))


def grid_svg(grid: Grid, *, cell: int = 24, line: int = 1) -> str:
    """An SVG document of ``grid`` (see :func:`grid_png` for the parameters)."""
    return _to_svg(_grid_picture(grid, cell, line))


def task_png(
    task: Task, *, include_test_outputs: bool = False, cell: int | None = None, line: int = 1
) -> bytes:
    """A PNG of the whole task: each train pair as input -> output, then the test inputs.

    Test outputs are drawn only with ``include_test_outputs=True`` (a ``?`` box otherwise). ``cell``
    defaults to a size that keeps the largest grid near 240 pixels.
    """
    return _to_png(_task_picture(task, include_test_outputs=include_test_outputs, cell=cell, line=line))


def task_svg(
    task: Task, *, include_test_outputs: bool = False, cell: int | None = None, line: int = 1
) -> str:
    """An SVG document of the whole task (see :func:`task_png`)."""
    return _to_svg(_task_picture(task, include_test_outputs=include_test_outputs, cell=cell, line=line))
