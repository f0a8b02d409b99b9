"""``arcforge traces merge``: add the reasoning of a run's records to the store, once.

A record of ``RUN_DIR/records.jsonl`` whose ``status`` is ``"ok"`` and that carries an explanation
(or, failing that, a ``reasoning`` text) becomes a trace of its task with author = the model,
``author_kind = "model"`` and provenance = the run (``run_id``, record ``key``, model). Each merged
record is remembered in the ``merges`` table under ``(run_id, key)``, so merging the same run again
adds nothing; and traces are content-addressed, so the same text reached by two samples or two runs
is one trace. With ``verified_only``, only records that ``RUN_DIR/verification.jsonl`` marks
``verified: true`` are merged (its last line for a key wins). A truncated last line (a run killed in
the middle of a write) is ignored, as the run engine does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from arcforge.store import schema
from arcforge.store.db import utcnow
from arcforge.store.errors import InvalidInput
from arcforge.store.traces import insert_trace
from arcforge.store.values import ImportReport

__all__ = ["BATCH", "merge_run", "record_text", "verified_keys"]

BATCH = 500
_m = schema.merges


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # an unfinished last line: the run was killed while writing it
                continue
            raise InvalidInput(f"{path}: line {number} is not JSON; fix or remove that line") from None


def verified_keys(run_dir: Path) -> set[str]:
    """The record keys ``verification.jsonl`` marks verified (the last line for a key wins)."""
    path = run_dir / "verification.jsonl"
    if not path.is_file():
        raise InvalidInput(
            f"{path} is missing: run `arcforge verify {run_dir}` first, or drop --verified-only"
        )
    state: dict[str, bool] = {}
    for _number, entry in _jsonl(path):
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            state[entry["key"]] = entry.get("verified") is True
    return {key for key, ok in state.items() if ok}


def record_text(record: dict[str, Any]) -> str | None:
    """The text a record contributes as a trace: its explanation, else its reasoning, else None."""
    for field in ("explanation", "reasoning"):
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _manifest_run_id(run_dir: Path) -> str | None:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return manifest.get("run_id") if isinstance(manifest, dict) else None


def _merge_one(
    conn: Connection, record: dict[str, Any], run_id: str, key: str, extra: dict[str, Any]
) -> bool | None:
    """Merge one record; True when it added a trace, False when its text was stored, None when merged before."""
    if conn.execute(select(_m.c.id).where(_m.c.run_id == run_id, _m.c.record_key == key)).first() is not None:
        return None
    model = str(record.get("model") or "unknown-model")
    version = record.get("task_version")
    trace_id, created = insert_trace(
        conn,
        task_id=str(record["task_id"]),
        text=record_text(record) or "",
        author=model,
        author_kind="model",
        model=model,
        task_version=version if isinstance(version, int) else None,
        run_id=run_id,
        record_key=key,
        extra=extra,
    )
    conn.execute(_m.insert().values(run_id=run_id, record_key=key, trace_id=trace_id, merged_at=utcnow()))
    return created


def _merge_batch(
    conn: Connection, batch: list[tuple[dict[str, Any], str, str, dict[str, Any]]]
) -> tuple[int, int, int, list[str]]:
    added = unchanged = skipped = 0
    notes: list[str] = []
    for record, run_id, key, extra in batch:
        try:
            outcome = _merge_one(conn, record, run_id, key, extra)
        except InvalidInput as exc:
            notes.append(f"record {key}: {exc}; skipped")
            skipped += 1
            continue
        if outcome:
            added += 1
        else:
            unchanged += 1
            if outcome is False:
                notes.append(
                    f"record {key}: same text as a stored trace of {record['task_id']}; linked to it"
                )
    return added, unchanged, skipped, notes


def merge_run(store: Any, run_dir: str | Path, *, verified_only: bool = False) -> ImportReport:
    """Merge ``run_dir``'s records into ``store`` (see the module doc); returns what happened."""
    run_dir = Path(run_dir)
    records_path = run_dir / "records.jsonl"
    if not records_path.is_file():
        raise InvalidInput(f"{records_path} is missing: pass a run directory made by `arcforge generate`")
    verified = verified_keys(run_dir) if verified_only else None
    fallback_run_id = _manifest_run_id(run_dir) or run_dir.resolve().name
    counts = {"added": 0, "unchanged": 0, "skipped": 0}
    problems: list[str] = []
    pending: list[tuple[dict[str, Any], str, str, dict[str, Any]]] = []
    for number, record in _jsonl(records_path):
        if not isinstance(record, dict) or not isinstance(record.get("task_id"), str):
            problems.append(f"{records_path.name} line {number}: not a record with a task_id; skipped")
            counts["skipped"] += 1
            continue
        key = str(record.get("key") or f"{record['task_id']}:line{number}")
        if record.get("status", "ok") != "ok" or record_text(record) is None:
            counts["skipped"] += 1
            continue
        if verified is not None and key not in verified:
            counts["skipped"] += 1
            continue
        run_id = str(record.get("run_id") or fallback_run_id)
        extra = {
            k: record[k] for k in ("kind", "sample_index", "created_at") if record.get(k) is not None
        } | ({"verified": True} if verified is not None else {})
        pending.append((record, run_id, key, extra))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        # re-run whole on a race with a concurrent merge; the tallies come from the run that commits
        added, unchanged, skipped, notes = store.database.retrying(
            lambda conn, b=batch: _merge_batch(conn, b)
        )
        counts["added"] += added
        counts["unchanged"] += unchanged
        counts["skipped"] += skipped
        problems.extend(notes)
    return ImportReport(**counts, problems=tuple(problems))
