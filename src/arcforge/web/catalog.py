"""The tasks the web app serves: a dataset's versions joined with the versions kept in the store.

The dataset (read once at start-up) supplies the originals; the store supplies what people signed
since, and what ``arcforge data import`` put there. A version in the store wins over the dataset's
copy of the same number (they hold the same content when the store was seeded from the dataset).
Before a variation is signed, :meth:`TaskCatalog.seed` copies the dataset's versions of that task
into the store, so the store numbers the new version past every version the dataset has and the
parent exists there: a version number never means two different things.

Task numbers are 1-based positions in the sorted list of every task id (dataset and store).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arcforge.errors import UnknownTaskError
from arcforge.store.errors import NotFound
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.datasets.dataset import Dataset
    from arcforge.store import Store

__all__ = ["TaskCatalog", "VersionInfo"]


@dataclass(frozen=True)
class VersionInfo:
    """What the page shows about one version (no content)."""

    version: int
    signers: tuple[str, ...]
    retired: bool
    parent_version: int | None
    transform: str | None
    source: str
    created_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "signers": list(self.signers),
            "retired": self.retired,
            "parent_version": self.parent_version,
            "transform": self.transform,
            "source": self.source,
            "created_at": self.created_at,
        }


class TaskCatalog:
    """Looks tasks up by id, number or id prefix, in the dataset and the store."""

    def __init__(self, dataset: Dataset | None, store: Store) -> None:
        self.dataset = dataset
        self.store = store

    @property
    def name(self) -> str:
        return str(getattr(self.dataset, "name", "")) if self.dataset is not None else "store"

    def ids(self) -> list[str]:
        """Every task id, sorted (dataset and store)."""
        from_dataset = list(self.dataset.ids) if self.dataset is not None else []
        return sorted(set(from_dataset) | set(self.store.list_task_ids()))

    def resolve(self, ref: str) -> tuple[str, int, int]:
        """``(task_id, number, total)`` for an id or a ``#number``/number reference."""
        ids = self.ids()
        text = ref.strip()
        if text.startswith("#") or (text.isdigit() and text not in ids):
            digits = text.lstrip("#")
            if not digits.isdigit() or not 1 <= int(digits) <= len(ids):
                raise UnknownTaskError([text], f"{self.name} (numbers run from 1 to {len(ids)})")
            number = int(digits)
            return ids[number - 1], number, len(ids)
        try:
            return text, ids.index(text) + 1, len(ids)
        except ValueError:
            raise UnknownTaskError([text], self.name) from None

    def search(self, prefix: str, *, limit: int) -> list[tuple[int, str]]:
        """``(number, id)`` of the tasks whose id starts with ``prefix`` (case-insensitive)."""
        needle = prefix.strip().lower()
        found = [
            (n, task_id)
            for n, task_id in enumerate(self.ids(), start=1)
            if task_id.lower().startswith(needle)
        ]
        return found[:limit]

    def versions(self, task_id: str) -> list[VersionInfo]:
        """Every version of a task, lowest first; raises UnknownTaskError when there is none."""
        found: dict[int, VersionInfo] = {}
        if self.dataset is not None:
            for version in self.dataset.versions(task_id):
                task = self.dataset.get(task_id, version)
                parent = task.provenance.parent_version if task.provenance else None
                transform = task.provenance.transform if task.provenance else None
                found[version] = VersionInfo(
                    version, task.signers, False, parent, transform, task.source, None
                )
        for stored in self.store.list_task_versions(task_id):
            found[stored.version] = VersionInfo(
                stored.version,
                stored.signers,
                stored.retired,
                stored.parent_version,
                stored.transform,
                stored.source,
                stored.created_at.isoformat(),
            )
        if not found:
            raise UnknownTaskError([task_id], self.name)
        return [found[v] for v in sorted(found)]

    def get(self, task_id: str, version: int = 0) -> Task:
        """The task with its test outputs (server side only); raises UnknownTaskError."""
        try:
            return self.store.get_task(task_id, version)
        except NotFound:
            pass
        if self.dataset is not None and self.dataset.has(task_id, version):
            return self.dataset.get(task_id, version)
        held = [v.version for v in self.versions(task_id)]
        raise UnknownTaskError([f"{task_id} v{version} (versions: {', '.join(map(str, held))})"], self.name)

    def seed(self, task_id: str) -> None:
        """Copy the dataset's versions of ``task_id`` into the store (no-op for those stored)."""
        if self.dataset is None:
            return
        stored = {v.version for v in self.store.list_task_versions(task_id)}
        for version in self.dataset.versions(task_id):
            if version in stored:
                continue
            task = self.dataset.get(task_id, version)
            self.store.add_task_version(
                task,
                version=version,
                signer=task.signers[0] if task.signers else None,
                require_test_outputs=False,
            )
            for signer in task.signers[1:]:
                self.store.sign_task_version(task_id, version, signer=signer)
