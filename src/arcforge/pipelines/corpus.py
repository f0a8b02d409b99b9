"""External program corpora in: a folder or a JSONL file of solvers becomes a run folder to verify.

``arcforge verify PROGRAMS --dataset SPEC [--out RUN_DIR]`` reads a corpus written elsewhere (a DSL's
hand-written solvers, a synthetic collection) and makes a run folder shaped like a generated one, so
``verify``, ``export`` (with ``--augment``), ``traces merge``, reports and the runs viewer work on it
unchanged. PROGRAMS is either

* a **folder** of ``<task_id>.py`` files, or of ``<task_id>/<name>.py`` for several programs per task
  (both may mix); or
* a **JSONL file** of ``{"task_id": ..., "code": ..., "source"?: ...}`` records, one per line.

Each program becomes one ``code`` record (``status: "ok"``, ``model: "corpus"``) whose ``origin`` says
where it came from (``{"corpus", "path"}`` or ``{"corpus", "line", "source"}``), with the task's data
and the prompt the ``code`` template would have shown for it (so an exported row is a usual training
row). Nothing is dropped silently: :class:`CorpusIntake` counts and names the programs for task ids
the dataset lacks, the files or lines that cannot be read, the duplicates (the same text for the same
task: kept once, the rest named with the one they repeat) and the files that are not programs; the
manifest's ``corpus`` section holds the same. A solver library's name and sha256 go into the
manifest when the corpus is verified with ``--library``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.datasets import Dataset
from arcforge.engine import RunDirectory, sample_key, utc_now
from arcforge.engine.run_directory import default_run_path
from arcforge.engine.runner import summarize_records
from arcforge.errors import UsageError
from arcforge.prompts import build_messages, load_template
from arcforge.task.encoding import DEFAULT_ENCODING, get_encoding

__all__ = [
    "CORPUS_COMMAND",
    "CorpusIntake",
    "CorpusProgram",
    "is_run_dir",
    "make_corpus_run",
    "origin_text",
    "read_corpus",
    "verify_programs",
]

if TYPE_CHECKING:
    from arcforge.pipelines.verification_file import VerifySummary
    from arcforge.sandbox import Limits

CORPUS_COMMAND = "verify corpus"
_SOLVER = re.compile(r"^def[ \t]++(solve|solve_task|transform)[ \t]*+\(", re.MULTILINE)
_SHOWN = 10  # names listed per problem in a one-line summary


@dataclass(frozen=True, slots=True)
class CorpusProgram:
    """One program of a corpus: its task id, its text, and where it came from."""

    task_id: str
    code: str
    origin: dict[str, Any]

    @property
    def where(self) -> str:
        """The origin for people: ``ab12cd34/v2.py`` or ``line 7``."""
        return origin_text(self.origin) or "an unknown place"


def origin_text(origin: Mapping[str, Any]) -> str | None:
    """A corpus record's ``origin`` for people: ``ab12cd34/v2.py`` or ``line 7`` (None when it has neither)."""
    if origin.get("path"):
        return str(origin["path"])
    return f"line {origin['line']}" if origin.get("line") else None


@dataclass
class CorpusIntake:
    """What a corpus held: the programs taken in and every one that was not, by reason, named."""

    source: str
    programs: list[CorpusProgram] = field(default_factory=list)
    unknown_tasks: dict[str, list[str]] = field(default_factory=dict)  # task id -> where
    unreadable: list[str] = field(default_factory=list)  # "where: why"
    duplicates: list[str] = field(default_factory=list)  # "where (same as where)"
    ignored: list[str] = field(default_factory=list)  # files that are not programs
    run_dir: Path | None = None

    @property
    def tasks(self) -> int:
        return len({program.task_id for program in self.programs})

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "programs": len(self.programs),
            "tasks": self.tasks,
            "unknown_task_ids": {task: list(places) for task, places in self.unknown_tasks.items()},
            "unknown_programs": sum(len(places) for places in self.unknown_tasks.values()),
            "unreadable": list(self.unreadable),
            "duplicates": list(self.duplicates),
            "ignored": list(self.ignored),
        }

    def describe(self) -> list[str]:
        """A few lines for people: what was taken in, then each kind of problem with names."""
        lines = [f"corpus {self.source}: {len(self.programs)} program(s) for {self.tasks} task(s)"]
        unknown = [f"{task} ({', '.join(places)})" for task, places in self.unknown_tasks.items()]
        for label, names in (
            ("program(s) for task ids not in the dataset, skipped", unknown),
            ("unreadable file(s) or line(s), skipped", self.unreadable),
            ("duplicate program(s), kept once", self.duplicates),
            ("file(s) that are not programs (.py), ignored", self.ignored),
        ):
            if names:
                count = sum(len(p) for p in self.unknown_tasks.values()) if names is unknown else len(names)
                more = f" ... and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
                lines.append(f"{count} {label}: {'; '.join(names[:_SHOWN])}{more}")
        return lines


