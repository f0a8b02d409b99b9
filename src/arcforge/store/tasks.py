"""Task versions, their signatures and retirement.

Version numbers belong to a task id and never change meaning: a signed variation becomes the next
version (one more than the highest, retired ones included), and retiring only sets a flag.
Signing content that is already stored as a live version adds a signature to it instead of a new
version. The content kept is the canonical JSON of the pairs *with* test outputs, which only
server-side code reads: use :meth:`arcforge.task.model.Task.without_test_outputs` before showing it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select

from arcforge.errors import InvalidTaskError
from arcforge.store import schema
from arcforge.store.db import Database, utcnow
from arcforge.store.errors import Conflict, InvalidInput, NotAuthorized, NotFound
from arcforge.store.values import TaskVersion, User
from arcforge.task.model import Provenance, Task

__all__ = ["TasksMixin", "canonical_content", "store_task_version"]

_tv = schema.task_versions
_sg = schema.signatures


def canonical_content(task: Task) -> str:
    """The canonical JSON of a task's pairs (test outputs included), as stored."""
    return json.dumps(task.to_dict(), separators=(",", ":"), sort_keys=True)


def _signers(conn: Connection, version_id: int) -> tuple[str, ...]:
    rows = conn.execute(select(_sg.c.signer).where(_sg.c.task_version_id == version_id).order_by(_sg.c.id))
    return tuple(r[0] for r in rows)


def _version(conn: Connection, row: Any) -> TaskVersion:
    return TaskVersion(
        task_id=row.task_id,
        version=row.version,
        content_hash=row.content_hash,
        source=row.source,
        parent_version=row.parent_version,
        transform=row.transform,
        signers=_signers(conn, row.id),
        created_at=row.created_at,
        retired=bool(row.retired),
        retired_at=row.retired_at,
    )


def _add_signature(conn: Connection, version_id: int, signer: str, user_id: int | None) -> bool:
    exists = conn.execute(
        select(_sg.c.id).where(_sg.c.task_version_id == version_id, _sg.c.signer == signer)
    ).first()
    if exists is not None:
        return False
    conn.execute(
        _sg.insert().values(task_version_id=version_id, signer=signer, user_id=user_id, signed_at=utcnow())
    )
    return True


def store_task_version(
    conn: Connection,
    task: Task,
    *,
    version: int | None,
    signers: tuple[str, ...] = (),
    user_id: int | None = None,
    parent_version: int | None = None,
    transform: str | None = None,
    source: str = "",
) -> tuple[Any, bool, int]:
    """Store ``task`` (inside a write transaction); returns ``(row, created, signatures added)``.

    With ``version=None`` identical live content gets the signatures, else a new version is made.
    With an explicit version, identical content there gets the signatures; different content is a
    :class:`Conflict`.
    """
    content_hash = task.content_hash()
    if version is None:
        row = conn.execute(
            select(_tv)
            .where(_tv.c.task_id == task.id, _tv.c.content_hash == content_hash, _tv.c.retired.is_(False))
            .order_by(_tv.c.version)
        ).first()
    else:
        row = conn.execute(select(_tv).where(_tv.c.task_id == task.id, _tv.c.version == version)).first()
        if row is not None and row.content_hash != content_hash:
            raise Conflict(f"task {task.id} version {version} is stored with different content")
    created = row is None
    if row is None:
        if version is None:
            top = conn.execute(select(func.max(_tv.c.version)).where(_tv.c.task_id == task.id)).scalar()
            version = 0 if top is None else int(top) + 1
        conn.execute(
            _tv.insert().values(
                task_id=task.id,
                version=version,
                content=canonical_content(task),
                content_hash=content_hash,
                source=source or task.source,
                parent_version=parent_version,
                transform=transform,
                created_by=user_id,
                created_at=utcnow(),
                retired=False,
            )
        )
        row = conn.execute(select(_tv).where(_tv.c.task_id == task.id, _tv.c.version == version)).one()
    added = sum(_add_signature(conn, row.id, signer, user_id) for signer in signers)
    return row, created, added


