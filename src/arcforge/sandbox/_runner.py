"""The in-process runner: what a confined program child executes (stdlib and numpy only).

It compiles the program, finds its solver (``solve``, ``solve_task`` or ``transform``), calls it on a
fresh list-of-lists copy of each input grid and writes one JSON line per grid to the result pipe as
soon as that grid is done, so a program killed on grid 3 still reports grids 1 and 2. An output grid
travels as its height, width and a string of digits; everything else is a status and a short text.

Nothing here is trusted by the parent: the program shares this process and may rewrite any of it.
The parent re-validates every line, and never sends the program an expected output, so a program
that fakes its own results can only ever report a grid it produced itself.
"""

from __future__ import annotations

import builtins
import json
import linecache
import os
import sys
import traceback
from typing import Any

try:
    import numpy as np
except ImportError:  # pragma: no cover - the fork server imports numpy first
    np = None  # type: ignore[assignment]

SOLVER_NAMES = ("solve", "solve_task", "transform")
FILENAME = "<solver>"
MAX_TEXT = 4000
_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep
MAX_CAPTURE = 16000
_DIGITS = bytes.maketrans(bytes(range(10)), b"0123456789")
_COLOURS = bytes(range(10))


class CappedText:
    """A stand-in for ``sys.stdout``/``sys.stderr`` that keeps the first characters and drops the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < self.cap:
            piece = str(text)[: self.cap - self.size]
            self.parts.append(piece)
            self.size += len(piece)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts, self.size = [], 0
        return text


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... ({len(text) - limit} characters omitted) ...\n{text[-half:]}"


def program_traceback(exc: BaseException, code: str) -> str:
    """The traceback lines from the program's own frames onward, then the exception line."""
    try:
        linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
        frames = traceback.extract_tb(exc.__traceback__)
        start = next((i for i, frame in enumerate(frames) if frame.filename == FILENAME), len(frames))
        lines = ["Traceback (most recent call last):\n"] if start < len(frames) else []
        own = [frame for frame in frames[start:] if not frame.filename.startswith(_HERE)]
        lines += traceback.format_list(own)
        lines += traceback.format_exception_only(type(exc), exc)
        return _clip("".join(lines).rstrip())
    except Exception:  # a hostile __str__ or a broken frame: fall back to the type name
        return f"{type(exc).__name__} (its message could not be shown)"


def to_cells(value: object) -> tuple[int, int, bytes] | str:
    """``(height, width, cells)`` for a grid-like output, or the reason it is not a grid."""
    if np is not None and isinstance(value, np.ndarray):
        return _array_cells(value)
    if not isinstance(value, (list, tuple)):
        return f"not a grid: the solver returned {type(value).__name__}, expected a list of rows"
    if not value:
        return "not a grid: the solver returned no rows"
    if len(value) > 30:
        return f"larger than 30x30: {len(value)} rows"
    fast = _list_cells(value)
    if fast is not None:
        return fast
    rows: list[bytes] = []
    width = None
    for r, row in enumerate(value):
        if np is not None and isinstance(row, np.ndarray):
            row = row.tolist()
        if not isinstance(row, (list, tuple)):
            return f"not a grid: row {r} is {type(row).__name__}, expected a list of cells"
        if width is None:
            width = len(row)
        elif len(row) != width:
            return f"not rectangular: row {r} has {len(row)} cells, row 0 has {width}"
        cells = bytearray()
        for c, cell in enumerate(row):
            number = _cell_value(cell)
            if number is None:
                return f"a value outside 0-9: row {r} column {c} is {_clip(repr(cell), 60)}"
            cells.append(number)
        rows.append(bytes(cells))
    if not width:
        return "not a grid: the rows are empty"
    if width > 30:
        return f"larger than 30x30: {width} columns"
    return len(rows), width, b"".join(rows)


def _list_cells(value: list[Any] | tuple[Any, ...]) -> tuple[int, int, bytes] | None:
    """The common case at C speed: rows that are lists of ints 0-9 of one width; else None."""
    try:
        rows = [bytes(row) for row in value if type(row) is list or type(row) is tuple]
    except (TypeError, ValueError):
        return None
    width = len(rows[0]) if len(rows) == len(value) else 0
    if not 0 < width <= 30 or any(len(row) != width for row in rows):
        return None
    cells = b"".join(rows)
    if cells.translate(None, _COLOURS):
        return None
    return len(rows), width, cells


