"""Reasoning traces and votes.

Traces are content-addressed: the key is the task id plus the sha256 of the text with line endings
normalised and outer whitespace stripped, so the same reasoning for the same task is stored once
(adding it again returns the stored trace); the text itself is kept exactly as given. The store
enforces who may change a trace: its author's account, or a moderator. Traces without an account
(imported, or merged from a model run) can be changed by moderators only.

A vote is +1 or -1, one per account per trace, and can be changed or withdrawn. The trace's
``score`` column is recomputed from its votes in the same transaction as every vote change, so
listings sorted by score are cheap and always agree with the votes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from arcforge.limits import TRACE_MAX_CHARS
from arcforge.store import schema
from arcforge.store.db import Database, inserted_id, utcnow
from arcforge.store.errors import Conflict, InvalidInput, NotAuthorized, NotFound
from arcforge.store.values import AUTHOR_KINDS, Trace, User

__all__ = ["MAX_TRACE_CHARS", "TracesMixin", "insert_trace", "recompute_score", "text_hash"]

MAX_TRACE_CHARS = TRACE_MAX_CHARS  # defined once, in arcforge.limits
MAX_TASK_ID_CHARS = 128
_t = schema.traces
_v = schema.votes


def text_hash(text: str) -> str:
    """The content address of a trace text: sha256 of it with CRLF -> LF and outer whitespace stripped."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def _check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("a trace needs some text")
    if len(text) > MAX_TRACE_CHARS:
        raise InvalidInput(f"a trace has at most {MAX_TRACE_CHARS} characters; this one has {len(text)}")
    return text


def _check_task_id(task_id: Any) -> str:
    if not isinstance(task_id, str) or not task_id or len(task_id) > MAX_TASK_ID_CHARS:
        raise InvalidInput(f"invalid task id {task_id!r}")
    return task_id


def _count(sign: int) -> Any:
    """Votes one way on the trace of the enclosing row (a correlated subquery, using the votes index)."""
    direction = _v.c.value > 0 if sign > 0 else _v.c.value < 0
    return select(func.count()).where(_v.c.trace_id == _t.c.id, direction).correlate(_t).scalar_subquery()


def _trace_query(viewer_id: int | None) -> Any:
    query = select(_t, _count(1).label("up"), _count(-1).label("down"))
    if viewer_id is not None:
        mine = (
            select(_v.c.value)
            .where(_v.c.trace_id == _t.c.id, _v.c.user_id == viewer_id)
            .correlate(_t)
            .scalar_subquery()
        )
        query = query.add_columns(mine.label("my_vote"))
    return query


def _trace(row: Any) -> Trace:
    mapping = row._mapping
    return Trace(
        id=row.id,
        public_id=row.public_id,
        task_id=row.task_id,
        task_version=row.task_version,
        text=row.text,
        author=row.author,
        author_kind=row.author_kind,
        user_id=row.user_id,
        score=int(row.score),
        up=int(row.up),
        down=int(row.down),
        created_at=row.created_at,
        updated_at=row.updated_at,
        run_id=row.run_id,
        record_key=row.record_key,
        model=row.model,
        my_vote=mapping.get("my_vote"),
        extra=dict(row.extra or {}),
    )


def recompute_score(conn: Connection, trace_id: int) -> None:
    """Set a trace's score to its base plus the sum of its votes (inside the caller's transaction).

    The trace row is locked first, so on PostgreSQL the sum is read by a later statement, after any
    concurrent vote on the same trace has committed (READ COMMITTED takes a snapshot per statement).
    """
    conn.execute(select(_t.c.id).where(_t.c.id == trace_id).with_for_update())
    total = select(func.coalesce(func.sum(_v.c.value), 0)).where(_v.c.trace_id == trace_id).scalar_subquery()
    conn.execute(_t.update().where(_t.c.id == trace_id).values(score=_t.c.score_base + total))


