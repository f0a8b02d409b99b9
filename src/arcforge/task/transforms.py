"""Invertible, composable transforms of grids and tasks, each with a short text name.

Four kinds of transform exist, each a frozen value with a ``name`` that :func:`parse_transform` reads
back:

* :class:`Symmetry`: the 8 symmetries of the square (:data:`D8`): ``identity``, ``rot90``, ``rot180``,
  ``rot270`` (rotations are **clockwise**, as a person turns a picture; ``rot90`` equals
  ``numpy.rot90(a, k=-1)``), ``flip_lr`` (mirror left-right), ``flip_ud`` (mirror top-bottom),
  ``transpose`` (mirror in the main diagonal) and ``anti_transpose`` (mirror in the other diagonal).
* :class:`ColorPermutation`: ``colors:0123456789->0987654321`` sends colour ``0`` to ``0``, ``1`` to
  ``9`` and so on; shorter spellings such as ``colors:12->21`` (swap 1 and 2) are accepted and the
  canonical name always lists all ten colours.
* :class:`TrainOrder`: ``order:2,0,1`` makes the new train pair ``i`` the old train pair ``order[i]``.
* :class:`SwapPair`: ``swap:TRAIN,TEST`` exchanges a train pair with a test pair; allowed only when that
  test pair has an output, since a train pair must have one.

:class:`Composite` chains transforms, left to right, spelled with ``+`` (``rot90+colors:...``), in a
canonical form (one symmetry, one colour permutation, then the pair moves; see
:mod:`arcforge.task.transform_types`), so ``rot90+rot90`` is named ``rot180``. Pair moves leave each
grid unchanged: their :meth:`~Transform.apply_grid` is the identity and they act through
:meth:`~Transform.apply_task` only.

A transformed task keeps the parent's id, version and source (pass ``task_id=``/``version=`` to change
them), has no signers, and records :class:`~arcforge.task.model.Provenance`: the parent's id and version
and the transform's name. One case is different: a derived task that still carries its parent's id and
version (nobody has given it a version of its own yet) cannot serve as a parent, because its id and
version name the task it came from; transforming it again records that original parent and the composed
transform instead, so the provenance always names a real task and one transform that rebuilds this one.

The values themselves live in :mod:`arcforge.task.transform_types`; import them from here.
"""

from __future__ import annotations

import random

from arcforge.task.transform_types import (
    D8,
    IDENTITY,
    ColorPermutation,
    Composite,
    SwapPair,
    Symmetry,
    TrainOrder,
    Transform,
    TransformError,
    compose,
)

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
    "parse_transform",
    "random_color_permutation",
]


def parse_transform(name: str) -> Transform:
    """The transform named ``name``: a symmetry, ``colors:SRC->DST``, ``order:I,J,...``,
    ``swap:TRAIN,TEST``, or several joined with ``+`` (applied left to right).

    Raises :class:`TransformError` with the accepted spellings when ``name`` does not parse.
    """
    parts = [part.strip() for part in name.split("+")]
    if not name.strip() or not all(parts):
        raise TransformError(f"empty transform name {name!r}; {_SPELLINGS}")
    transforms = [_parse_one(part) for part in parts]
    return transforms[0] if len(transforms) == 1 else compose(*transforms)


_SPELLINGS = (
    f"use one of {', '.join(s.name for s in D8)}, colors:0123456789->0987654321, order:2,0,1, "
    "swap:TRAIN,TEST, or several joined with '+'"
)


def _parse_one(text: str) -> Transform:
    if text in (s.name for s in D8):
        return Symmetry(text)
    kind, _, argument = text.partition(":")
    kind = kind.strip().lower()
    if kind in ("colors", "colours"):
        return _parse_colours(text, argument)
    if kind in ("order", "swap"):
        try:
            numbers = tuple(int(n) for n in argument.split(","))
        except ValueError:
            raise TransformError(f"{text!r}: expected comma-separated pair indices; {_SPELLINGS}") from None
        if kind == "order":
            return TrainOrder(numbers)
        if len(numbers) != 2:
            raise TransformError(f"{text!r}: swap takes two indices, swap:TRAIN_INDEX,TEST_INDEX")
        return SwapPair(*numbers)
    raise TransformError(f"unknown transform {text!r}; {_SPELLINGS}")


def _parse_colours(text: str, argument: str) -> ColorPermutation:
    source, arrow, target = argument.replace(" ", "").partition("->")
    if (
        not arrow
        or len(source) != len(target)
        or not (source + target).isdigit()
        or len(set(source)) != len(source)
        or set(source) != set(target)
    ):
        raise TransformError(
            f"{text!r}: expected colors:SOURCE->TARGET with the same distinct digits on both sides, "
            "e.g. colors:0123456789->0987654321 or colors:12->21"
        )
    mapping = list(range(10))
    for old, new in zip(source, target, strict=True):
        mapping[int(old)] = int(new)
    return ColorPermutation(tuple(mapping))


def random_color_permutation(seed: int | str, *, keep_zero: bool = True) -> ColorPermutation:
    """A colour permutation drawn from ``random.Random(seed)``; ``keep_zero`` leaves the background (0) alone.

    The same seed always gives the same permutation (on every platform and Python version that keeps
    :class:`random.Random`'s documented reproducibility for ``shuffle``).
    """
    rng = random.Random(seed)
    movable = list(range(1, 10) if keep_zero else range(10))
    rng.shuffle(movable)
    mapping = [0, *movable] if keep_zero else movable
    return ColorPermutation(tuple(mapping))