def _cell_value(cell: object) -> int | None:
    number: int
    if isinstance(cell, float):
        if not cell.is_integer():
            return None
        number = int(cell)
    elif isinstance(cell, int):
        number = cell
    else:
        index = getattr(type(cell), "__index__", None)  # numpy integers
        if index is None:
            return None
        number = int(index(cell))
    return number if 0 <= number <= 9 else None


def _array_cells(array: Any) -> tuple[int, int, bytes] | str:
    if array.ndim != 2:
        return f"not a grid: a {array.ndim}-D array, expected 2-D"
    height, width = (int(n) for n in array.shape)
    if height == 0 or width == 0:
        return f"not a grid: an empty {height}x{width} array"
    if height > 30 or width > 30:
        return f"larger than 30x30: {height}x{width}"
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            return "a value outside 0-9: the array holds non-integer numbers"
    elif array.dtype.kind not in "iub":
        return f"not a grid: an array of {array.dtype}, expected integers 0-9"
    low, high = array.min(), array.max()
    if low < 0 or high > 9:
        bad = low if low < 0 else high
        return f"a value outside 0-9: the array holds {bad}"
    return height, width, array.astype(np.uint8).tobytes()


def _result(index: int, value: object) -> dict[str, object] | str:
    """The line for one grid's output; a grid's line is formatted directly (the common case, kept cheap)."""
    cells = to_cells(value)
    if isinstance(cells, str):
        return {"i": index, "s": "invalid_output", "e": cells}
    height, width, data = cells
    return f'{{"i":{index},"s":"ok","h":{height},"w":{width},"c":"{data.translate(_DIGITS).decode("ascii")}"'


def _failure(index: int, exc: BaseException, code: str) -> dict[str, object]:
    if isinstance(exc, MemoryError):
        return {"i": index, "s": "memory", "e": "memory limit exceeded (MemoryError)"}
    if isinstance(exc, SystemExit):
        return {
            "i": index,
            "s": "exception",
            "e": f"the program called sys.exit({_clip(repr(exc.code), 200)})",
        }
    return {"i": index, "s": "exception", "e": program_traceback(exc, code)}


def decode_request(body: bytes) -> tuple[str, list[list[bytes]]]:
    """The program and its grids from the request body the parent packed.

    Layout: a 4-byte big-endian length, the program as UTF-8, then per grid one byte of height, one
    of width and ``height * width`` cell bytes. Rows come back as ``bytes``; :func:`run` gives the
    program lists of ints.
    """
    size = int.from_bytes(body[:4], "big")
    code = body[4 : 4 + size].decode("utf-8", "surrogatepass")
    grids, pos = [], 4 + size
    while pos < len(body):
        height, width = body[pos], body[pos + 1]
        cells = body[pos + 2 : pos + 2 + height * width]
        grids.append([cells[r * width : (r + 1) * width] for r in range(height)])
        pos += 2 + height * width
    return code, grids


def run(code: str, grids: list[list[bytes]] | list[list[list[int]]] | list[Any], out_fd: int) -> None:
    """Run ``code`` on every grid, writing one JSON line per grid to ``out_fd``."""
    write = os.write
    dumps = json.dumps
    capture = CappedText(MAX_CAPTURE)
    sys.stdout = sys.stderr = capture
    sys.stdin = None

    def emit(result: dict[str, object] | str) -> None:
        text = capture.take()
        if isinstance(result, str):  # a formatted grid line, still open for the captured output
            line = result + (f',"o":{dumps(text)}}}' if text else "}")
        else:
            if text:
                result["o"] = text
            line = dumps(result)
        data = (line + "\n").encode()
        while data:
            data = data[write(out_fd, data) :]

    def emit_all(status: str, error: str) -> None:
        for index in range(len(grids)):
            emit({"i": index, "s": status, "e": error})

    try:
        compiled = compile(code, FILENAME, "exec")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"line {line}: " if line else ""
        emit_all("syntax_error", _clip(f"{where}{type(exc).__name__}: {getattr(exc, 'msg', exc)}"))
        return
    namespace: dict[str, object] = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compiled, namespace)
    except BaseException as exc:
        result = _failure(0, exc, code)
        emit_all(str(result["s"]), "while defining the program: " + str(result["e"]))
        return
    solver: Any = next((namespace[name] for name in SOLVER_NAMES if callable(namespace.get(name))), None)
    if solver is None:
        emit_all(
            "no_solver", "the program defines no function solve(grid), solve_task(grid) or transform(grid)"
        )
        return
    for index, grid in enumerate(grids):
        try:
            value = solver([list(row) for row in grid])
        except BaseException as exc:
            emit(_failure(index, exc, code))
            continue
        try:
            emit(_result(index, value))
        except BaseException as exc:
            emit(_failure(index, exc, code))