class TasksMixin:
    _db: Database

    def add_task_version(
        self,
        task: Task,
        *,
        signer: User | str | None = None,
        parent_version: int | None = None,
        transform: str | None = None,
        version: int | None = None,
        require_test_outputs: bool = True,
    ) -> tuple[TaskVersion, bool]:
        """Store a task (a signed variation, or a dataset's original); returns ``(version, created)``.

        Without ``version``, identical live content for ``task.id`` gets ``signer``'s signature and
        is returned with ``created=False``; otherwise a new version numbered one past the highest is
        made with its provenance (``parent_version``, ``transform``). Pass ``version`` to store a
        known version number (importing a dataset, seeding version 0). Every test pair needs an
        output unless ``require_test_outputs=False``.
        """
        if require_test_outputs and not task.has_test_outputs:
            raise InvalidInput(f"task {task.id}: every test input needs an output before it can be stored")
        if parent_version is not None and transform is None:
            raise InvalidInput("a variation with a parent version needs the transform's name")
        signer_name = signer.name if isinstance(signer, User) else signer
        user_id = signer.id if isinstance(signer, User) else None
        signers = (signer_name,) if signer_name else ()

        def run(conn: Connection) -> tuple[bool, TaskVersion]:
            if parent_version is not None:
                parent = conn.execute(
                    select(_tv.c.id).where(_tv.c.task_id == task.id, _tv.c.version == parent_version)
                ).first()
                if parent is None:
                    raise NotFound(f"task {task.id} has no version {parent_version} to derive from")
            row, created, _added = store_task_version(
                conn,
                task,
                version=version,
                signers=signers,
                user_id=user_id,
                parent_version=parent_version,
                transform=transform,
            )
            return created, _version(conn, row)

        created, stored = self._db.retrying(run)
        return stored, created

    def sign_task_version(self, task_id: str, version: int, *, signer: User | str) -> TaskVersion:
        """Add a signature to a stored version (signing twice is one signature)."""
        name = signer.name if isinstance(signer, User) else signer
        user_id = signer.id if isinstance(signer, User) else None
        with self._db.write() as conn:
            row = self._version_row(conn, task_id, version)
            _add_signature(conn, row.id, name, user_id)
            return _version(conn, row)

    def retire_task_version(
        self, task_id: str, version: int, *, user: User, retired: bool = True
    ) -> TaskVersion:
        """Retire (or, with ``retired=False``, restore) a version; moderators only."""
        if not user.is_moderator:
            raise NotAuthorized("only a moderator may retire a task version")
        with self._db.write() as conn:
            row = self._version_row(conn, task_id, version)
            conn.execute(
                _tv.update()
                .where(_tv.c.id == row.id)
                .values(
                    retired=retired,
                    retired_at=utcnow() if retired else None,
                    retired_by=user.id if retired else None,
                )
            )
            return _version(conn, self._version_row(conn, task_id, version))

    def get_task(self, task_id: str, version: int = 0) -> Task:
        """A stored task version as a :class:`Task` with its test outputs (server side only)."""
        with self._db.read() as conn:
            row = self._version_row(conn, task_id, version)
            signers = _signers(conn, row.id)
        try:
            task = Task.from_dict(
                json.loads(row.content), task_id=task_id, source=row.source, version=version, signers=signers
            )
        except InvalidTaskError as exc:
            raise NotFound(f"task {task_id} version {version} is stored but unreadable: {exc}") from exc
        if row.parent_version is None:
            return task
        provenance = Provenance(task_id, row.parent_version, row.transform or "")
        return Task(task.id, task.train, task.test, task.version, task.signers, task.source, provenance)

    def list_task_versions(self, task_id: str, *, include_retired: bool = True) -> list[TaskVersion]:
        """Every stored version of a task, lowest number first."""
        query = select(_tv).where(_tv.c.task_id == task_id).order_by(_tv.c.version)
        if not include_retired:
            query = query.where(_tv.c.retired.is_(False))
        with self._db.read() as conn:
            return [_version(conn, row) for row in conn.execute(query).all()]

    def list_task_ids(self) -> list[str]:
        """Every task id with at least one stored version, sorted."""
        with self._db.read() as conn:
            return [r[0] for r in conn.execute(select(_tv.c.task_id).distinct().order_by(_tv.c.task_id))]

    @staticmethod
    def _version_row(conn: Connection, task_id: str, version: int) -> Any:
        row = conn.execute(select(_tv).where(_tv.c.task_id == task_id, _tv.c.version == version)).first()
        if row is None:
            raise NotFound(f"task {task_id} has no stored version {version}")
        return row