def is_run_dir(path: Path | str) -> bool:
    """Whether ``path`` is a run folder (it has a manifest), rather than a corpus to take in."""
    return (Path(path) / "manifest.json").is_file()


def read_corpus(source: Path | str, dataset: Dataset) -> CorpusIntake:
    """The programs of the folder or JSONL file ``source`` whose tasks ``dataset`` holds, and the rest named.

    Raises :class:`UsageError` when ``source`` does not exist or is neither a folder nor a file.
    """
    path = Path(source)
    intake = CorpusIntake(str(path))
    if path.is_dir():
        found = _folder(path, intake)
    elif path.is_file():
        found = _jsonl(path, intake)
    else:
        raise UsageError(
            f"{source}: no such folder or file; give a folder of <task_id>.py files or a .jsonl file"
        )
    seen: dict[tuple[str, str], str] = {}
    for program in found:
        if program.task_id not in dataset:
            intake.unknown_tasks.setdefault(program.task_id, []).append(program.where)
            continue
        digest = hashlib.sha256(program.code.strip().encode()).hexdigest()
        first = seen.setdefault((program.task_id, digest), program.where)
        if first != program.where:
            intake.duplicates.append(f"{program.where} (same as {first})")
            continue
        intake.programs.append(program)
    return intake


def make_corpus_run(
    intake: CorpusIntake,
    dataset: Dataset,
    *,
    out: Path | str | None = None,
    libraries: Sequence[dict[str, Any]] = (),
    encoding: str = DEFAULT_ENCODING,
) -> Path:
    """Write ``intake``'s programs as the records of a new run folder (``out``, or ``runs/corpus-...``).

    ``libraries`` are the solver libraries' manifest entries (name, sha256, ...) the corpus runs with.
    Raises :class:`UsageError` for a corpus with no program to take in.
    """
    if not intake.programs:
        details = "; ".join(intake.describe()[1:]) or "it holds no .py file or JSONL record"
        raise UsageError(f"{intake.source}: no program to verify ({details})")
    template = load_template("code")
    chosen = get_encoding(encoding)
    tasks = {program.task_id: dataset.get(program.task_id) for program in intake.programs}
    config = {
        "kind": "code",
        "dataset": dataset.name,
        "dataset_hash": dataset.content_hash,
        "task_selection": [f"{task_id}:v0" for task_id in sorted(tasks)],
        "model": "corpus",
        "template": template.name,
        "template_hash": template.sha256,
        "encoding": chosen.label,
        "corpus": intake.source,
        "libraries": list(libraries),
    }
    target = Path(out) if out else default_run_path("corpus", Path(intake.source).stem or "corpus")
    records = []
    indexes: dict[str, int] = {}
    prompts: dict[str, list[dict[str, Any]]] = {}
    with RunDirectory.create(target, command=CORPUS_COMMAND, config=config, corpus=intake.to_dict()) as run:
        for program in intake.programs:
            task = tasks[program.task_id]
            index = indexes[task.id] = indexes.get(task.id, -1) + 1
            if task.id not in prompts:
                prompts[task.id] = build_messages("code", task, encoding=encoding, template=template)
            record = _record(program, task.to_dict(), index, prompts[task.id], template.name)
            record["run_id"] = run.run_id
            run.append(record)
            records.append({"status": record["status"], "cost_usd": 0.0})
        counts = summarize_records(records)
        run.write_manifest(
            status="completed", ended_at=utc_now(), total_items=len(records), counts=counts, cost_usd=0.0
        )
    intake.run_dir = target
    return target


