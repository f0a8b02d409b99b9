"""Training rows for generator models: each accepted (seed task, generator) pair of a ``generate tasks`` run.

``arcforge export RUN_DIR --format chat-jsonl`` (or ``parquet``) on such a run writes, per generator
that made a task written to ``RUN_DIR/tasks`` (accepted and not a duplicate), the request the model saw
(the seed's train pairs) and its reply's explanation and program, with the new task's id in
``metadata.key``'s place (``transform`` holds ``generated:<new id>``). No ``arcforge verify`` is needed:
the sandbox checked every generator when the run made its task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arcforge.engine import RunDirectory
    from arcforge.pipelines.export import ExportSummary

__all__ = ["export_generators"]


def export_generators(run: RunDirectory, *, format: str, out: Path | str | None) -> ExportSummary:
    from arcforge.pipelines.export import EXPORT_FORMATS, ExportSummary, _row, _run_lineage, _write

    written = {path.stem for path in (run.path / "tasks").glob("*.json")}
    latest: dict[str, dict[str, Any]] = {}
    for record in run.records():
        latest[str(record.get("key"))] = record
    rows = []
    for key in sorted(latest):
        record = latest[key]
        synthesis = record.get("synthesis") or {}
        if synthesis.get("status") != "accepted" or synthesis.get("task_id") not in written:
            continue
        written.discard(synthesis["task_id"])  # a duplicate's generator is exported once, by its first task
        rows.append(
            _row(
                record,
                record["prompt_messages"],
                record["python_code"],
                _run_lineage(run),
                f"generated:{synthesis['task_id']}",
            )
        )
    target = Path(out) if out else run.path / EXPORT_FORMATS[format]
    _write(target, rows, format)
    return ExportSummary(target, format, len(rows), len(rows), 0, {})
