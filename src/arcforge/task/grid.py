"""The ARC grid: an immutable rectangle of 1-30 rows and columns holding the colours 0-9.

A :class:`Grid` stores its cells as one ``bytes`` object (row-major), so equality and hashing are a
single comparison and a dataset of a thousand tasks loads in a fraction of a second: validating a row
is one ``bytes(row)`` call (which rejects non-integers and values outside 0-255 in C) and one
``translate`` that finds colours above 9. Only when that fast path fails does
:func:`grid_problems` walk the value cell by cell to name every problem.

numpy is imported lazily, so importing the domain layer stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from arcforge.errors import InvalidTaskError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MAX_SIZE", "Grid", "grid_problems"]

MAX_SIZE = 30
_COLOURS = bytes(range(10))


class Grid:
    """An immutable ARC grid. Build with :meth:`from_rows` or :meth:`from_numpy`."""

    __slots__ = ("_cells", "_height", "_width")

    _height: int
    _width: int
    _cells: bytes

    def __init__(self, rows: Sequence[Sequence[int]] | Grid, *, place: str = "grid") -> None:
        if isinstance(rows, Grid):
            height, width, cells = rows._height, rows._width, rows._cells
        else:
            height, width, cells = _parse_rows(rows, place)
        object.__setattr__(self, "_height", height)
        object.__setattr__(self, "_width", width)
        object.__setattr__(self, "_cells", cells)

    # construction -----------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Any, *, place: str = "grid") -> Grid:
        """A grid from a list of rows; raises :class:`InvalidTaskError` naming ``place`` and the problem."""
        return cls(rows, place=place)

    @classmethod
    def from_bytes(cls, height: int, width: int, cells: bytes) -> Grid:
        """A grid from row-major cell bytes (trusted: validated once, no copy of the rows)."""
        if not (1 <= height <= MAX_SIZE and 1 <= width <= MAX_SIZE) or len(cells) != height * width:
            raise InvalidTaskError([f"grid: size {height}x{width} with {len(cells)} cells is not a grid"])
        if cells.translate(None, _COLOURS):
            raise InvalidTaskError(["grid: a value outside 0-9"])
        grid = cls.__new__(cls)
        object.__setattr__(grid, "_height", height)
        object.__setattr__(grid, "_width", width)
        object.__setattr__(grid, "_cells", bytes(cells))
        return grid

    @classmethod
    def from_numpy(cls, array: np.ndarray, *, place: str = "grid") -> Grid:
        """A grid from a 2-D integer numpy array."""
        if getattr(array, "ndim", None) != 2:
            raise InvalidTaskError([f"{place}: not a 2-D array"])
        if array.dtype.kind not in "iub":
            raise InvalidTaskError([f"{place}: array of {array.dtype}, expected integers 0-9"])
        if array.size and (array.min() < 0 or array.max() > 9):
            raise InvalidTaskError([f"{place}: a value outside 0-9"])
        height, width = (int(n) for n in array.shape)
        if not (1 <= height <= MAX_SIZE and 1 <= width <= MAX_SIZE):
            raise InvalidTaskError([f"{place}: size {height}x{width} outside 1-30"])
        return cls.from_bytes(height, width, array.astype("uint8").tobytes())

    @classmethod
    def filled(cls, height: int, width: int, colour: int = 0) -> Grid:
        """A grid of one colour."""
        return cls.from_bytes(height, width, bytes([colour]) * (height * width))

    # views ------------------------------------------------------------------------------------
    @property
    def height(self) -> int:
        return self._height

    @property
    def width(self) -> int:
        return self._width

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns), as numpy says it."""
        return (self._height, self._width)

    @property
    def cells(self) -> bytes:
        """Row-major cell values, one byte each."""
        return self._cells

    @property
    def rows(self) -> tuple[tuple[int, ...], ...]:
        w = self._width
        return tuple(tuple(self._cells[i : i + w]) for i in range(0, len(self._cells), w))

    def to_list(self) -> list[list[int]]:
        """The grid as a JSON-ready list of rows."""
        w = self._width
        return [list(self._cells[i : i + w]) for i in range(0, len(self._cells), w)]

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        """A fresh (writable) numpy array of the cells, int64 unless ``dtype`` says otherwise."""
        import numpy as np

        array = np.frombuffer(self._cells, dtype=np.uint8).reshape(self._height, self._width)
        return array.astype(dtype or np.int64)

    def __getitem__(self, index: tuple[int, int]) -> int:
        row, column = index
        if not (0 <= row < self._height and 0 <= column < self._width):
            raise IndexError(f"cell {index} outside a {self._height}x{self._width} grid")
        return self._cells[row * self._width + column]

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return self._height

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return self._width == other._width and self._cells == other._cells

    def __hash__(self) -> int:
        return hash((self._width, self._cells))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Grid is immutable")

    def __repr__(self) -> str:
        return f"Grid({self.to_list()!r})"


def _parse_rows(rows: Any, place: str) -> tuple[int, int, bytes]:
    try:
        height = len(rows)
        if isinstance(rows, (str, bytes)) or not 1 <= height <= MAX_SIZE:
            raise ValueError
        width = len(rows[0])
        if not 1 <= width <= MAX_SIZE:
            raise ValueError
        parts = []
        for row in rows:
            if len(row) != width or isinstance(row, (str, bytes)):
                raise ValueError
            parts.append(bytes(row))
        cells = b"".join(parts)
        if cells.translate(None, _COLOURS):
            raise ValueError
    except (TypeError, ValueError, KeyError, IndexError):
        raise InvalidTaskError(grid_problems(rows, place) or [f"{place}: not a grid"]) from None
    return height, width, cells


def grid_problems(value: Any, place: str) -> list[str]:
    """Every problem that keeps ``value`` from being a grid, each as ``"PLACE: PROBLEM"``.

    An empty list means ``value`` is a valid grid. Problems are named by row and column
    (``train[2].output row 4: column 7 is 12, outside 0-9``) so a person can find them.
    """
    if not isinstance(value, (list, tuple)):
        return [f"{place}: expected a list of rows, found {type(value).__name__}"]
    if not value:
        return [f"{place}: has no rows (a grid has 1-30)"]
    problems: list[str] = []
    if len(value) > MAX_SIZE:
        problems.append(f"{place}: {len(value)} rows (at most {MAX_SIZE})")
    widths: dict[int, int] = {}
    for r, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            problems.append(f"{place} row {r}: expected a list of cells, found {type(row).__name__}")
            continue
        widths.setdefault(len(row), r)
        if not row:
            problems.append(f"{place} row {r}: is empty (a grid has 1-30 columns)")
        for c, cell in enumerate(row):
            if isinstance(cell, bool) or not isinstance(cell, int):
                problems.append(f"{place} row {r}: column {c} is {cell!r}, not an integer 0-9")
            elif not 0 <= cell <= 9:
                problems.append(f"{place} row {r}: column {c} is {cell}, outside 0-9")
    if len(widths) > 1:
        first = next(iter(widths))
        for width, r in widths.items():
            if width != first:
                problems.append(f"{place} row {r}: has {width} columns, row 0 has {first} (ragged grid)")
    for width, r in widths.items():
        if width > MAX_SIZE:
            problems.append(f"{place} row {r}: {width} columns (at most {MAX_SIZE})")
    return problems
