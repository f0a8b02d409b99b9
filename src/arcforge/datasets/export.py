"""Write tasks out as a folder of task files, the original system's ``dataset.json``, or Kaggle files.

- ``dir``: ``OUT/<id>.json`` per task (one version per task; choose it with ``--version``);
- ``dataset-json``: one file, a list of entries ``{task_id, version, signed_by, train, test}``;
- ``kaggle``: ``NAME_challenges.json`` (test outputs removed) and ``NAME_solutions.json`` (the test
  outputs of every task that has them all). OUT is the challenges file, or a folder to write them in.

Every file is written to a temporary name and renamed into place, so an interrupted export never leaves
a half-written file behind. Whatever is written loads back with :func:`arcforge.datasets.load_dataset`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arcforge.errors import UsageError
from arcforge.task import Task

__all__ = ["EXPORT_FORMATS", "dataset_entry", "export_tasks", "write_json"]

EXPORT_FORMATS = ("dir", "dataset-json", "kaggle")


def export_tasks(tasks: Sequence[Task], out: str | Path, *, to: str, name: str = "arcforge") -> list[Path]:
    """Write ``tasks`` to ``out`` in the format ``to`` (one of :data:`EXPORT_FORMATS`); returns the files.

    ``name`` prefixes the Kaggle files when ``out`` is a folder. Raises :class:`UsageError` for an
    unknown format, a ``dir``/``kaggle`` export holding two versions of one task, or a Kaggle ``out``
    that is a ``.json`` file not named ``*_challenges.json``.
    """
    if to not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {to!r}: use one of {', '.join(EXPORT_FORMATS)}")
    out = Path(out)
    if to == "dataset-json" and out.is_dir():
        raise UsageError(f"{out} is a folder: --format dataset-json writes one file, so give a file name")
    if to == "dir" and out.exists() and not out.is_dir():
        raise UsageError(
            f"{out} is a file: --format dir writes a folder of <id>.json files, so give a folder"
        )
    if to == "dataset-json":
        write_json(out, [dataset_entry(task) for task in tasks])
        return [out]
    _check_one_version(tasks, to)
    if to == "dir":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for task in tasks:
            path = out / f"{task.id}.json"
            write_json(path, task.to_dict())
            written.append(path)
        return written
    challenges = _challenges_file(out, name)
    solutions = challenges.with_name(challenges.name[: -len("_challenges.json")] + "_solutions.json")
    write_json(challenges, {t.id: t.to_dict(include_test_outputs=False) for t in tasks})
    answers = {
        t.id: [pair.output.to_list() for pair in t.test if pair.output is not None]
        for t in tasks
        if t.has_test_outputs
    }
    if answers:
        write_json(solutions, answers)
        return [challenges, solutions]
    return [challenges]


def dataset_entry(task: Task) -> dict[str, Any]:
    """One entry of the original system's ``dataset.json`` for ``task``."""
    return {"task_id": task.id, "version": task.version, "signed_by": list(task.signers), **task.to_dict()}


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as compact JSON to ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, separators=(",", ":"))
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_one_version(tasks: Sequence[Task], to: str) -> None:
    seen: set[str] = set()
    repeated = []
    for task in tasks:
        if task.id in seen:
            repeated.append(task.id)
        seen.add(task.id)
    if repeated:
        raise UsageError(
            f"the {to} format holds one version per task, and {', '.join(sorted(set(repeated))[:5])} "
            "come in several: pick one with --version N, or export --format dataset-json"
        )


def _challenges_file(out: Path, name: str) -> Path:
    if out.name.endswith("_challenges.json"):
        return out
    if out.suffix == ".json":
        raise UsageError(
            f"{out}: a Kaggle export is NAME_challenges.json (its answers go beside it), or a folder"
        )
    return out / f"{name}_challenges.json"
