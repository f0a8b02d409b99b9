"""The index of one run folder: a small SQLite file beside the run, kept up to date with its files.

Opening a run of 100,000 records must not mean parsing 100,000 JSON lines each time. The first open reads
``records.jsonl`` once, as a stream, and keeps one row per record (where its line is, and the few fields
the summaries need: task, status, tokens, cost, latency, train accuracy, lineage; a record that ``supersedes``
earlier ones of its key on ``--resume`` leaves only itself in the ``live`` view); ``verification.jsonl``
gets one row per sample key (its last line wins). Later opens read only what was appended since (the
index remembers the byte offset it reached), so a running run's new records appear at once; a file that
was rewritten (another inode, shorter, or different first bytes) is indexed again from the start.

The file is ``RUN_DIR/.viewer-index.sqlite``; when the run folder is not writable it goes to the cache
folder given instead. Nothing in the run folder itself is changed. Several threads or processes may open
the same index: the update runs in one ``BEGIN IMMEDIATE`` transaction and re-reads where it stands.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path
from typing import Any

from arcforge.viewer.jsonl import HEAD_BYTES, head_hash, iter_lines

__all__ = ["INDEX_NAME", "RECORDS", "VERIFICATION", "RunIndex"]

INDEX_NAME = ".viewer-index.sqlite"
RECORDS = "records.jsonl"
VERIFICATION = "verification.jsonl"
SCHEMA = 6
_BATCH = 2000

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
  id INTEGER PRIMARY KEY, off INTEGER NOT NULL, len INTEGER NOT NULL, key TEXT, task TEXT NOT NULL,
  sample_index INTEGER, status TEXT, kind TEXT, parent TEXT, round INTEGER, train_passed INTEGER,
  train_total INTEGER, has_code INTEGER, cost REAL, prompt_tokens INTEGER, completion_tokens INTEGER,
  reasoning_tokens INTEGER, latency REAL, cached INTEGER, created_at TEXT, synth TEXT, synth_reason TEXT,
  current INTEGER NOT NULL DEFAULT 1);
CREATE VIEW IF NOT EXISTS live AS SELECT * FROM samples WHERE current = 1;
CREATE INDEX IF NOT EXISTS samples_task ON samples (task, sample_index);
CREATE INDEX IF NOT EXISTS samples_key ON samples (key);
CREATE INDEX IF NOT EXISTS samples_latency ON samples (latency);
CREATE TABLE IF NOT EXISTS cache (name TEXT PRIMARY KEY, generation TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verification (
  key TEXT PRIMARY KEY, verified INTEGER, outcome TEXT, off INTEGER NOT NULL, len INTEGER NOT NULL);
"""


def task_ref(record: Mapping[str, Any]) -> str:
    """How a task is named in the viewer: its id, with ``:vN`` for a signed variation (N > 0)."""
    task_id = str(record.get("task_id") or "?")
    version = record.get("task_version") or 0
    return task_id if version in (0, "0") else f"{task_id}:v{version}"


def _number(value: Any, kind: type = float) -> Any:
    try:
        return None if value is None or isinstance(value, bool) else kind(value)
    except (TypeError, ValueError):
        return None


def _train(record: Mapping[str, Any]) -> tuple[Any, Any]:
    """Train pairs passed and total, wherever a record keeps them (code benchmarks, refinement)."""
    for holder in (record.get("benchmark"), record.get("refine"), record):
        if isinstance(holder, Mapping) and holder.get("train_total") is not None:
            return _number(holder.get("train_passed"), int), _number(holder.get("train_total"), int)
    return None, None


def _sample_row(offset: int, length: int, record: Any) -> tuple[Any, ...] | None:
    if not isinstance(record, Mapping):
        return None  # a damaged line (not a JSON object) is no sample
    given = record.get("usage")
    usage: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    passed, total = _train(record)
    found = record.get("synthesis")
    synthesis: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    status = record.get("status")
    status = getattr(status, "value", status)
    return (
        offset,
        length,
        None if record.get("key") is None else str(record.get("key")),
        task_ref(record),
        _number(record.get("sample_index"), int),
        None if status is None else str(status),
        None if record.get("kind") is None else str(record.get("kind")),
        None if record.get("parent") is None else str(record.get("parent")),
        _number(record.get("round"), int),
        passed,
        total,
        1 if record.get("python_code") else 0,
        _number(record.get("cost_usd")),  # None: unknown (no price for the model)
        _number(usage.get("prompt_tokens"), int) or 0,
        _number(usage.get("completion_tokens"), int) or 0,
        _number(usage.get("reasoning_tokens"), int) or 0,
        _number(record.get("latency_s")),
        1 if record.get("cached") else 0,
        None if record.get("created_at") is None else str(record.get("created_at")),
        None if synthesis.get("status") is None else str(synthesis.get("status")),  # generate tasks
        None if synthesis.get("reason") is None else str(synthesis.get("reason")),
    )


def _verification_row(offset: int, length: int, entry: Any) -> tuple[Any, ...] | None:
    if not isinstance(entry, Mapping) or entry.get("key") is None:
        return None
    verified = entry.get("verified")
    return (
        str(entry["key"]),
        None if verified is None else int(bool(verified)),
        entry.get("outcome"),
        offset,
        length,
    )


