"""Fine-tuning records from a verified run: OpenAI chat format (JSON lines) or Parquet, streamed.

:func:`export_run` takes the samples that ``arcforge verify`` marked verified and writes, for each, the
prompt the model saw and the answer it gave as chat ``messages``, with ``metadata`` naming the sample's
full lineage: run, key, model, dataset and its hash, template and its hash, encoding, and the transform
for augmented records. A code sample's answer is its explanation and the program; a reasoning sample's
(``generate reasoning`` with ``reasoning-v2``, verified by its predicted test outputs) is its trace.

With ``augment`` each sample also yields one record per transform T, with the prompt rebuilt for the
transformed task (the run's template and encoding): for code, the program T ∘ solve ∘ T⁻¹
(:mod:`arcforge.pipelines.augment`), written only after it passed every train and test pair of the
transformed task in the sandbox; for reasoning, the trace with its predicted grids transformed (right by
construction: T maps the right output of the task to the right output of T(task)). The explanation of an
augmented row goes through the augmentation's explanation rewriter when it has one
(``augment.rewrite_explanation``); where it gives none, the row carries the answer without the
explanation and the summary counts it in ``explanations_dropped``.

Records are streamed: the verified keys are read first (small), then the run's current records one by
one; augmentations are checked in bounded batches and rows are written as they come
(:mod:`arcforge.pipelines.export_writer`), so memory does not grow with the run.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory
from arcforge.errors import UsageError
from arcforge.pipelines import augment as _augment
from arcforge.pipelines.augment import augmentations, compose_program
from arcforge.pipelines.export_writer import RowWriter, write_rows
from arcforge.pipelines.library_runs import recorded_libraries
from arcforge.pipelines.verification_file import entry_identity, verified_keys
from arcforge.prompts import PromptTemplate, build_messages
from arcforge.prompts.library_doc import run_template
from arcforge.task.grid import Grid
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.sandbox import Sandbox
    from arcforge.task.transforms import Transform

__all__ = ["AUGMENT_BATCH", "EXPORT_FORMATS", "ExportSummary", "assistant_message", "export_run"]

EXPORT_FORMATS = {"chat-jsonl": "export.chat.jsonl", "parquet": "export.parquet"}
AUGMENT_BATCH = 64  # verified samples whose augmentations are checked at once
_PREDICTIONS_START = re.compile(r"(?im)^[^\S\n]*[#*_`>\-]*[^\S\n]*test\s*1\s*output\b")


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    format: str
    verified_samples: int
    records: int
    augmented: int
    rejected: dict[str, int] = field(default_factory=dict)  # augmented programs that failed re-verification
    explanations_dropped: int = 0  # augmented rows whose explanation had no faithful rewrite

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "verified_samples": self.verified_samples,
            "records": self.records,
            "augmented": self.augmented,
            "rejected": dict(self.rejected),
            "explanations_dropped": self.explanations_dropped,
        }


def assistant_message(explanation: str | None, code: str) -> dict[str, str]:
    """The answer to train on: the explanation, then the program in a python block."""
    text = (explanation or "").strip()
    block = f"```python\n{code.rstrip()}\n```"
    return {"role": "assistant", "content": f"{text}\n\n{block}" if text else block}


async def export_run(
    path: Path | str,
    *,
    format: str = "chat-jsonl",
    out: Path | str | None = None,
    augment: str | None = None,
    sandbox: Sandbox | None = None,
    conversations: bool = False,
) -> ExportSummary:
    """Write the verified samples of the run in ``path`` (and their augmentations) to ``out``.

    Raises :class:`UsageError` for an unknown format or transform, :class:`RunError` when the run
    has not been verified.
    """
    if format not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if augment:
        augmentations(augment, seed="check")  # a bad --augment fails before any work
    run = RunDirectory.open(path)
    if run.manifest.get("command") == "generate tasks":  # (seed, generator) rows: arcforge.synthesis
        from arcforge.synthesis.export import export_generators

        return export_generators(run, format=format, out=out)
    verified = verified_keys(run.path)
    target = Path(out) if out else run.path / EXPORT_FORMATS[format]
    lineage = _run_lineage(run)
    stats = _Stats()
    records = (r for r in run.current_records() if entry_identity(r) in verified)
    # A run written against a solver library: its augmented programs import it too, and when the
    # prompts carried the library's interface (--library-doc), the augmented prompts carry it as well.
    libraries = recorded_libraries(run.config) if augment and verified else []
    prompts = _Prompts(libraries if run.config.get("library_doc") else [])
    with RowWriter(target, format) as writer:
        if augment and verified and _needs_sandbox(run) and sandbox is None:
            from arcforge.sandbox import Sandbox

            async with Sandbox(libraries=libraries) as own:
                async for row in _rows(records, augment, own, lineage, stats, conversations, prompts):
                    writer.write(row)
        else:
            async for row in _rows(records, augment, sandbox, lineage, stats, conversations, prompts):
                writer.write(row)
    return ExportSummary(
        target,
        format,
        stats.samples,
        writer.count,
        stats.augmented,
        dict(stats.rejected),
        stats.explanations_dropped,
    )


def _write(target: Path, rows: Iterable[Mapping[str, Any]], format: str) -> None:
    """Write ``rows`` to ``target`` in ``format`` (for exporters of other run kinds)."""
    write_rows(target, rows, format)


@dataclass
class _Stats:
    samples: int = 0
    augmented: int = 0
    explanations_dropped: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


def _needs_sandbox(run: RunDirectory) -> bool:
    return run.config.get("kind") != "reasoning"


async def _rows(
    records: Iterable[dict[str, Any]],
    spec: str | None,
    sandbox: Sandbox | None,
    lineage: dict[str, Any],
    stats: _Stats,
    conversations: bool,
    prompts: _Prompts,
) -> AsyncIterator[dict[str, Any]]:
    """Each verified record's row, then its augmented rows, in batches of :data:`AUGMENT_BATCH`."""
    from arcforge.pipelines.refine_export import export_prompt  # refined samples: one row per conversation

    batch: list[dict[str, Any]] = []

    async def drain() -> list[dict[str, Any]]:
        if not spec:
            return []
        nested = await asyncio.gather(*(_augmented(r, spec, sandbox, lineage, stats, prompts) for r in batch))
        return [row for rows in nested for row in rows]

    for record in records:
        stats.samples += 1
        yield _answer_row(record, export_prompt(record, conversations=conversations), lineage)
        batch.append(record)
        if len(batch) >= AUGMENT_BATCH:
            for row in await drain():
                yield row
            batch = []
    for row in await drain():
        yield row


