"""Fine-tuning records from a verified code run: OpenAI chat format (JSON lines) or Parquet.

:func:`export_run` takes the samples that ``arcforge verify`` marked verified and writes, for each, the
prompt the model saw and the answer it gave (its explanation and the program) as chat ``messages``,
with ``metadata`` naming the sample's full lineage: run, key, model, dataset and its hash, template and
its hash, encoding, and the transform for augmented records. With ``augment`` each sample also yields
one record per transform T: the prompt rebuilt for the transformed task (with the run's template and
encoding) and the program T ∘ solve ∘ T⁻¹ (:mod:`arcforge.pipelines.augment`), written only after it
passed every train and test pair of the transformed task in the sandbox.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory
from arcforge.errors import RunError, UsageError
from arcforge.pipelines.augment import augmentations, compose_program
from arcforge.pipelines.verify import load_verification
from arcforge.prompts import build_messages
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.sandbox import Sandbox

__all__ = ["EXPORT_FORMATS", "ExportSummary", "assistant_message", "export_run"]

EXPORT_FORMATS = {"chat-jsonl": "export.chat.jsonl", "parquet": "export.parquet"}


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path
    format: str
    verified_samples: int
    records: int
    augmented: int
    rejected: dict[str, int] = field(default_factory=dict)  # augmented programs that failed re-verification

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "verified_samples": self.verified_samples,
            "records": self.records,
            "augmented": self.augmented,
            "rejected": dict(self.rejected),
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
    verification = load_verification(run.path)
    records = [r for r in run.iter_records() if verification.get(str(r.get("key")), {}).get("verified")]
    target = Path(out) if out else run.path / EXPORT_FORMATS[format]
    lineage = _run_lineage(run)
    from arcforge.pipelines.refine_export import export_prompt  # refined samples: one row per conversation

    rows = [
        _row(record, export_prompt(record, conversations=conversations), record["python_code"], lineage, None)
        for record in records
    ]
    rejected: Counter[str] = Counter()
    augmented = 0
    if augment and records:
        from arcforge.sandbox import Sandbox

        if sandbox is None:
            async with Sandbox() as own:
                extra = await _augment_all(records, augment, own, lineage, rejected)
        else:
            extra = await _augment_all(records, augment, sandbox, lineage, rejected)
        augmented = len(extra)
        rows += extra
    _write(target, rows, format)
    return ExportSummary(target, format, len(records), len(rows), augmented, dict(rejected))


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


async def _augment_all(
    records: list[dict[str, Any]],
    spec: str,
    sandbox: Sandbox,
    lineage: dict[str, Any],
    rejected: Counter[str],
) -> list[dict[str, Any]]:
    encoding = str(lineage.get("encoding") or "json-rows").split("@")[0]

    async def one(record: dict[str, Any]) -> list[dict[str, Any]]:
        task = Task.from_dict(
            record["task_data"], task_id=record["task_id"], version=record.get("task_version", 0)
        )
        rows = []
        for transform in augmentations(spec, seed=record["key"]):
            program = compose_program(record["python_code"], record.get("entry") or "solve", transform)
            transformed = transform.apply_task(task)
            results = await sandbox.run_task(program, transformed)
            if not all(result.status == "passed" for result in results):
                rejected[transform.name] += 1
                continue
            kind = str(record.get("kind") or "code")
            prompt = build_messages(kind, transformed, encoding=encoding, template=record.get("template"))
            rows.append(_row(record, prompt, program, lineage, transform.name))
        return rows

    nested = await asyncio.gather(*(one(record) for record in records))
    return [row for rows in nested for row in rows]


def _write(target: Path, rows: list[dict[str, Any]], format: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if format == "chat-jsonl":
            with temporary.open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            flat = [{"messages": row["messages"], **row["metadata"]} for row in rows]
            schema = pa.schema(
                [
                    ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
                    *[
                        (name, pa.string())
                        for name in (
                            "run_id",
                            "dataset",
                            "dataset_hash",
                            "template",
                            "template_hash",
                            "encoding",
                            "key",
                            "task_id",
                        )
                    ],
                    ("task_version", pa.int64()),
                    ("sample_index", pa.int64()),
                    ("model", pa.string()),
                    ("transform", pa.string()),
                    ("verified", pa.bool_()),
                ]
            )
            pq.write_table(pa.Table.from_pylist(flat, schema=schema), temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise RunError(f"cannot write {target}: {exc.strerror or exc}") from exc
