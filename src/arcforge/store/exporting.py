"""``Store.export_all``: everything in the store as one JSON-able dict (the "download everything").

Tasks with every version (content with test outputs, provenance, signatures, retirement), traces
with their votes, attempts with their action logs, conversations with their messages, and the
accounts by name and role. Password hashes and sessions are never exported. Timestamps are ISO
8601 in UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from arcforge.store import schema
from arcforge.store.db import Database, utcnow
from arcforge.store.migrations import current_version

__all__ = ["EXPORT_FORMAT", "ExportMixin"]

EXPORT_FORMAT = "arcforge-store-export/1"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _rows(conn: Connection, table: Any) -> list[Any]:
    return list(conn.execute(select(table).order_by(table.c.id)).all())


class ExportMixin:
    _db: Database

    def export_all(self) -> dict[str, Any]:
        """Every task version, trace, vote, attempt (with its action log), conversation and account."""
        with self._db.read() as conn:
            version = current_version(conn)
            users = _rows(conn, schema.users)
            names = {u.id: u.name for u in users}
            signatures: dict[int, list[dict[str, Any]]] = {}
            for s in _rows(conn, schema.signatures):
                signatures.setdefault(s.task_version_id, []).append(
                    {"signer": s.signer, "account": names.get(s.user_id), "signed_at": _iso(s.signed_at)}
                )
            votes: dict[int, list[dict[str, Any]]] = {}
            for v in _rows(conn, schema.votes):
                votes.setdefault(v.trace_id, []).append(
                    {
                        "voter": names.get(v.user_id) if v.user_id is not None else v.voter_name,
                        "account": v.user_id is not None,
                        "value": v.value,
                        "created_at": _iso(v.created_at),
                        "updated_at": _iso(v.updated_at),
                    }
                )
            messages: dict[int, list[dict[str, Any]]] = {}
            for m in _rows(conn, schema.messages):
                messages.setdefault(m.conversation_id, []).append(
                    {
                        "role": m.role,
                        "content": m.content,
                        "model": m.model,
                        "cost_usd": m.cost_usd,
                        "usage": m.usage,
                        "created_at": _iso(m.created_at),
                    }
                )
            tasks = [
                {
                    "task_id": t.task_id,
                    "version": t.version,
                    "content": json.loads(t.content),
                    "content_hash": t.content_hash,
                    "source": t.source,
                    "parent_version": t.parent_version,
                    "transform": t.transform,
                    "created_by": names.get(t.created_by),
                    "created_at": _iso(t.created_at),
                    "retired": bool(t.retired),
                    "retired_at": _iso(t.retired_at),
                    "retired_by": names.get(t.retired_by),
                    "signatures": signatures.get(t.id, []),
                }
                for t in _rows(conn, schema.task_versions)
            ]
            traces = [
                {
                    "id": t.id,
                    "public_id": t.public_id,
                    "task_id": t.task_id,
                    "task_version": t.task_version,
                    "text": t.text,
                    "author": t.author,
                    "author_kind": t.author_kind,
                    "account": names.get(t.user_id),
                    "run_id": t.run_id,
                    "record_key": t.record_key,
                    "model": t.model,
                    "score": t.score,
                    "extra": t.extra,
                    "created_at": _iso(t.created_at),
                    "updated_at": _iso(t.updated_at),
                    "votes": votes.get(t.id, []),
                }
                for t in _rows(conn, schema.traces)
            ]
            attempts = [
                {
                    "id": a.id,
                    "account": names.get(a.user_id),
                    "client_id": a.client_id,
                    "task_id": a.task_id,
                    "task_version": a.task_version,
                    "test_index": a.test_index,
                    "grid": a.grid,
                    "correct": bool(a.correct),
                    "answer_seen": None if a.answer_seen is None else bool(a.answer_seen),
                    "created_at": _iso(a.created_at),
                    "action_log": a.action_log,
                }
                for a in _rows(conn, schema.attempts)
            ]
            conversations = [
                {
                    "id": c.id,
                    "account": names.get(c.user_id),
                    "task_id": c.task_id,
                    "task_version": c.task_version,
                    "model": c.model,
                    "created_at": _iso(c.created_at),
                    "messages": messages.get(c.id, []),
                }
                for c in _rows(conn, schema.conversations)
            ]
        return {
            "format": EXPORT_FORMAT,
            "schema_version": version,
            "exported_at": _iso(utcnow()),
            "users": [{"name": u.name, "role": u.role, "created_at": _iso(u.created_at)} for u in users],
            "tasks": tasks,
            "traces": traces,
            "attempts": attempts,
            "conversations": conversations,
        }
