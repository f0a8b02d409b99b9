"""Where each pair of a task version came from, and who may see the parts derived from a test output.

Every version of a task derives from a *root* version (one with no parent) through the transforms
recorded as provenance. Grid transforms (symmetries, colour permutations) keep each pair in its place;
pair moves do not: ``swap:TRAIN,TEST`` puts a test pair, output included, among the train pairs, and
the train pair it replaces into the test slot. :func:`lineages` follows the chain from the root and
names each pair's :class:`Origin` (root version, split, index), so:

- one test input has one attempt budget across every version: the test slots of every version with the
  same origin (:meth:`Lineages.budget`);
- a train pair whose origin is a root *test* pair shows a test output (a transform of it): it is
  withheld from anyone not entitled to that output (:class:`Access`).

Entitled to a test output: moderators, and accounts whose attempts on that test input (counted across
versions) are used up or which solved it. Anonymous solvers never are. A chain that cannot be followed
(a transform that does not parse, a missing parent) makes the version a root of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from arcforge.errors import UsageError
from arcforge.store import ATTEMPT_LIMIT
from arcforge.store.attempts import Slot, origin_name
from arcforge.store.values import User
from arcforge.task.transforms import Composite, SwapPair, TrainOrder, Transform, parse_transform

__all__ = ["Access", "Lineage", "Lineages", "Origin", "apply_moves", "lineages", "withheld_reason"]


@dataclass(frozen=True)
class Origin:
    """A pair of a root version: ``split`` is ``train`` or ``test``."""

    root: int
    split: str
    index: int

    @property
    def secret(self) -> bool:
        """Whether the pair's output is a hidden test output."""
        return self.split == "test"

    @property
    def name(self) -> str:
        return origin_name(self.root, self.split, self.index)


@dataclass(frozen=True)
class Lineage:
    """The origins of one version's train and test pairs, in their order."""

    version: int
    train: tuple[Origin, ...]
    test: tuple[Origin, ...]


def _parts(transform: Transform) -> Iterable[Transform]:
    if isinstance(transform, Composite):
        for part in transform.parts:
            yield from _parts(part)
    else:
        yield transform


def apply_moves(
    transform: Transform, train: tuple[Origin, ...], test: tuple[Origin, ...]
) -> tuple[tuple[Origin, ...], tuple[Origin, ...]]:
    """The origins after ``transform``'s pair moves; raises ValueError for a move it cannot follow."""
    new_train, new_test = list(train), list(test)
    for part in _parts(transform):
        if isinstance(part, SwapPair):
            i, j = part.train_index, part.test_index
            if i >= len(new_train) or j >= len(new_test):
                raise ValueError(f"{part.name} is out of range")
            new_train[i], new_test[j] = new_test[j], new_train[i]
        elif isinstance(part, TrainOrder):
            if len(part.order) != len(new_train):
                raise ValueError(f"{part.name} does not fit")
            new_train = [new_train[k] for k in part.order]
        elif not part.changes_grids and part.name != "identity":
            raise ValueError(f"unknown pair move {part.name}")
    return tuple(new_train), tuple(new_test)


class Lineages:
    """The lineage of every version of one task."""

    def __init__(self, task_id: str, by_version: dict[int, Lineage]) -> None:
        self.task_id = task_id
        self.by_version = by_version

    def of(self, version: int) -> Lineage:
        return self.by_version[version]

    def budget(self, origin: Origin) -> list[Slot]:
        """Every ``(version, test index)`` whose test pair has ``origin``: they share one budget."""
        return [
            (lineage.version, index)
            for lineage in self.by_version.values()
            for index, found in enumerate(lineage.test)
            if found == origin
        ]


def _own_root(version: int, task: Any) -> Lineage:
    return Lineage(
        version,
        tuple(Origin(version, "train", i) for i in range(len(task.train))),
        tuple(Origin(version, "test", i) for i in range(len(task.test))),
    )


def lineages(catalog: Any, task_id: str) -> Lineages:
    """Follow every version of ``task_id`` back to its root (``catalog``: a :class:`TaskCatalog`)."""
    infos = {info.version: info for info in catalog.versions(task_id)}
    done: dict[int, Lineage] = {}

    def resolve(version: int, seen: frozenset[int]) -> Lineage:
        if version in done:
            return done[version]
        info = infos[version]
        parent = info.parent_version
        result: Lineage | None = None
        if parent is not None and parent in infos and parent not in seen and info.transform:
            try:
                above = resolve(parent, seen | {version})
                train, test = apply_moves(parse_transform(info.transform), above.train, above.test)
                result = Lineage(version, train, test)
            except (ValueError, UsageError):  # a transform that does not parse or fit: its own root
                result = None
        if result is None:
            result = _own_root(version, catalog.get(task_id, version))
        done[version] = result
        return result

    for version in sorted(infos):
        resolve(version, frozenset())
    return Lineages(task_id, done)


class Access:
    """What one viewer may see of one task's test outputs, across its versions."""

    def __init__(self, lineage_set: Lineages, tally: dict[Slot, tuple[int, bool]], user: User | None) -> None:
        self.lineages = lineage_set
        self.user = user
        self._used: dict[Origin, tuple[int, bool]] = {}
        for (version, index), (used, solved) in tally.items():
            lineage = lineage_set.by_version.get(version)
            if lineage is None or index >= len(lineage.test):
                continue
            origin = lineage.test[index]
            before = self._used.get(origin, (0, False))
            self._used[origin] = (before[0] + used, before[1] or solved)

    @property
    def moderator(self) -> bool:
        return self.user is not None and self.user.role == "moderator"

    def entitled(self, origin: Origin) -> bool:
        """Whether the viewer may see ``origin``'s output (always, for a train pair)."""
        if not origin.secret or self.moderator:
            return True
        if self.user is None:
            return False
        used, solved = self._used.get(origin, (0, False))
        return solved or used >= ATTEMPT_LIMIT

    def withheld_train(self, train: tuple[Origin, ...]) -> list[tuple[int, Origin]]:
        """``(train index, origin)`` of the train pairs whose outputs the viewer may not see."""
        return [(i, origin) for i, origin in enumerate(train) if not self.entitled(origin)]

    def shown_train(self, train: tuple[Origin, ...]) -> list[Origin]:
        """The secret origins among the train pairs that the viewer is entitled to see."""
        return [origin for origin in train if origin.secret and self.entitled(origin)]


def withheld_reason(train_index: int, origin: Origin, user: User | None) -> str:
    """Why a train pair's output is withheld, in words the page shows."""
    who = (
        "sign in and finish your attempts on it"
        if user is None
        else "finish your attempts on it (solve it or use both)"
    )
    return (
        f"the output of train pair {train_index + 1} is the answer to test input {origin.index + 1} of "
        f"v{origin.root}: {who} to see it"
    )
