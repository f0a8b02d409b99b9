"""Augmenting a verified program through an invertible grid transform T.

If ``solve`` maps each input of a task to its output, then on the task transformed by T (every grid,
inputs and outputs, sent through T) the program ``T ∘ solve ∘ T⁻¹`` does the same: undo T on the input,
solve, redo T on the output. :func:`compose_program` writes that program as plain Python appended to
the original (T and T⁻¹ written out as list operations, since a sandboxed program receives lists and
imports nothing of arcforge); the exporter then runs it in the sandbox on the transformed task and
keeps it only when every pair passes.

Only grid transforms can be composed this way: the symmetries of the square and colour permutations
(and chains of them). :func:`augmentations` reads ``--augment`` (``d8``: the 7 symmetries other than
the identity; ``colors``: one colour permutation, drawn from the sample's key, that keeps the black
background; or any transform name such as ``rot90`` or ``colors:12->21``).

:func:`rewrite_explanation` (from :mod:`arcforge.pipelines.augment_text`) makes the sample's explanation
true of the transformed task, or returns None where no faithful rewrite exists; the exporter then writes
the program without the explanation and counts it in ``explanations_dropped``.
"""

from __future__ import annotations

import re

from arcforge.errors import UsageError
from arcforge.pipelines.augment_text import rewrite_explanation
from arcforge.task.transforms import (
    D8,
    ColorPermutation,
    Composite,
    Symmetry,
    Transform,
    parse_transform,
    random_color_permutation,
)

__all__ = ["augmentations", "compose_program", "rewrite_explanation", "transform_source"]

# how each symmetry rewrites a list of rows ``g`` (rotations clockwise, as arcforge.task.transforms)
_SYMMETRY_CODE = {
    "identity": "g",
    "rot90": "[list(r) for r in zip(*g[::-1])]",
    "rot180": "[r[::-1] for r in g[::-1]]",
    "rot270": "[list(r) for r in zip(*g)][::-1]",
    "flip_lr": "[r[::-1] for r in g]",
    "flip_ud": "g[::-1]",
    "transpose": "[list(r) for r in zip(*g)]",
    "anti_transpose": "[list(r) for r in zip(*g[::-1])][::-1]",
}


def augmentations(spec: str, *, seed: str) -> list[Transform]:
    """The transforms ``--augment`` names (comma-separated), each changing grids; ``seed`` draws colours."""
    transforms: list[Transform] = []
    for item in (part.strip() for part in re.split(r",\s*(?=[A-Za-z])", spec)):  # order:1,0 stays whole
        if not item:
            continue
        if item.lower() == "d8":
            transforms.extend(t for t in D8 if t.changes_grids)
        elif item.lower() == "colors":
            transforms.append(random_color_permutation(seed, keep_zero=True))
        else:
            transforms.append(parse_transform(item))
    for transform in transforms:
        _steps(transform)  # refuse pair moves early
    unique = {t.name: t for t in transforms if t.changes_grids}
    return list(unique.values())


def transform_source(transform: Transform, function: str) -> str:
    """Python source of ``def function(g)`` applying ``transform`` to a list of rows."""
    lines = [f"def {function}(g):", "    g = [[int(c) for c in r] for r in g]"]
    for kind, value in _steps(transform):
        if kind == "symmetry":
            lines.append(f"    g = {_SYMMETRY_CODE[str(value)]}")
        else:
            lines.append(f"    g = [[{value}[c] for c in r] for r in g]")
    lines.append("    return [list(r) for r in g]")
    return "\n".join(lines) + "\n"


def compose_program(code: str, entry: str, transform: Transform) -> str:
    """The program ``T ∘ entry ∘ T⁻¹`` for the task transformed by ``transform``, as one source text."""
    suffix = f"""

# --- arcforge augmentation: the program above, seen through {transform.name} ---
{transform_source(transform, "_arcforge_forward")}
{transform_source(transform.inverse(), "_arcforge_inverse")}
_arcforge_original_solver = {entry}


def _arcforge_as_rows(grid):
    if hasattr(grid, "tolist"):
        grid = grid.tolist()
    return [list(row) for row in grid]


def solve(grid):
    return _arcforge_forward(_arcforge_as_rows(_arcforge_original_solver(_arcforge_inverse(grid))))
"""
    return code.rstrip("\n") + "\n" + suffix


def _steps(transform: Transform) -> list[tuple[str, object]]:
    parts = transform.parts if isinstance(transform, Composite) else (transform,)
    steps: list[tuple[str, object]] = []
    for part in parts:
        if isinstance(part, Symmetry):
            steps.append(("symmetry", part.symmetry))
        elif isinstance(part, ColorPermutation):
            steps.append(("colors", list(part.mapping)))
        else:
            raise UsageError(
                f"--augment takes grid transforms (d8, colors, rot90, flip_lr, colors:...), not {part.name!r}"
            )
    return steps
