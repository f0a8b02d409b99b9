"""The transform values: the base class, the four kinds, their composite and :func:`compose`.

:mod:`arcforge.task.transforms` is the public face (names, parsing, the module overview); this module
holds the values. A :class:`Symmetry` is stored as a 2x2 signed permutation matrix acting on (row,
column) offsets from the grid's centre: composing two symmetries is a matrix product, the inverse is
the transposed matrix, and applying one is a handful of ``bytes`` slices (the rows, or the strided
columns, each maybe reversed, in order or reversed). A :class:`ColorPermutation` is one
``bytes.translate``. Pair moves (:class:`TrainOrder`, :class:`SwapPair`) rearrange pairs and leave every
grid as it is. :func:`compose` keeps a :class:`Composite` canonical: grid transforms commute with each
other's kind and with pair moves, so any chain equals one symmetry, then one colour permutation, then
the pair moves in their order, with identities dropped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

from arcforge.errors import UsageError
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Provenance, Task

__all__ = [
    "D8",
    "IDENTITY",
    "ColorPermutation",
    "Composite",
    "SwapPair",
    "Symmetry",
    "TrainOrder",
    "Transform",
    "TransformError",
    "compose",
]

_Matrix = tuple[int, int, int, int]  # (a, b, c, d): row' = a*row + b*col, col' = c*row + d*col (centred)

_SYMMETRY_MATRICES: dict[str, _Matrix] = {
    "identity": (1, 0, 0, 1),
    "rot90": (0, 1, -1, 0),
    "rot180": (-1, 0, 0, -1),
    "rot270": (0, -1, 1, 0),
    "flip_lr": (1, 0, 0, -1),
    "flip_ud": (-1, 0, 0, 1),
    "transpose": (0, 1, 1, 0),
    "anti_transpose": (0, -1, -1, 0),
}
_SYMMETRY_NAMES = {matrix: name for name, matrix in _SYMMETRY_MATRICES.items()}
_ALL_COLOURS = "0123456789"


class TransformError(UsageError):
    """A transform name that does not parse, or a transform that cannot apply to a given task."""


class Transform(ABC):
    """A named, invertible change to grids and tasks."""

    __slots__ = ()

    @property
    @abstractmethod
    def name(self) -> str:
        """The short text name that :func:`parse_transform` reads back."""

    @property
    def changes_grids(self) -> bool:
        """Whether :meth:`apply_grid` can change a grid (False for pure pair moves)."""
        return True

    @abstractmethod
    def apply_grid(self, grid: Grid) -> Grid:
        """The grid transformed (pair moves return it unchanged)."""

    @abstractmethod
    def inverse(self) -> Transform:
        """The transform that undoes this one: ``t.inverse().apply_task(t.apply_task(x)) == x``."""

    def _apply_pairs(self, train: tuple[Pair, ...], test: tuple[Pair, ...]) -> tuple[tuple[Pair, ...], ...]:
        grid = self.apply_grid
        return (
            tuple(Pair(grid(p.input), None if p.output is None else grid(p.output)) for p in train),
            tuple(Pair(grid(p.input), None if p.output is None else grid(p.output)) for p in test),
        )

    def apply_task(self, task: Task, *, task_id: str | None = None, version: int | None = None) -> Task:
        """A new task with every pair transformed, recording provenance.

        Keeps ``task.id``/``task.version``/``task.source`` unless ``task_id``/``version`` are given; the
        result has no signers. Provenance names ``task`` as the parent (see :mod:`arcforge.task.transforms`
        for a derived task that has no version of its own yet). Raises :class:`TransformError` when the
        transform cannot apply (a pair index out of range, a swap with a test pair that has no output).
        """
        from arcforge.task.transforms import parse_transform  # the names live there; imported on use

        train, test = self._apply_pairs(task.train, task.test)
        provenance = Provenance(task.id, task.version, self.name)
        earlier = task.provenance
        if earlier is not None and (earlier.parent_id, earlier.parent_version) == (task.id, task.version):
            try:
                chained = compose(parse_transform(earlier.transform), self)
            except TransformError:
                pass
            else:
                provenance = Provenance(earlier.parent_id, earlier.parent_version, chained.name)
        return Task(
            id=task.id if task_id is None else task_id,
            train=train,
            test=test,
            version=task.version if version is None else version,
            signers=(),
            source=task.source,
            provenance=provenance,
        )

    def then(self, other: Transform) -> Transform:
        """This transform followed by ``other``."""
        return compose(self, other)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class _PairMove(Transform):
    """A transform that rearranges pairs and leaves every grid as it is (it acts in :meth:`_apply_pairs`)."""

    __slots__ = ()

    @property
    def changes_grids(self) -> bool:
        return False

    def apply_grid(self, grid: Grid) -> Grid:
        return grid


@dataclass(frozen=True, slots=True, repr=False)
class Symmetry(Transform):
    """One of the 8 symmetries of the square, by name (see :data:`D8`)."""

    symmetry: str

    def __post_init__(self) -> None:
        if self.symmetry not in _SYMMETRY_MATRICES:
            raise TransformError(
                f"unknown symmetry {self.symmetry!r}; known: {', '.join(_SYMMETRY_MATRICES)}"
            )

    @classmethod
    def _from_matrix(cls, matrix: _Matrix) -> Symmetry:
        return cls(_SYMMETRY_NAMES[matrix])

    @property
    def name(self) -> str:
        return self.symmetry

    @property
    def matrix(self) -> _Matrix:
        return _SYMMETRY_MATRICES[self.symmetry]

    @property
    def changes_grids(self) -> bool:
        return self.symmetry != "identity"

    @property
    def swaps_axes(self) -> bool:
        """Whether the result has the grid's width as its height."""
        return self.matrix[0] == 0

    def apply_grid(self, grid: Grid) -> Grid:
        a, b, c, d = self.matrix
        if self.symmetry == "identity":
            return grid
        cells, h, w = grid.cells, grid.height, grid.width
        if a:  # row' = a*row, col' = d*col: the rows, maybe reversed each and in order
            lines = [cells[i : i + w] for i in range(0, h * w, w)]
            reverse_lines, reverse_order = d < 0, a < 0
            height, width = h, w
        else:  # row' = b*col, col' = c*row: the columns (read top to bottom) become the rows
            lines = [cells[j::w] for j in range(w)]
            reverse_lines, reverse_order = c < 0, b < 0
            height, width = w, h
        if reverse_lines:
            lines = [line[::-1] for line in lines]
        if reverse_order:
            lines.reverse()
        return Grid.from_bytes(height, width, b"".join(lines))

    def inverse(self) -> Symmetry:
        a, b, c, d = self.matrix
        return Symmetry._from_matrix((a, c, b, d))

    def followed_by(self, other: Symmetry) -> Symmetry:
        """The single symmetry equal to this one and then ``other``."""
        a1, b1, c1, d1 = self.matrix
        a2, b2, c2, d2 = other.matrix
        return Symmetry._from_matrix(
            (a2 * a1 + b2 * c1, a2 * b1 + b2 * d1, c2 * a1 + d2 * c1, c2 * b1 + d2 * d1)
        )