def insert_trace(
    conn: Connection,
    *,
    task_id: str,
    text: str,
    author: str,
    author_kind: str,
    user_id: int | None = None,
    task_version: int | None = None,
    run_id: str | None = None,
    record_key: str | None = None,
    model: str | None = None,
    public_id: str | None = None,
    extra: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    score_base: int = 0,
) -> tuple[int, bool]:
    """Insert a trace unless the same text exists for the task; returns ``(id, created)``."""
    _check_task_id(task_id)
    _check_text(text)
    if author_kind not in AUTHOR_KINDS:
        raise InvalidInput(f"invalid author kind {author_kind!r}: use one of {', '.join(AUTHOR_KINDS)}")
    if not author or len(author) > 255:
        raise InvalidInput("a trace needs an author of at most 255 characters")
    digest = text_hash(text)
    found = conn.execute(select(_t.c.id).where(_t.c.task_id == task_id, _t.c.text_hash == digest)).first()
    if found is not None:
        return int(found[0]), False
    now = utcnow()
    values = {
        "public_id": public_id or f"{task_id}_{author}_{secrets.token_hex(4)}",
        "task_id": task_id,
        "task_version": task_version,
        "text": text,
        "text_hash": digest,
        "author": author,
        "author_kind": author_kind,
        "user_id": user_id,
        "run_id": run_id,
        "record_key": record_key,
        "model": model,
        "score": score_base,
        "score_base": score_base,
        "extra": extra or {},
        "created_at": created_at or now,
        "updated_at": created_at or now,
    }
    return inserted_id(conn.execute(_t.insert().values(**values))), True


