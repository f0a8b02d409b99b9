"""Writing new tasks: ``tasks/<id>.json`` (the standard ARC format), ``dataset.json`` (the original system's
versioned list, each entry with its ``provenance``) and the counts of every reason a task was refused.

:func:`write_tasks` is given accepted tasks in a fixed order (the records' key order) and drops a task
whose content, under the 8 symmetries, an earlier one already had (``duplicate``), so the whole run is
deduplicated however it was interrupted and resumed. Ids are content hashes, so the same task always
gets the same file name.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arcforge.errors import RunError
from arcforge.synthesis.checks import REASONS, canonical_task_key
from arcforge.task.model import Task

__all__ = ["Written", "count_reasons", "write_tasks"]


@dataclass
class Written:
    """What :func:`write_tasks` wrote: the folder, the task ids, and the duplicates it dropped."""

    folder: Path
    index: Path
    task_ids: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def write_tasks(root: Path, made: Iterable[tuple[Task, Mapping[str, Any]]]) -> Written:
    """Write each ``(task, provenance)`` to ``root/tasks/<id>.json`` and ``root/dataset.json``, dropping
    duplicates; the tasks folder holds exactly this run's tasks afterwards."""
    folder = root / "tasks"
    written = Written(folder=folder, index=root / "dataset.json")
    seen: set[bytes] = set()
    entries = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for task, provenance in made:
            key = canonical_task_key(task)
            if key in seen:
                written.duplicates.append(task.id)
                continue
            seen.add(key)
            _write_json(folder / f"{task.id}.json", task.to_dict())
            written.task_ids.append(task.id)
            entries.append(
                {
                    "task_id": task.id,
                    "version": 0,
                    "signed_by": [],
                    **task.to_dict(),
                    "provenance": dict(provenance),
                }
            )
        for stale in folder.glob("*.json"):
            if stale.stem not in written.task_ids:
                stale.unlink()
        _write_json(written.index, entries)
    except OSError as exc:
        raise RunError(f"cannot write the new tasks under {root}: {exc.strerror or exc}") from exc
    return written


def count_reasons(reasons: Iterable[str | None], duplicates: int) -> dict[str, Any]:
    """``{"accepted": n, "refused": {reason: n, ...}}``: every reason listed, in check order."""
    counts = Counter(reason for reason in reasons)
    accepted = counts.pop(None, 0) - duplicates
    refused = {reason: counts.get(reason, 0) for reason in REASONS}
    refused["duplicate"] = duplicates
    for reason, count in counts.items():  # a reason this version does not list (an older run's)
        if reason is not None and reason not in refused:
            refused[reason] = count
    return {"accepted": accepted, "refused": refused, "refused_total": sum(refused.values())}


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1 if isinstance(data, list) else None), encoding="utf-8")
    os.replace(temporary, path)
