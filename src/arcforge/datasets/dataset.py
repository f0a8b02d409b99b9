"""The :class:`Dataset` value: a named, content-hashed, sorted collection of task versions.

A dataset holds every version of every task it was read from (the original system's ``dataset.json``
keeps signed variations beside the original), sorted by ``(id, version)`` so slices such as
``--tasks "[0:10]"`` mean the same thing on every machine. Its ``content_hash`` is a sha256 over the
ids, versions and grid cells (the raw cell bytes, not JSON, so hashing a thousand tasks costs a few
milliseconds); two datasets with the same hash hold the same tasks, whatever their files looked like.
The embedded catalog pins each named dataset to this hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from arcforge.errors import UnknownTaskError
from arcforge.task import Grid, Task

__all__ = ["Dataset", "hash_tasks"]


@dataclass(frozen=True)
class Dataset:
    """Tasks read from one source. Build with :meth:`from_tasks` (which sorts and hashes).

    ``name`` is the catalog name or the path it was read from; ``format`` is one of ``embedded``,
    ``dir``, ``dataset-json``, ``kaggle`` or ``task-file``.
    """

    name: str
    format: str
    tasks: tuple[Task, ...]
    content_hash: str
    _index: dict[tuple[str, int], Task] = field(init=False, repr=False, compare=False)
    _versions: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, int], Task] = {}
        versions: dict[str, list[int]] = {}
        for task in self.tasks:
            index[(task.id, task.version)] = task
            versions.setdefault(task.id, []).append(task.version)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_versions", versions)

    @classmethod
    def from_tasks(cls, tasks: Iterable[Task], *, name: str, format: str) -> Dataset:
        """A dataset of ``tasks`` sorted by (id, version), with its content hash computed."""
        ordered = tuple(sorted(tasks, key=lambda t: (t.id, t.version)))
        return cls(name=name, format=format, tasks=ordered, content_hash=hash_tasks(ordered))

    @property
    def ids(self) -> list[str]:
        """Every task id once, sorted."""
        return list(self._versions)

    def versions(self, task_id: str) -> list[int]:
        """The versions held of ``task_id`` (ascending); empty when the id is unknown."""
        return list(self._versions.get(task_id, ()))

    def has(self, task_id: str, version: int = 0) -> bool:
        return (task_id, version) in self._index

    def get(self, task_id: str, version: int = 0) -> Task:
        """The task ``task_id`` at ``version``; raises :class:`UnknownTaskError` naming what exists."""
        task = self._index.get((task_id, version))
        if task is not None:
            return task
        held = self._versions.get(task_id)
        if held:
            raise UnknownTaskError(
                [f"{task_id} v{version} (held: {', '.join(f'v{v}' for v in held)})"], self.name
            )
        raise UnknownTaskError([task_id], self.name)

    def __len__(self) -> int:
        return len(self.tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._versions


def hash_tasks(tasks: Iterable[Task]) -> str:
    """sha256 over ids, versions and cells of ``tasks`` in the order given (sort them first)."""
    digest = hashlib.sha256()
    for task in tasks:
        digest.update(f"T{task.id}\x00{task.version}\x00".encode())
        for split, pairs in (("train", task.train), ("test", task.test)):
            for pair in pairs:
                digest.update(split.encode())
                _hash_grid(digest, pair.input)
                if pair.output is None:
                    digest.update(b"-")
                else:
                    _hash_grid(digest, pair.output)
    return digest.hexdigest()


def _hash_grid(digest: hashlib._Hash, grid: Grid) -> None:
    digest.update(bytes((grid.height, grid.width)))
    digest.update(grid.cells)