def _answer_row(
    record: dict[str, Any], prompt: list[dict[str, Any]], lineage: dict[str, Any]
) -> dict[str, Any]:
    if record.get("kind") == "reasoning":
        return _reasoning_row(record, prompt, str(record.get("explanation") or ""), lineage, None)
    return _row(record, prompt, record["python_code"], lineage, None)


def _run_lineage(run: RunDirectory) -> dict[str, Any]:
    config = run.config
    return {
        "run_id": run.run_id,
        "dataset": config.get("dataset"),
        "dataset_hash": config.get("dataset_hash"),
        "template": config.get("template"),
        "template_hash": config.get("template_hash"),
        "encoding": config.get("encoding"),
    }


def _row(
    record: dict[str, Any],
    prompt: list[dict[str, Any]],
    code: str,
    lineage: dict[str, Any],
    transform: str | None,
) -> dict[str, Any]:
    return {
        "messages": [*prompt, assistant_message(record.get("explanation"), code)],
        "metadata": {
            **lineage,
            "key": record["key"],
            "task_id": record["task_id"],
            "task_version": record.get("task_version", 0),
            "sample_index": record.get("sample_index", 0),
            "model": record.get("model"),
            "transform": transform,
            "verified": True,
        },
    }


def _reasoning_row(
    record: dict[str, Any],
    prompt: list[dict[str, Any]],
    text: str,
    lineage: dict[str, Any],
    transform: str | None,
) -> dict[str, Any]:
    row = _row(record, prompt, "", lineage, transform)
    row["messages"][-1] = {"role": "assistant", "content": text.strip()}
    return row