_SAMPLE_INSERT = "INSERT INTO samples (off, len, key, task, sample_index, status, kind, parent, round, train_passed, train_total, has_code, cost, prompt_tokens, completion_tokens, reasoning_tokens, latency, cached, created_at, synth, synth_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"  # noqa: E501
_VERIFY_INSERT = "INSERT OR REPLACE INTO verification (key, verified, outcome, off, len) VALUES (?,?,?,?,?)"


class RunIndex:
    """The index of the run in ``folder``; :meth:`refresh` brings it up to date, :meth:`read` queries it."""

    def __init__(self, folder: Path, *, root: Path | None = None, cache_dir: Path | None = None) -> None:
        self.folder = folder
        self.root = root or folder
        self.path = self._location(folder, cache_dir)
        self._lock = threading.Lock()
        self._conn = self._connect()

    @staticmethod
    def _location(folder: Path, cache_dir: Path | None) -> Path:
        if os.access(folder, os.W_OK):
            return folder / INDEX_NAME
        cache_dir = cache_dir or Path(tempfile.gettempdir()) / f"arcforge-viewer-index-{os.getuid()}"
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cache_dir / f"{sha256(str(folder).encode()).hexdigest()[:24]}.sqlite"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=OFF")
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found != SCHEMA:
            conn.executescript(
                "DROP VIEW IF EXISTS live; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS samples;"
                " DROP TABLE IF EXISTS verification;"
                " DROP TABLE IF EXISTS cache;"
            )
            conn.executescript(_TABLES)
            conn.execute(f"PRAGMA user_version={SCHEMA}")
        self._inode = self.path.stat().st_ino
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for queries (one thread at a time)."""
        with self._lock:
            yield self._conn

    def cached(self, name: str, compute: Callable[[sqlite3.Connection], Any]) -> Any:
        """``compute(conn)``, kept in the index until the run's files change (JSON values only): the
        aggregates over every record are computed once per change, not once per page view."""
        with self._lock:
            conn = self._conn
            generation = str(conn.execute("SELECT group_concat(name || value, '|') FROM meta").fetchone()[0])
            row = conn.execute("SELECT generation, value FROM cache WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] == generation:
                return json.loads(row[1])
            value = compute(conn)
            encoded = json.dumps(value)
            conn.execute(
                "INSERT OR REPLACE INTO cache (name, generation, value) VALUES (?, ?, ?)",
                (name, generation, encoded),
            )
            return json.loads(encoded)

    def refresh(self) -> bool:
        """Index what was appended since the last call; True when anything changed."""
        with self._lock:
            try:
                gone = self.path.stat().st_ino != self._inode
            except OSError:
                gone = True
            if gone:  # the index file was deleted (the run folder removed and made again): start over
                self._conn.close()
                self._conn = self._connect()
            changed = self._advance(RECORDS, "samples", _sample_row, _SAMPLE_INSERT)
            return self._advance(VERIFICATION, "verification", _verification_row, _VERIFY_INSERT) or changed

    def file(self, name: str) -> Path | None:
        """The run's file ``name`` (symlinks followed), or None when missing or outside the root."""
        try:
            real = (self.folder / name).resolve(strict=True)
        except OSError:
            return None
        return real if real.is_relative_to(self.root) and real.is_file() else None

    def _advance(self, name: str, table: str, make_row: Any, insert: str) -> bool:
        path = self.file(name)
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None
        conn = self._conn
        row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        state = json.loads(row[0]) if row else None
        if path is None or stat is None:
            if state is None:
                return False
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            conn.execute("DELETE FROM meta WHERE name = ?", (name,))
            conn.execute("COMMIT")
            return True
        if (
            state
            and state["inode"] == stat.st_ino
            and state["offset"] == stat.st_size
            and state["mtime"] == stat.st_mtime_ns
        ):
            return False
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT value FROM meta WHERE name = ?", (name,)
            ).fetchone()  # another process?
            state = json.loads(row[0]) if row else None
            if (
                state is None
                or state["inode"] != stat.st_ino
                or stat.st_size < state["offset"]
                or (state["head_len"] and head_hash(path, state["head_len"]) != state["head"])
            ):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
                state = {"inode": stat.st_ino, "offset": 0, "head_len": 0, "head": "", "mtime": 0}
            offset = state["offset"]
            batch: list[tuple[Any, ...]] = []
            asked_again: set[str] = set()
            for line_offset, length, value in iter_lines(path, offset):
                if table == "samples" and isinstance(value, Mapping) and value.get("supersedes"):
                    asked_again.add(str(value.get("key")))
                made = make_row(line_offset, length, value)
                if made is not None:
                    batch.append(made)
                if len(batch) >= _BATCH:
                    conn.executemany(insert, batch)
                    batch.clear()
                offset = line_offset + length
            if batch:
                conn.executemany(insert, batch)
            for key in asked_again:  # a record asked again on --resume replaces the earlier ones of its key
                conn.execute(
                    "UPDATE samples SET current = 0 WHERE key = ? AND id < (SELECT max(id) FROM samples WHERE key = ?)",
                    (key, key),
                )
            changed = offset != state["offset"]
            head_len = min(HEAD_BYTES, offset)
            if head_len != state["head_len"]:
                state["head_len"], state["head"] = head_len, head_hash(path, head_len)
            state.update(offset=offset, mtime=stat.st_mtime_ns if offset == stat.st_size else 0)
            conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, json.dumps(state)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return bool(changed)