async def verify_programs(
    source: Path | str,
    *,
    dataset: str | None = None,
    out: Path | str | None = None,
    libraries: Sequence[str] = (),
    workers: int | None = None,
    limits: Limits | None = None,
    progress: bool | None = None,
    fresh: bool = False,
) -> tuple[CorpusIntake | None, VerifySummary]:
    """What ``arcforge verify`` does: with ``dataset``, take the corpus ``source`` in as a new run (in
    ``out``) and verify it; without, verify the run folder ``source``. ``libraries`` (paths) are
    imported once in every sandbox worker, and their names and hashes go into a corpus run's manifest.
    """
    from arcforge.datasets import load_dataset
    from arcforge.pipelines.verify import verify_run
    from arcforge.sandbox import Sandbox
    from arcforge.sandbox.libraries import load_libraries

    intake = None
    run_dir = Path(source)
    if dataset is not None:
        if is_run_dir(run_dir):
            raise UsageError(
                f"{source} is a run folder: verify it without --dataset (which takes in a corpus)"
            )
        chosen = load_dataset(dataset)
        intake = read_corpus(run_dir, chosen)
        entries = [library.manifest() for library in load_libraries(list(libraries))]
        run_dir = make_corpus_run(intake, chosen, out=out, libraries=entries)
    elif out is not None:
        raise UsageError("--out names the run folder a corpus becomes: give it with --dataset SPEC")
    elif not is_run_dir(run_dir) and (run_dir.suffix == ".jsonl" or any(run_dir.glob("*.py"))):
        raise UsageError(f"{source} looks like a corpus of programs: add --dataset SPEC to verify it")
    elif not libraries and is_run_dir(run_dir):
        from arcforge.engine.run_directory import RunDirectory
        from arcforge.pipelines.library_runs import recorded_libraries

        libraries = recorded_libraries(RunDirectory.open(run_dir).config)
    if libraries:
        sandbox = Sandbox(workers=workers, limits=limits, libraries=libraries)
        try:
            await sandbox.start()
            summary = await verify_run(run_dir, sandbox=sandbox, progress=progress, fresh=fresh)
        finally:
            await sandbox.close()
    else:
        summary = await verify_run(run_dir, workers=workers, limits=limits, progress=progress, fresh=fresh)
    return intake, summary


def _record(
    program: CorpusProgram, task_data: dict[str, Any], index: int, prompt: list[dict[str, Any]], template: str
) -> dict[str, Any]:
    entry = _SOLVER.search(program.code)
    return {
        "key": sample_key(program.task_id, 0, index),
        "kind": "code",
        "task_id": program.task_id,
        "task_version": 0,
        "sample_index": index,
        "model": "corpus",
        "status": "ok",
        "task_data": task_data,
        "prompt_messages": prompt,
        "template": template,
        "completion": None,
        "thinking": None,
        "reasoning": None,
        "explanation": None,
        "python_code": program.code,
        "entry": entry.group(1) if entry else "solve",
        "predictions": None,
        "attempts": None,
        "parse_error": None,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0},
        "cost_usd": 0.0,
        "latency_s": None,
        "retries": 0,
        "cached": None,
        "provider_model": None,
        "finish_reason": None,
        "error": None,
        "error_kind": None,
        "origin": program.origin,
        "created_at": utc_now(),
    }


def _folder(root: Path, intake: CorpusIntake) -> Iterator[CorpusProgram]:
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            for inner in sorted(entry.iterdir()):
                if inner.is_file() and inner.suffix == ".py":
                    yield from _file(root, inner, entry.name, intake)
                else:
                    intake.ignored.append(str(inner.relative_to(root)))
        elif entry.suffix == ".py":
            yield from _file(root, entry, entry.stem, intake)
        else:
            intake.ignored.append(entry.name)


def _file(root: Path, path: Path, task_id: str, intake: CorpusIntake) -> Iterator[CorpusProgram]:
    where = str(path.relative_to(root))
    try:
        code = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        intake.unreadable.append(f"{where}: {reason}")
        return
    yield CorpusProgram(task_id, code, {"corpus": str(root), "path": where})


def _jsonl(path: Path, intake: CorpusIntake) -> Iterator[CorpusProgram]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            problem, value = _json_line(raw)
            if problem is None:
                task_id, code = value.get("task_id"), value.get("code")
                if not isinstance(task_id, str) or not task_id:
                    problem = 'no "task_id" string'
                elif not isinstance(code, str) or not code.strip():
                    problem = 'no "code" string'
            if problem is not None:
                intake.unreadable.append(f"line {number}: {problem}")
                continue
            origin: dict[str, Any] = {"corpus": str(path), "line": number}
            if value.get("source") is not None:
                origin["source"] = str(value["source"])
            yield CorpusProgram(str(task_id), str(code), origin)


def _json_line(raw: bytes) -> tuple[str | None, dict[str, Any]]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8", {}
    except (ValueError, RecursionError) as exc:
        return f"not JSON ({str(exc).split(':')[0]})", {}
    if not isinstance(value, dict):
        return "not a JSON object", {}
    return None, value
