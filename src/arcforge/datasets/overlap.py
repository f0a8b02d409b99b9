"""Which tasks two datasets share, by id and by content, so nobody trains on what they evaluate unawares.

Two tasks have the same content when their train pairs and their test pairs are the same multisets:
the order of pairs is ignored (ARC-AGI-2 reordered the pairs of many tasks it took from ARC-AGI-1), the
split is not. The content key is built from the grids' cell bytes, so comparing a thousand tasks takes
milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arcforge.datasets.dataset import Dataset
from arcforge.task import Grid, Pair, Task

__all__ = ["Overlap", "content_key", "dataset_overlap"]


@dataclass(frozen=True, slots=True)
class Overlap:
    """The overlap of dataset ``a`` with dataset ``b`` (at one version of each task).

    ``shared_ids``: ids in both. ``same_content``: the shared ids whose pairs are the same.
    ``changed``: the shared ids whose pairs differ. ``moved``: ``(id in a, id in b)`` for tasks with
    the same content under different ids.
    """

    a: str
    b: str
    a_tasks: int
    b_tasks: int
    shared_ids: tuple[str, ...]
    same_content: tuple[str, ...]
    changed: tuple[str, ...]
    moved: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "a_tasks": self.a_tasks,
            "b_tasks": self.b_tasks,
            "shared_ids": list(self.shared_ids),
            "same_content": list(self.same_content),
            "changed": list(self.changed),
            "moved": [list(pair) for pair in self.moved],
        }


def content_key(task: Task) -> tuple[Any, ...]:
    """A hashable key equal for two tasks exactly when their train and test pairs match in any order."""
    return (tuple(sorted(map(_pair_key, task.train))), tuple(sorted(map(_pair_key, task.test))))


def dataset_overlap(a: Dataset, b: Dataset, *, version: int = 0) -> Overlap:
    """The tasks ``a`` and ``b`` share, comparing version ``version`` of each task."""
    a_tasks = {t.id: t for t in a.tasks if t.version == version}
    b_tasks = {t.id: t for t in b.tasks if t.version == version}
    shared = sorted(a_tasks.keys() & b_tasks.keys())
    same = [i for i in shared if content_key(a_tasks[i]) == content_key(b_tasks[i])]
    same_set = set(same)
    b_by_content: dict[tuple[Any, ...], list[str]] = {}
    for task_id, task in b_tasks.items():
        b_by_content.setdefault(content_key(task), []).append(task_id)
    moved = sorted(
        (a_id, b_id)
        for a_id, task in a_tasks.items()
        for b_id in b_by_content.get(content_key(task), ())
        if b_id != a_id
    )
    return Overlap(
        a=a.name,
        b=b.name,
        a_tasks=len(a_tasks),
        b_tasks=len(b_tasks),
        shared_ids=tuple(shared),
        same_content=tuple(same),
        changed=tuple(i for i in shared if i not in same_set),
        moved=tuple(moved),
    )


def _grid_key(grid: Grid | None) -> tuple[int, int, bytes]:
    return (0, 0, b"") if grid is None else (grid.height, grid.width, grid.cells)


def _pair_key(pair: Pair) -> tuple[tuple[int, int, bytes], tuple[int, int, bytes]]:
    return (_grid_key(pair.input), _grid_key(pair.output))
