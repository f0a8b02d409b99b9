"""Merge the original system's versioned ``dataset.json`` files, with that system's semantics.

Every ``*.json`` file of a folder (in name order) holds a list of entries. Entries are keyed by
``(task_id, version)`` (older files say ``id``; the output always says ``task_id``). When a key comes
again with the same ``train`` and ``test``, its ``signed_by`` names join the first entry's (each name
once, in order of appearance); with different content, the first entry is kept and a warning names
both files. The merged list is sorted by ``(task_id, version)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from arcforge.datasets.loaders import read_json
from arcforge.errors import DatasetError, InvalidTaskError
from arcforge.task import Task

__all__ = ["merge_dataset_entries", "merge_dataset_files"]

_logger = logging.getLogger(__name__)


def merge_dataset_files(
    input_dir: str | Path,
    *,
    exclude: Iterable[str | Path] = (),
    warn: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """The merged entries of every ``*.json`` file in ``input_dir`` but those in ``exclude``.

    ``warn`` receives one message per conflicting entry (default: the module's logger). Raises
    :class:`DatasetError` for a folder without files or a file that is not a list of entries, and
    :class:`InvalidTaskError` listing every entry that is not a valid task.
    """
    folder = Path(input_dir)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder: merge takes a folder of dataset.json files")
    skip = {Path(p).resolve() for p in exclude}
    files = sorted(p for p in folder.glob("*.json") if p.is_file() and p.resolve() not in skip)
    if not files:
        raise DatasetError(f"{folder} holds no .json files to merge")
    sources = []
    for path in files:
        data = read_json(path)
        if not isinstance(data, list):
            raise DatasetError(f"{path}: not a dataset.json file (expected a JSON list of entries)")
        sources.append((str(path), data))
    return merge_dataset_entries(sources, warn=warn)


def merge_dataset_entries(
    sources: Iterable[tuple[str, list[Any]]], *, warn: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Merge ``(name, entries)`` lists in order; see the module docstring for the rules."""
    warn = warn or _logger.warning
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    origin: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    for name, entries in sources:
        for i, raw in enumerate(entries):
            place = f"{name}: entry [{i}]"
            entry = _normalise(raw, place, problems)
            if entry is None:
                continue
            key = (entry["task_id"], entry["version"])
            first = merged.get(key)
            if first is None:
                merged[key] = entry
                origin[key] = place
            elif first["train"] == entry["train"] and first["test"] == entry["test"]:
                first["signed_by"] = list(dict.fromkeys([*first["signed_by"], *entry["signed_by"]]))
            else:
                warn(
                    f"{place}: {key[0]} v{key[1]} differs from {origin[key]}; kept the first "
                    "(give the variation a new version to keep both)"
                )
    if problems:
        raise InvalidTaskError(problems)
    return [merged[key] for key in sorted(merged)]


def _normalise(raw: Any, place: str, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append(f"{place}: expected an object, found {type(raw).__name__}")
        return None
    task_id = raw.get("task_id", raw.get("id"))
    version = raw.get("version", 0)
    signers = raw.get("signed_by") or []
    if not isinstance(task_id, str) or not task_id:
        problems.append(f"{place}: missing 'task_id' (a non-empty string)")
        return None
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        problems.append(f"{place}: {task_id}: 'version' must be a whole number >= 0, found {version!r}")
        return None
    if isinstance(signers, str):
        signers = [signers]
    if not isinstance(signers, list) or not all(isinstance(s, str) for s in signers):
        problems.append(f"{place}: {task_id}: 'signed_by' must be a list of names")
        return None
    try:
        Task.from_dict(raw, task_id=task_id, source=f"{place} {task_id} v{version}")
    except InvalidTaskError as exc:
        problems.extend(exc.problems)
        return None
    extra = {
        k: v for k, v in raw.items() if k not in {"id", "task_id", "version", "signed_by", "train", "test"}
    }
    return {
        "task_id": task_id,
        "version": version,
        "signed_by": list(dict.fromkeys(signers)),
        "train": raw["train"],
        "test": raw["test"],
        **extra,
    }
