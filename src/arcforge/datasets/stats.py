"""Counts over a selection of tasks: what ``arcforge data stats`` prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from arcforge.task import Task

__all__ = ["task_stats"]


def task_stats(tasks: Sequence[Task]) -> dict[str, Any]:
    """Counts of tasks, pairs and grids, and the grid sizes, as one JSON-ready object.

    Keys: ``tasks``, ``task_ids`` (distinct), ``train_pairs``, ``test_inputs``, ``test_outputs``
    (test outputs present), ``grids``, ``grid_height`` and ``grid_width`` (``min``/``max``/``mean``),
    ``largest_grid`` and ``common_sizes`` (the ten most common ``"HxW"`` with their counts).
    """
    heights: list[int] = []
    widths: list[int] = []
    sizes: Counter[str] = Counter()
    train_pairs = test_inputs = test_outputs = 0
    for task in tasks:
        train_pairs += len(task.train)
        test_inputs += len(task.test)
        for pair in (*task.train, *task.test):
            grids = (pair.input,) if pair.output is None else (pair.input, pair.output)
            for grid in grids:
                heights.append(grid.height)
                widths.append(grid.width)
                sizes[f"{grid.height}x{grid.width}"] += 1
        test_outputs += sum(pair.output is not None for pair in task.test)
    largest = max(zip(heights, widths, strict=True), key=lambda hw: hw[0] * hw[1], default=None)
    return {
        "tasks": len(tasks),
        "task_ids": len({task.id for task in tasks}),
        "train_pairs": train_pairs,
        "test_inputs": test_inputs,
        "test_outputs": test_outputs,
        "grids": len(heights),
        "grid_height": _summary(heights),
        "grid_width": _summary(widths),
        "largest_grid": f"{largest[0]}x{largest[1]}" if largest else None,
        "common_sizes": dict(sizes.most_common(10)),
    }


def _summary(values: list[int]) -> dict[str, float | int | None]:
    if not values:
        return {"min": None, "max": None, "mean": None}
    return {"min": min(values), "max": max(values), "mean": round(sum(values) / len(values), 2)}
