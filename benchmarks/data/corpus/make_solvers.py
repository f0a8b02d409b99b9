"""Write ``solvers.jsonl``: one solver per ARC-AGI-1 training task, each a composition of ``dsl`` primitives.

For each task, every single primitive and every pair of geometric ones is tried on the train
pairs; the first that is right on all of them becomes the task's solver. Other tasks get a
composition of three to five cheap primitives picked from a hash of the task id: a wrong but real
program of the same shape, so the corpus has the size and the work of a hand-written one (about half a
millisecond per program, the median of both). Deterministic:

    .venv/bin/python benchmarks/data/corpus/make_solvers.py
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dsl  # noqa: E402

from arcforge.datasets import load_dataset  # noqa: E402

GEOMETRIC = [
    "rot90", "rot180", "rot270", "hmirror", "vmirror", "dmirror", "cmirror", "tophalf", "bottomhalf",
    "lefthalf", "righthalf", "trim", "compress", "crop_to_content", "largest_object_grid",
    "smallest_object_grid", "mirror_tile", "upscale_2", "upscale_3", "tile_2x2", "tile_3x3", "downscale_2",
]  # fmt: skip


def right(names: tuple[str, ...], pairs: list[tuple[list[list[int]], list[list[int]]]]) -> bool:
    for grid, expected in pairs:
        try:
            value = grid
            for name in names:
                value = dsl.UNARY[name](value)
            if dsl.as_lists(value) != expected:
                return False
        except Exception:
            return False
    return True


def search(pairs: list[tuple[list[list[int]], list[list[int]]]]) -> tuple[str, ...] | None:
    for name in dsl.UNARY:
        if right((name,), pairs):
            return (name,)
    for names in itertools.product(GEOMETRIC, GEOMETRIC):
        if right(names, pairs):
            return names
    return None


def program(task_id: str, names: tuple[str, ...], found: bool) -> str:
    how = "right on every train pair (found by search)" if found else "a guess (no composition found)"
    lines = [f"# corpus solver for {task_id}: {' -> '.join(names)}; {how}", "from dsl import *", "", ""]
    lines += ["def solve(I):", "    x0 = as_grid(I)"]
    for step, name in enumerate(names, start=1):
        call = f"UNARY[{name!r}](x{step - 1})" if name not in vars(dsl) else f"{name}(x{step - 1})"
        lines.append(f"    x{step} = {call}")
    lines.append(f"    return as_lists(x{len(names)})")
    return "\n".join(lines) + "\n"


def main() -> int:
    dataset = load_dataset("arc-agi-1/training")
    # guesses use the cheap primitives: the corpus should do a fraction of a millisecond of work per
    # program, as hand-written corpora do, so the benchmark measures what running a corpus costs
    names_all = [
        name
        for name in dsl.UNARY
        if not name.startswith(("outline_", "fill_holes_", "rays_"))
        and name not in ("largest_object_grid", "smallest_object_grid", "count_objects_grid")
    ]
    rows = []
    solved = 0
    for task in dataset.tasks:
        pairs = [(pair.input.to_list(), pair.output.to_list()) for pair in task.train]
        found = search(pairs)
        if found is None:
            digest = hashlib.sha256(task.id.encode()).digest()
            names = tuple(names_all[b % len(names_all)] for b in digest[: 3 + digest[-1] % 3])
        else:
            names = found
            solved += 1
        code = program(task.id, names, found is not None)
        rows.append({"task_id": task.id, "code": code, "source": "benchmarks/data/corpus/make_solvers.py"})
    with (HERE / "solvers.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    print(f"{len(rows)} solvers, {solved} right on their train pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
