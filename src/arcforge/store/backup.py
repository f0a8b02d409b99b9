"""Backups through SQLite's online backup API, and rotation of a backup folder.

The online backup copies a consistent snapshot page by page while other processes keep reading
and writing, so a running server need not stop. A backup is written to a ``.partial`` file and
renamed when complete, so a folder never holds a half-written backup under a final name. For
PostgreSQL use ``pg_dump``; :meth:`BackupMixin.backup` says so.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from arcforge.errors import StoreError
from arcforge.store.db import Database, utcnow

__all__ = ["BACKUP_GLOB", "BackupMixin", "prune_backups"]

BACKUP_PREFIX = "arcforge-"
BACKUP_GLOB = f"{BACKUP_PREFIX}*.db"


def prune_backups(directory: str | Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest rotated backups in ``directory``; returns what was deleted."""
    if keep < 1:
        raise StoreError("keep at least one backup (keep >= 1)")
    found = sorted(Path(directory).glob(BACKUP_GLOB))  # names hold the UTC time, so they sort by age
    doomed = found[:-keep]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


class BackupMixin:
    _db: Database

    def backup(self, path: str | Path) -> Path:
        """Copy the whole database to ``path`` (a new SQLite file) while it stays in use."""
        if not self._db.is_sqlite:
            raise StoreError("online backup works for SQLite stores; back up PostgreSQL with pg_dump")
        target = Path(path).expanduser()
        if target.exists():
            raise StoreError(f"{target} exists already: choose a new file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        raw = self._db.engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with contextlib.closing(sqlite3.connect(partial)) as dest:
                source.backup(dest, pages=1024)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"backup to {target} failed: {exc}") from exc
        finally:
            raw.close()
        partial.rename(target)
        return target

    def backup_rotating(self, directory: str | Path, *, keep: int = 10) -> Path:
        """Write ``directory/arcforge-<UTC time>.db`` and keep only the ``keep`` newest such backups.

        The web app calls this periodically (automatic backups with pruning).
        """
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        path = self.backup(Path(directory) / f"{BACKUP_PREFIX}{stamp}.db")
        prune_backups(directory, keep=keep)
        return path
