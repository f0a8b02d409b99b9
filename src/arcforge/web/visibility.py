"""The guard between test outputs and the page: who sees what of a task version (issue 12).

Every route that can carry a test output, or anything derived from one, goes through here:

- :func:`access_for` builds the viewer's :class:`~arcforge.web.lineage.Access` for a task (the
  lineage of every version, the viewer's attempts counted across them);
- :func:`public_pairs` gives a version's pairs as the viewer may see them: test inputs only, and
  train pairs whose output is a test output (a swap put it there) with the output withheld and the
  reason, unless the viewer is entitled;
- :func:`visible_task` is the same as a :class:`Task` (for the model context and the code box):
  the withheld train pairs dropped;
- :func:`record_shown` notes, per account, each test output it was shown and where, so an attempt
  made afterwards carries ``answer_seen``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from arcforge.store.values import User
from arcforge.task.model import Task
from arcforge.web.lineage import Access, Lineage, Lineages, Origin, lineages, withheld_reason

__all__ = ["Guarded", "access_for", "public_pairs", "record_shown", "visible_task"]


@dataclasses.dataclass(frozen=True)
class Guarded:
    """One viewer's view of one task: every version's lineage and what the viewer may see."""

    lineages: Lineages
    access: Access

    def lineage(self, task: Task) -> Lineage:
        """The lineage of ``task``'s version, checked against its pair counts (a mismatch: its own root)."""
        found = self.lineages.by_version.get(task.version)
        if found is None or len(found.train) != len(task.train) or len(found.test) != len(task.test):
            return Lineage(
                task.version,
                tuple(Origin(task.version, "train", i) for i in range(len(task.train))),
                tuple(Origin(task.version, "test", i) for i in range(len(task.test))),
            )
        return found

    def budgets(self, lineage: Lineage) -> list[list[tuple[int, int]]]:
        """Per test input of ``lineage``'s version, the slots that share its attempt budget."""
        return [self.lineages.budget(origin) for origin in lineage.test]


def access_for(ctx: Any, task_id: str, user: User | None, client: str | None) -> Guarded:
    """The viewer's view of ``task_id`` (``client``: the anonymous solver cookie, used when no ``user``)."""
    lineage_set = lineages(ctx.catalog, task_id)
    tally = ctx.store.attempt_tally(task_id, user=user, client_id=None if user else client)
    return Guarded(lineage_set, Access(lineage_set, tally, user))


def public_pairs(
    task: Task, train_origins: tuple[Origin, ...], access: Access
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """``(train, test, withheld)`` as the viewer may see them: test inputs only; a train pair whose
    output the viewer may not see has ``output: null`` and ``withheld: reason``, and is listed in
    ``withheld`` (``train_index``, ``root_version``, ``test_index``, ``reason``)."""
    train: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    for index, (pair, origin) in enumerate(zip(task.train, train_origins, strict=True)):
        item = pair.to_dict()
        if not access.entitled(origin):
            reason = withheld_reason(index, origin, access.user)
            item["output"] = None
            item["withheld"] = reason
            withheld.append(
                {
                    "train_index": index,
                    "root_version": origin.root,
                    "test_index": origin.index,
                    "reason": reason,
                }
            )
        train.append(item)
    test = [{"input": pair.input.to_list()} for pair in task.test]
    return train, test, withheld


def visible_task(task: Task, train_origins: tuple[Origin, ...], access: Access) -> Task:
    """``task`` without its test outputs and without the train pairs the viewer may not see."""
    kept = tuple(
        pair for pair, origin in zip(task.train, train_origins, strict=True) if access.entitled(origin)
    )
    return dataclasses.replace(task.without_test_outputs(), train=kept)


def record_shown(ctx: Any, user: User | None, task_id: str, origins: list[Origin], *, via: str) -> None:
    """Remember that ``user`` was shown the test outputs named by ``origins`` (secret ones only)."""
    if user is None:
        return
    for name in sorted({o.name for o in origins if o.secret}):
        ctx.store.record_reveal(user, task_id, name, via=via)
