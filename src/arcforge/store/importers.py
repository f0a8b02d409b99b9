"""The original system's files: ``traces_store.json`` (import and export) and ``dataset.json`` (import).

``traces_store.json`` maps a task id to a list of traces, each
``{trace_id, task_id, username, text, score, timestamp, voters: {name: +1|-1}}``. Import keeps
everything needed to write the same file back: ``trace_id`` becomes the trace's ``public_id``, the
text is kept byte for byte, the voters become votes without accounts (``voter_name``), the exact
timestamp and any field arcforge does not know are kept in the trace's ``extra``, and any part of
the score its voters do not explain is kept as ``score_base``. Importing a file twice adds nothing.
A ``username`` that looks like a model id (``vendor/model``) is recorded as a model author.

``dataset.json`` is a list of entries ``{task_id|id, version, signed_by: [...], train, test}``;
each becomes a task version with its signatures (identical content already stored gains the
signatures; different content under the same version number is reported and skipped).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from arcforge.errors import ArcforgeError, InvalidTaskError
from arcforge.store import schema
from arcforge.store.db import Database, utcnow
from arcforge.store.errors import InvalidInput
from arcforge.store.tasks import store_task_version
from arcforge.store.traces import insert_trace, recompute_score
from arcforge.store.values import ImportReport
from arcforge.task.model import Task

__all__ = ["ImportersMixin", "guess_author_kind", "read_json"]

_KNOWN = ("trace_id", "task_id", "username", "text", "score", "timestamp", "voters")
_MODEL_NAME = re.compile(
    r"^[\w.-]+/[\w.:-]+$|^(gpt|o\d|claude|gemini|qwen|llama|deepseek|mistral|grok)[\w.:-]*$", re.I
)
_t = schema.traces
_v = schema.votes


def guess_author_kind(username: str) -> str:
    """``"model"`` for names like ``anthropic/claude-3.7-sonnet`` or ``gpt-4o``, else ``"human"``."""
    return "model" if _MODEL_NAME.match(username) else "human"


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or malformed file is an :class:`InvalidInput` naming it."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not readable JSON ({exc})") from None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _put_legacy_votes(conn: Connection, trace_id: int, voters: dict[str, int]) -> int:
    changed = 0
    now = utcnow()
    for name, value in voters.items():
        row = conn.execute(
            select(_v.c.id, _v.c.value).where(_v.c.trace_id == trace_id, _v.c.voter_name == name)
        ).first()
        if row is None:
            conn.execute(
                _v.insert().values(
                    trace_id=trace_id, voter_name=name, value=value, created_at=now, updated_at=now
                )
            )
            changed += 1
        elif row.value != value:
            conn.execute(_v.update().where(_v.c.id == row.id).values(value=value, updated_at=now))
            changed += 1
    if changed:
        recompute_score(conn, trace_id)
    return changed


def _import_trace(conn: Connection, key: str, place: str, entry: Any, counts: dict[str, Any]) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"].strip():
        counts["problems"].append(f"{place}: not a trace with text; skipped")
        return
    voters = entry.get("voters") or {}
    if not isinstance(voters, dict) or not all(
        isinstance(n, str) and isinstance(v, int) and not isinstance(v, bool) for n, v in voters.items()
    ):
        counts["problems"].append(f"{place}: voters must map names to integers; skipped")
        return
    public_id = str(entry.get("trace_id") or "") or None
    if public_id is not None:
        found = conn.execute(select(_t.c.id).where(_t.c.public_id == public_id)).first()
        if found is not None:
            changed = _put_legacy_votes(conn, found[0], voters)
            counts["votes"] += changed
            counts["updated" if changed else "unchanged"] += 1
            return
    username = str(entry.get("username") or "unknown")
    score = entry.get("score", sum(voters.values()))
    extra: dict[str, Any] = {}
    if "timestamp" in entry:
        extra["original_timestamp"] = entry["timestamp"]
    unknown = {k: v for k, v in entry.items() if k not in _KNOWN or (k == "task_id" and v != key)}
    if unknown:
        extra["original_fields"] = unknown
    if isinstance(score, int) and not isinstance(score, bool):
        score_base = score - sum(voters.values())
    else:
        score_base = 0
        extra["original_score"] = score
    kind = guess_author_kind(username)
    trace_id, created = insert_trace(
        conn,
        task_id=key,
        text=entry["text"],
        author=username,
        author_kind=kind,
        model=username if kind == "model" else None,
        public_id=public_id,
        extra=extra,
        created_at=_timestamp(entry.get("timestamp")),
        score_base=score_base,
    )
    if not created:
        counts["problems"].append(
            f"{place}: same text as stored trace {trace_id}; its voters were added to it"
        )
    counts["votes"] += _put_legacy_votes(conn, trace_id, voters)
    if created and not voters:
        recompute_score(conn, trace_id)
    counts["added" if created else "skipped"] += 1


class ImportersMixin:
    _db: Database

    def import_traces_store(self, source: str | Path | dict[str, Any]) -> ImportReport:
        """Import the original system's ``traces_store.json`` (a path or its parsed content)."""
        data = read_json(source) if isinstance(source, str | Path) else source
        if not isinstance(data, dict):
            raise InvalidInput("a traces store is a JSON object mapping task ids to lists of traces")
        counts: dict[str, Any] = {
            "added": 0,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "votes": 0,
            "problems": [],
        }
        with self._db.write() as conn:
            for key, entries in data.items():
                if not isinstance(entries, list):
                    counts["problems"].append(f"task {key}: expected a list of traces; skipped")
                    continue
                for index, entry in enumerate(entries):
                    try:
                        _import_trace(conn, key, f"{key}[{index}]", entry, counts)
                    except InvalidInput as exc:
                        counts["problems"].append(f"{key}[{index}]: {exc}; skipped")
                        counts["skipped"] += 1
        counts["problems"] = tuple(counts["problems"])
        return ImportReport(**counts)

    def export_traces_store(self) -> dict[str, list[dict[str, Any]]]:
        """Every trace in the original system's ``traces_store.json`` shape (scores and voters included)."""
        users = schema.users
        with self._db.read() as conn:
            rows = conn.execute(select(_t).order_by(_t.c.id)).all()
            voter_rows = conn.execute(
                select(_v.c.trace_id, _v.c.voter_name, users.c.name, _v.c.value)
                .select_from(_v.outerjoin(users, users.c.id == _v.c.user_id))
                .order_by(_v.c.id)
            ).all()
        voters: dict[int, dict[str, int]] = {}
        for trace_id, legacy_name, account_name, value in voter_rows:
            voters.setdefault(trace_id, {})[legacy_name if legacy_name is not None else account_name] = value
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            extra = row.extra or {}
            entry = {
                "trace_id": row.public_id,
                "task_id": row.task_id,
                "username": row.author,
                "text": row.text,
                "score": extra.get("original_score", row.score),
                "timestamp": extra.get("original_timestamp", row.created_at.timestamp()),
                "voters": voters.get(row.id, {}),
            }
            entry.update(extra.get("original_fields", {}))
            out.setdefault(row.task_id, []).append(entry)
        return out

    def import_dataset_file(self, source: str | Path | list[Any]) -> ImportReport:
        """Import the original system's versioned ``dataset.json`` (a path or its parsed list)."""
        data = read_json(source) if isinstance(source, str | Path) else source
        if isinstance(data, dict) and isinstance(data.get("tasks"), list):
            data = data["tasks"]
        if not isinstance(data, list):
            raise InvalidInput(
                "a dataset file is a JSON list of task entries with task_id, version, train and test"
            )
        counts = {"added": 0, "unchanged": 0, "skipped": 0, "signatures": 0}
        problems: list[str] = []
        for index, entry in enumerate(data):
            place = f"entry {index}"
            try:
                task, signers = _dataset_entry(entry)
                with self._db.write() as conn:
                    _row, created, added = store_task_version(
                        conn, task, version=task.version, signers=signers, source="dataset.json"
                    )
                counts["added" if created else "unchanged"] += 1
                counts["signatures"] += added
            except ArcforgeError as exc:
                problems.append(f"{place}: {exc}; skipped")
                counts["skipped"] += 1
        return ImportReport(**counts, problems=tuple(problems))

    def export_dataset(self) -> list[dict[str, Any]]:
        """Every stored task version in the original ``dataset.json`` shape (retired ones included)."""
        tv = schema.task_versions
        with self._db.read() as conn:
            rows = conn.execute(select(tv).order_by(tv.c.task_id, tv.c.version)).all()
            sig = conn.execute(
                select(schema.signatures.c.task_version_id, schema.signatures.c.signer).order_by(
                    schema.signatures.c.id
                )
            ).all()
        signed: dict[int, list[str]] = {}
        for version_id, signer in sig:
            signed.setdefault(version_id, []).append(signer)
        return [
            {
                "task_id": r.task_id,
                "version": r.version,
                "signed_by": signed.get(r.id, []),
                **json.loads(r.content),
            }
            for r in rows
        ]


def _dataset_entry(entry: Any) -> tuple[Task, tuple[str, ...]]:
    if not isinstance(entry, dict):
        raise InvalidInput("not an object")
    task_id = entry.get("task_id", entry.get("id"))
    if not isinstance(task_id, str) or not task_id:
        raise InvalidInput("no task_id")
    version = entry.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise InvalidInput(f"version must be a whole number >= 0, not {version!r}")
    signed_by = entry.get("signed_by") or []
    if isinstance(signed_by, str):
        signed_by = [signed_by]
    if not isinstance(signed_by, list) or not all(isinstance(s, str) and s for s in signed_by):
        raise InvalidInput("signed_by must be a list of names")
    try:
        task = Task.from_dict(entry, task_id=task_id, source=f"{task_id} v{version}", version=version)
    except InvalidTaskError as exc:
        raise InvalidInput(str(exc)) from None
    return task, tuple(signed_by)