def _rewriter() -> Callable[[str, Transform], str | None] | None:
    """The augmentation's explanation rewriter (``augment.rewrite_explanation``), when it has one."""
    found = getattr(_augment, "rewrite_explanation", None)
    return found if callable(found) else None


def _explanation_for(text: str, transform: Transform, stats: _Stats) -> str:
    rewrite = _rewriter()
    if rewrite is None:
        return text
    rewritten = rewrite(text, transform)
    if rewritten is None:
        stats.explanations_dropped += 1
        return ""
    return rewritten


class _Prompts:
    """The prompt template an augmented row is asked with: the record's, with the libraries' interface
    appended when the run's prompts had it (``--library-doc``); each built once per export."""

    def __init__(self, library_doc: list[str]) -> None:
        self.library_doc = library_doc
        self._built: dict[tuple[str, str | None], PromptTemplate] = {}

    def template(self, record: Mapping[str, Any]) -> str | PromptTemplate | None:
        name = record.get("template") if isinstance(record.get("template"), str) else None
        if not self.library_doc:
            return name
        kind = str(record.get("kind") or "code")
        if (kind, name) not in self._built:
            self._built[kind, name] = run_template(kind, name, self.library_doc)
        return self._built[kind, name]


async def _augmented(
    record: dict[str, Any],
    spec: str,
    sandbox: Sandbox | None,
    lineage: dict[str, Any],
    stats: _Stats,
    prompts: _Prompts,
) -> list[dict[str, Any]]:
    encoding = str(lineage.get("encoding") or "json-rows").split("@")[0]
    task = Task.from_dict(
        record["task_data"], task_id=record["task_id"], version=record.get("task_version", 0)
    )
    kind = str(record.get("kind") or "code")
    rows = []
    for transform in augmentations(spec, seed=record["key"]):
        transformed = transform.apply_task(task)
        prompt = build_messages(kind, transformed, encoding=encoding, template=prompts.template(record))
        if kind == "reasoning":
            rows.append(_augmented_reasoning(record, transform, prompt, lineage, stats))
        else:
            assert sandbox is not None
            program = compose_program(record["python_code"], record.get("entry") or "solve", transform)
            results = await sandbox.run_task(program, transformed)
            if not all(result.status == "passed" for result in results):
                stats.rejected[transform.name] += 1
                continue
            row = _row(record, prompt, program, lineage, transform.name)
            explanation = _explanation_for(str(record.get("explanation") or ""), transform, stats)
            row["messages"][-1] = assistant_message(explanation, program)
            rows.append(row)
    stats.augmented += len(rows)
    return rows


def _augmented_reasoning(
    record: dict[str, Any],
    transform: Transform,
    prompt: list[dict[str, Any]],
    lineage: dict[str, Any],
    stats: _Stats,
) -> dict[str, Any]:
    """The trace for ``transform(task)``: the explanation (rewritten) and the transformed predictions."""
    text = str(record.get("explanation") or "")
    match = _PREDICTIONS_START.search(text)
    explanation = text[: match.start()].rstrip() if match else text
    explanation = _explanation_for(explanation, transform, stats)
    blocks = []
    for index, grid in enumerate(record.get("predictions") or [], start=1):
        moved = transform.apply_grid(Grid.from_rows(grid)).to_list()
        rows = ",\n ".join("[" + ",".join(str(cell) for cell in row) + "]" for row in moved)
        blocks.append(f"Test {index} output:\n```json\n[{rows}]\n```")
    answer = "\n\n".join(part for part in (explanation.strip(), *blocks) if part)
    return _reasoning_row(record, prompt, answer, lineage, transform.name)