class TracesMixin:
    _db: Database

    def add_trace(
        self,
        task_id: str,
        text: str,
        *,
        user: User | None = None,
        author: str | None = None,
        author_kind: str = "human",
        task_version: int | None = None,
        run_id: str | None = None,
        record_key: str | None = None,
        model: str | None = None,
    ) -> Trace:
        """Add a trace and return it; when the same text exists for the task, return that one.

        A web user passes ``user`` (the author is then their name, and they may edit it later;
        ``author_kind`` may be ``"model_assisted"``). Other callers pass ``author`` (a name or a
        model id) and ``author_kind``. Check ``trace.user_id``/``trace.author`` to see whether the
        returned trace is the caller's own or an existing one.
        """
        if user is not None:
            author = user.name
            if author_kind == "model":
                raise InvalidInput("a trace added by an account is 'human' or 'model_assisted'")
        if author is None:
            raise InvalidInput("add_trace needs a user or an author")

        def run(conn: Connection) -> int:
            trace_id, _created = insert_trace(
                conn,
                task_id=task_id,
                text=text,
                author=author,
                author_kind=author_kind,
                user_id=None if user is None else user.id,
                task_version=task_version,
                run_id=run_id,
                record_key=record_key,
                model=model,
            )
            return trace_id

        return self.get_trace(self._db.retrying(run))

    def get_trace(self, trace_id: int | str, *, viewer: User | None = None) -> Trace:
        """A trace by its id (int) or public id (str); raises :class:`NotFound`."""
        cond = _t.c.id == trace_id if isinstance(trace_id, int) else _t.c.public_id == trace_id
        with self._db.read() as conn:
            row = conn.execute(_trace_query(None if viewer is None else viewer.id).where(cond)).first()
        if row is None:
            raise NotFound(f"no trace {trace_id!r}")
        return _trace(row)

    def list_traces(
        self, task_id: str | None = None, *, viewer: User | None = None, task_version: int | None = None
    ) -> list[Trace]:
        """Traces of a task (or of all tasks), best score first, then oldest first.

        With ``viewer``, each trace's ``my_vote`` is that account's vote. ``task_version`` keeps
        only traces written for that version.
        """
        query = _trace_query(None if viewer is None else viewer.id)
        if task_id is not None:
            query = query.where(_t.c.task_id == task_id)
        if task_version is not None:
            query = query.where(_t.c.task_version == task_version)
        query = query.order_by(_t.c.score.desc(), _t.c.created_at, _t.c.id)
        with self._db.read() as conn:
            return [_trace(r) for r in conn.execute(query)]

    def count_traces(self, task_id: str | None = None) -> int:
        query = select(func.count()).select_from(_t)
        if task_id is not None:
            query = query.where(_t.c.task_id == task_id)
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def traced_task_ids(self) -> list[str]:
        """Every task id that has at least one trace, sorted."""
        with self._db.read() as conn:
            return [r[0] for r in conn.execute(select(_t.c.task_id).distinct().order_by(_t.c.task_id))]

    def _owned_row(self, conn: Connection, trace_id: int, user: User, verb: str) -> Any:
        row = conn.execute(select(_t).where(_t.c.id == trace_id)).first()
        if row is None:
            raise NotFound(f"no trace {trace_id!r}")
        if not (user.is_moderator or (row.user_id is not None and row.user_id == user.id)):
            raise NotAuthorized(f"only the trace's author or a moderator may {verb} it")
        return row

    def edit_trace(self, trace_id: int, text: str, *, user: User) -> Trace:
        """Replace a trace's text; allowed for its author's account and for moderators.

        Raises :class:`Conflict` when the task already has another trace with that text.
        """
        _check_text(text)

        def run(conn: Connection) -> None:
            row = self._owned_row(conn, trace_id, user, "edit")
            digest = text_hash(text)
            other = conn.execute(
                select(_t.c.id).where(
                    _t.c.task_id == row.task_id, _t.c.text_hash == digest, _t.c.id != trace_id
                )
            ).first()
            if other is not None:
                raise Conflict(f"task {row.task_id} already has a trace with this text (trace {other[0]})")
            conn.execute(
                _t.update()
                .where(_t.c.id == trace_id)
                .values(text=text, text_hash=digest, updated_at=utcnow())
            )

        self._db.retrying(run)
        return self.get_trace(trace_id, viewer=user)

    def delete_trace(self, trace_id: int, *, user: User) -> None:
        """Delete a trace and its votes; allowed for its author's account and for moderators."""
        with self._db.write() as conn:
            self._owned_row(conn, trace_id, user, "delete")
            conn.execute(delete(_t).where(_t.c.id == trace_id))

    def vote(self, trace_id: int, *, user: User, value: int) -> Trace:
        """Set ``user``'s vote on a trace to +1 or -1 (a new vote, or a change); returns the trace.

        Raises :class:`NotAuthorized` for a vote on one's own trace."""
        if value not in (1, -1):
            raise InvalidInput(f"a vote is +1 or -1, not {value!r}")

        def run(conn: Connection) -> None:
            row = conn.execute(
                select(_t.c.id, _t.c.user_id).where(_t.c.id == trace_id).with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no trace {trace_id!r}")
            if row.user_id is not None and row.user_id == user.id:
                raise NotAuthorized(
                    "you cannot vote on your own trace: votes say what other people think of a trace"
                )
            now = utcnow()
            updated = conn.execute(
                _v.update()
                .where(_v.c.trace_id == trace_id, _v.c.user_id == user.id)
                .values(value=value, updated_at=now)
            )
            if updated.rowcount == 0:
                conn.execute(
                    _v.insert().values(
                        trace_id=trace_id, user_id=user.id, value=value, created_at=now, updated_at=now
                    )
                )
            recompute_score(conn, trace_id)

        self._db.retrying(run)
        return self.get_trace(trace_id, viewer=user)

    def withdraw_vote(self, trace_id: int, *, user: User) -> Trace:
        """Remove ``user``'s vote on a trace (nothing happens when there is none); returns the trace."""
        with self._db.write() as conn:
            if conn.execute(select(_t.c.id).where(_t.c.id == trace_id).with_for_update()).first() is None:
                raise NotFound(f"no trace {trace_id!r}")
            conn.execute(delete(_v).where(_v.c.trace_id == trace_id, _v.c.user_id == user.id))
            recompute_score(conn, trace_id)
        return self.get_trace(trace_id, viewer=user)

    def trace_voters(self, trace_id: int) -> dict[str, int]:
        """Who voted what on a trace: account names and the original system's voter names."""
        query = (
            select(func.coalesce(schema.users.c.name, _v.c.voter_name), _v.c.value)
            .select_from(_v.outerjoin(schema.users, schema.users.c.id == _v.c.user_id))
            .where(_v.c.trace_id == trace_id)
            .order_by(_v.c.id)
        )
        with self._db.read() as conn:
            return {name: int(value) for name, value in conn.execute(query)}