@dataclass(frozen=True, slots=True, repr=False)
class ColorPermutation(Transform):
    """A permutation of the ten colours: ``mapping[c]`` is the new colour of colour ``c``."""

    mapping: tuple[int, ...]

    def __post_init__(self) -> None:
        if sorted(self.mapping) != list(range(10)):
            raise TransformError(f"colour mapping {self.mapping!r} is not a permutation of the colours 0-9")

    @property
    def name(self) -> str:
        return f"colors:{_ALL_COLOURS}->{''.join(map(str, self.mapping))}"

    @property
    def changes_grids(self) -> bool:
        return self.mapping != tuple(range(10))

    def apply_grid(self, grid: Grid) -> Grid:
        return Grid.from_bytes(grid.height, grid.width, grid.cells.translate(self._table()))

    def _table(self) -> bytes:
        return bytes(self.mapping) + bytes(range(10, 256))

    def inverse(self) -> ColorPermutation:
        return ColorPermutation(_inverse_permutation(self.mapping))

    def followed_by(self, other: ColorPermutation) -> ColorPermutation:
        """The single permutation equal to this one and then ``other``."""
        return ColorPermutation(tuple(other.mapping[new] for new in self.mapping))


@dataclass(frozen=True, slots=True, repr=False)
class TrainOrder(_PairMove):
    """Reorders the train pairs: new train pair ``i`` is old train pair ``order[i]``."""

    order: tuple[int, ...]

    def __post_init__(self) -> None:
        if sorted(self.order) != list(range(len(self.order))) or not self.order:
            raise TransformError(f"order {list(self.order)} must list each of 0..{len(self.order) - 1} once")

    @property
    def name(self) -> str:
        return "order:" + ",".join(map(str, self.order))

    def _apply_pairs(self, train: tuple[Pair, ...], test: tuple[Pair, ...]) -> tuple[tuple[Pair, ...], ...]:
        if len(train) != len(self.order):
            raise TransformError(
                f"{self.name} reorders {len(self.order)} train pairs but the task has {len(train)}; "
                f"give a permutation of 0..{len(train) - 1}"
            )
        return tuple(train[i] for i in self.order), test

    def inverse(self) -> TrainOrder:
        return TrainOrder(_inverse_permutation(self.order))


