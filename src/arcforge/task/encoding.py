"""Named, versioned text encodings of grids, and the task text a prompt shows.

A prompt's wording lives in templates (``arcforge.prompts``); how a grid looks as text lives here, so a
run records which encoding (name and version) its prompts used and two runs can be compared. A change
to how an encoding writes a grid must raise its version. Encodings, one row per line:

* ``json-rows``: a JSON list of rows, ``[[0,1],`` / `` [2,3]]`` (decodes with any whitespace);
* ``digits``: one digit per cell, ``01`` / ``23``;
* ``spaced``: digits separated by single spaces, ``0 1`` / ``2 3``;
* ``color-names``: colour names separated by spaces, ``black blue`` / ``red green`` (names in
  :data:`COLOR_NAMES`; ``light-blue`` is one word so rows split on spaces).

:func:`decode_grid` reads each encoding back (tolerating surrounding blank lines and trailing spaces)
and raises :class:`GridDecodeError`, naming the line, when the text is not a grid.
:func:`encode_task` lays a task out as numbered examples and tests (layout version
:data:`TASK_LAYOUT_VERSION`); test outputs appear only when asked for, since a model must never see them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from arcforge.errors import InvalidTaskError, UsageError
from arcforge.task.grid import Grid
from arcforge.task.model import Task

__all__ = [
    "COLOR_NAMES",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "TASK_LAYOUT_VERSION",
    "Encoding",
    "GridDecodeError",
    "decode_grid",
    "encode_grid",
    "encode_task",
    "get_encoding",
]

DEFAULT_ENCODING = "json-rows"
TASK_LAYOUT_VERSION = 1
COLOR_NAMES = ("black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "light-blue", "maroon")
_NAME_TO_COLOUR = {name: colour for colour, name in enumerate(COLOR_NAMES)} | {
    "gray": 5,
    "azure": 8,
    "lightblue": 8,
}
_DIGITS = "0123456789"


class GridDecodeError(InvalidTaskError):
    """Text that is not a grid in the named encoding; ``problems`` names the line and the problem."""


@dataclass(frozen=True, slots=True)
class Encoding:
    """A text encoding of grids: ``encode`` writes one, ``decode`` reads one back."""

    name: str
    version: int
    description: str
    encode: Callable[[Grid], str]
    decode: Callable[[str], Grid]

    @property
    def label(self) -> str:
        """``name@version``, as a run manifest records it."""
        return f"{self.name}@{self.version}"


def _rows(grid: Grid) -> list[bytes]:
    w = grid.width
    cells = grid.cells
    return [cells[i : i + w] for i in range(0, len(cells), w)]


_DIGIT_TABLE = bytes.maketrans(bytes(range(10)), _DIGITS.encode())


def _encode_json_rows(grid: Grid) -> str:
    lines = ["[" + ",".join(row.translate(_DIGIT_TABLE).decode()) + "]" for row in _rows(grid)]
    return "[" + ",\n ".join(lines) + "]"


def _encode_digits(grid: Grid) -> str:
    return "\n".join(row.translate(_DIGIT_TABLE).decode() for row in _rows(grid))


def _encode_spaced(grid: Grid) -> str:
    return "\n".join(" ".join(row.translate(_DIGIT_TABLE).decode()) for row in _rows(grid))


def _encode_color_names(grid: Grid) -> str:
    return "\n".join(" ".join(COLOR_NAMES[c] for c in row) for row in _rows(grid))


def _lines(text: str, encoding: str) -> list[str]:
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or not lines[0]:
        raise GridDecodeError([f"{encoding}: no grid in the text (it is empty)"])
    for number, line in enumerate(lines):
        if not line:
            raise GridDecodeError([f"{encoding}: line {number + 1} is blank inside the grid"])
    return lines


def _grid(rows: list[list[int]], encoding: str) -> Grid:
    try:
        return Grid(rows, place=encoding)
    except InvalidTaskError as exc:
        raise GridDecodeError(exc.problems) from None


def _decode_json_rows(text: str) -> Grid:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GridDecodeError(
            [f"json-rows: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"]
        ) from None
    return _grid(rows, "json-rows")


def _decode_digits(text: str) -> Grid:
    rows = []
    for number, line in enumerate(_lines(text, "digits")):
        if not line.isdigit() or not line.isascii():
            raise GridDecodeError([f"digits: line {number + 1} ({line[:40]!r}) is not only digits 0-9"])
        rows.append([int(ch) for ch in line])
    return _grid(rows, "digits")


def _decode_spaced(text: str) -> Grid:
    rows = []
    for number, line in enumerate(_lines(text, "spaced")):
        cells = line.split()
        if not all(len(cell) == 1 and cell in _DIGITS for cell in cells):
            raise GridDecodeError(
                [f"spaced: line {number + 1} ({line[:40]!r}) is not digits 0-9 split by spaces"]
            )
        rows.append([int(cell) for cell in cells])
    return _grid(rows, "spaced")


def _decode_color_names(text: str) -> Grid:
    rows = []
    for number, line in enumerate(_lines(text, "color-names")):
        try:
            rows.append([_NAME_TO_COLOUR[word] for word in line.lower().split()])
        except KeyError as exc:
            raise GridDecodeError(
                [f"color-names: line {number + 1} has {exc.args[0]!r}, not one of {' '.join(COLOR_NAMES)}"]
            ) from None
    return _grid(rows, "color-names")


ENCODINGS: Mapping[str, Encoding] = MappingProxyType(
    {
        encoding.name: encoding
        for encoding in (
            Encoding(
                "json-rows", 1, "JSON list of rows, one row per line", _encode_json_rows, _decode_json_rows
            ),
            Encoding("digits", 1, "one digit per cell, one row per line", _encode_digits, _decode_digits),
            Encoding(
                "spaced", 1, "digits separated by spaces, one row per line", _encode_spaced, _decode_spaced
            ),
            Encoding(
                "color-names", 1, "colour names separated by spaces", _encode_color_names, _decode_color_names
            ),
        )
    }
)
"""Every encoding by name (read-only)."""


def get_encoding(encoding: str | Encoding) -> Encoding:
    """The encoding called ``encoding``; raises :class:`UsageError` listing the known names."""
    if isinstance(encoding, Encoding):
        return encoding
    try:
        return ENCODINGS[encoding]
    except KeyError:
        raise UsageError(
            f"unknown grid encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}"
        ) from None


def encode_grid(grid: Grid, encoding: str | Encoding = DEFAULT_ENCODING) -> str:
    """``grid`` as text in ``encoding`` (a name in :data:`ENCODINGS`)."""
    return get_encoding(encoding).encode(grid)


def decode_grid(text: str, encoding: str | Encoding = DEFAULT_ENCODING) -> Grid:
    """The grid that ``text`` encodes; raises :class:`GridDecodeError` when it is not one."""
    return get_encoding(encoding).decode(text)


def _block(title: str, grid: Grid, encoding: Encoding) -> str:
    return f"{title} ({grid.height}x{grid.width}):\n{encoding.encode(grid)}"


def encode_task(
    task: Task, encoding: str | Encoding = DEFAULT_ENCODING, *, include_test_outputs: bool = False
) -> str:
    """The task as prompt text: ``Example N`` blocks (input and output), then ``Test N`` blocks.

    Sizes are given as ``HEIGHTxWIDTH`` (rows x columns). Test outputs appear only with
    ``include_test_outputs=True``.
    """
    chosen = get_encoding(encoding)
    blocks = []
    for number, pair in enumerate(task.train, start=1):
        parts = [f"Example {number}", _block("Input", pair.input, chosen)]
        if pair.output is not None:
            parts.append(_block("Output", pair.output, chosen))
        blocks.append("\n".join(parts))
    for number, pair in enumerate(task.test, start=1):
        parts = [f"Test {number}", _block("Input", pair.input, chosen)]
        if include_test_outputs and pair.output is not None:
            parts.append(_block("Output", pair.output, chosen))
        blocks.append("\n".join(parts))
    return "\n\n".join(blocks) + "\n"
