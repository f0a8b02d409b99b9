"""Augmented programs: the written-out transforms equal arcforge.task.transforms on every grid."""

from __future__ import annotations

import random

import pytest

from arcforge.errors import UsageError
from arcforge.pipelines.augment import augmentations, compose_program, transform_source
from arcforge.task.grid import Grid
from arcforge.task.transforms import D8, compose, parse_transform, random_color_permutation

TRANSFORMS = [
    *D8,
    random_color_permutation(7),
    compose(parse_transform("rot90"), random_color_permutation(3)),
]


def _run(source: str, name: str, grid: Grid) -> Grid:
    namespace: dict = {}
    exec(compile(source, "<augment>", "exec"), namespace)  # our own generated code, not a model's
    return Grid(namespace[name](grid.to_list()))


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.name)
def test_transform_source_matches_the_core_transform(transform) -> None:
    rng = random.Random(transform.name)
    for _ in range(20):
        height, width = rng.randint(1, 7), rng.randint(1, 7)
        grid = Grid([[rng.randint(0, 9) for _ in range(width)] for _ in range(height)])
        assert _run(transform_source(transform, "f"), "f", grid) == transform.apply_grid(grid)
        assert _run(transform_source(transform.inverse(), "g"), "g", transform.apply_grid(grid)) == grid


def test_composed_program_solves_the_transformed_pair() -> None:
    code = "def transform(grid):\n    return [row * 2 for row in grid]\n"
    grid = Grid([[1, 2, 3], [4, 5, 6]])
    for transform in TRANSFORMS:
        program = compose_program(code, "transform", transform)
        expected = transform.apply_grid(Grid([row * 2 for row in grid.to_list()]))
        assert _run(program, "solve", transform.apply_grid(grid)) == expected


def test_augmentations_reads_the_option() -> None:
    names = [t.name for t in augmentations("d8,colors", seed="k1")]
    assert len(names) == 8 and "identity" not in names and "rot90" in names
    assert names[-1].startswith("colors:0")  # the background stays black
    assert augmentations("colors", seed="k1")[0] == augmentations("colors", seed="k1")[0]
    assert [t.name for t in augmentations("rot90, rot90,identity", seed="x")] == ["rot90"]
    with pytest.raises(UsageError, match="grid transforms"):
        augmentations("order:1,0", seed="x")
    with pytest.raises(UsageError):
        augmentations("spin", seed="x")