@dataclass(frozen=True, slots=True, repr=False)
class SwapPair(_PairMove):
    """Exchanges train pair ``train_index`` with test pair ``test_index`` (which must have an output)."""

    train_index: int
    test_index: int

    def __post_init__(self) -> None:
        if self.train_index < 0 or self.test_index < 0:
            raise TransformError(f"{self.name}: pair indices must be 0 or more")

    @property
    def name(self) -> str:
        return f"swap:{self.train_index},{self.test_index}"

    def _apply_pairs(self, train: tuple[Pair, ...], test: tuple[Pair, ...]) -> tuple[tuple[Pair, ...], ...]:
        i, j = self.train_index, self.test_index
        if i >= len(train) or j >= len(test):
            raise TransformError(
                f"{self.name}: the task has train pairs 0..{len(train) - 1} and test pairs 0..{len(test) - 1}"
            )
        if test[j].output is None:
            raise TransformError(
                f"{self.name}: test pair {j} has no output (hidden or unknown), so it cannot become a train "
                "pair; use a dataset with test outputs or another transform"
            )
        new_train, new_test = list(train), list(test)
        new_train[i], new_test[j] = test[j], train[i]
        return tuple(new_train), tuple(new_test)

    def inverse(self) -> SwapPair:
        return self


@dataclass(frozen=True, slots=True, repr=False)
class Composite(Transform):
    """Transforms applied left to right; build with :func:`compose` to get the canonical form."""

    parts: tuple[Transform, ...]

    @property
    def name(self) -> str:
        return "+".join(part.name for part in self.parts) if self.parts else "identity"

    @property
    def changes_grids(self) -> bool:
        return any(part.changes_grids for part in self.parts)

    def apply_grid(self, grid: Grid) -> Grid:
        for part in self.parts:
            grid = part.apply_grid(grid)
        return grid

    def _apply_pairs(self, train: tuple[Pair, ...], test: tuple[Pair, ...]) -> tuple[tuple[Pair, ...], ...]:
        for part in self.parts:
            train, test = part._apply_pairs(train, test)
        return train, test

    def inverse(self) -> Transform:
        return compose(*(part.inverse() for part in reversed(self.parts)))


IDENTITY = Symmetry("identity")
D8: tuple[Symmetry, ...] = tuple(Symmetry(name) for name in _SYMMETRY_MATRICES)
"""The 8 symmetries of the square, identity first."""


def compose(*transforms: Transform) -> Transform:
    """``transforms`` applied left to right, in canonical form (see the module docstring).

    Returns a single :class:`Symmetry`, :class:`ColorPermutation` or pair move when that is all that is
    left, :data:`IDENTITY` when nothing is, and a :class:`Composite` otherwise.
    """
    symmetry = IDENTITY
    colours = ColorPermutation(tuple(range(10)))
    moves: list[Transform] = []
    for part in _flatten(transforms):
        if isinstance(part, Symmetry):
            symmetry = symmetry.followed_by(part)
        elif isinstance(part, ColorPermutation):
            colours = colours.followed_by(part)
        else:
            moves.append(part)
    parts: list[Transform] = [t for t in (symmetry, colours) if t.changes_grids] + moves
    if not parts:
        return IDENTITY
    return parts[0] if len(parts) == 1 else Composite(tuple(parts))


def _inverse_permutation(permutation: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation that undoes ``permutation`` (``inverse[permutation[i]] == i``)."""
    inverse = [0] * len(permutation)
    for index, value in enumerate(permutation):
        inverse[value] = index
    return tuple(inverse)


def _flatten(transforms: Iterable[Transform]) -> Iterable[Transform]:
    for transform in transforms:
        if isinstance(transform, Composite):
            yield from _flatten(transform.parts)
        else:
            yield transform
