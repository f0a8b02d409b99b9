"""The response cache and request log, one SQLite file (``settings.cache_path``).

``responses`` maps a content hash of (model identity, effective parameters, messages, sample index) to
the completion, so rerunning, re-parsing or re-scoring costs nothing. A run's client has a ``scope``
(the run id): its replies are stored as ``<hash>@<run id>`` and served to that run's retries and
resumes only, so a new run always asks the model for new samples; another run's replies are served
only when ``reuse`` is set (``--reuse-cache``). Callers outside runs (no scope) are served any reply. ``log`` records every request the
client made or answered from the cache: the request document (the same one that is hashed), the
status, the error, the response body, latency, retries and cost. API keys never reach either table:
the request document holds no headers, and every stored text passes through :meth:`ResponseCache.redact`,
which blanks the key wherever a provider echoed it.

Writes are batched (flushed every ``flush_rows`` rows, every ``flush_s`` seconds and on close) so the
cache costs little at thousands of requests per second; lookups see unflushed rows too. SQLite runs in
WAL mode so several processes can share the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from arcforge.models.errors import ModelError
from arcforge.models.types import Completion, Usage

__all__ = ["ResponseCache", "cache_key", "request_document"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, model TEXT NOT NULL, created_at TEXT NOT NULL, completion TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL,
    cached INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, request TEXT, response TEXT,
    latency_s REAL, retries INTEGER, cost_usd REAL,
    prompt_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER
);
CREATE INDEX IF NOT EXISTS log_key ON log(key);
"""


# columns added to ``log`` after its first release; a cache file made by an older arcforge gains them
_LATER_LOG_COLUMNS = {
    "prompt_tokens": "INTEGER",
    "completion_tokens": "INTEGER",
    "reasoning_tokens": "INTEGER",
}


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Upgrade a cache file written by an older arcforge in place (columns are only ever added)."""
    present = {row[1] for row in db.execute("PRAGMA table_info(log)")}
    for column, kind in _LATER_LOG_COLUMNS.items():
        if column not in present:
            db.execute(f"ALTER TABLE log ADD COLUMN {column} {kind}")


MIN_SECRET_LENGTH = 8  # shorter key values are not redacted (see ResponseCache)


def request_document(
    identity: str, params: dict[str, Any], messages: list[dict[str, Any]], sample: int
) -> str:
    """The canonical JSON of a request: what is hashed for the key and stored in the log."""
    return json.dumps(
        {"model": identity, "params": params, "messages": messages, "sample_index": sample},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def cache_key(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()


class ResponseCache:
    """Cache and log over one SQLite file; ``secrets`` are redacted from everything stored."""

    def __init__(
        self,
        path: Path,
        *,
        secrets: Iterable[str] = (),
        flush_rows: int = 256,
        flush_s: float = 0.5,
        scope: str | None = None,
        reuse: bool = True,
    ) -> None:
        self.path = path
        self.scope = scope
        self.reuse = reuse
        # a short value ("x", "EMPTY", "ollama": the dummies local servers take) is no secret, and replacing
        # it everywhere would corrupt the stored JSON itself ("text" -> "te[redacted]t")
        self._secrets = [s for s in secrets if len(s) >= MIN_SECRET_LENGTH]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=10, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            _add_missing_columns(self._db)
        except (OSError, sqlite3.Error) as exc:
            raise ModelError(
                f"cannot open the response cache {path}: {exc} (set ARCFORGE_CACHE to a writable file)"
            ) from exc
        self._lock = threading.Lock()
        self._pending_responses: dict[str, tuple[str, str, str, str]] = {}
        self._pending_log: list[tuple[Any, ...]] = []
        self._flush_rows = flush_rows
        self._flush_s = flush_s
        self._last_flush = time.monotonic()
        self._closed = False

    def redact(self, text: str | None) -> str | None:
        if text is None:
            return None
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored completion fields for ``key``, or None; ``cache_source`` says whose reply it is.

        With a ``scope`` (a run id) only that scope's replies are served (``"same-run"``), and other
        scopes' (or unscoped) replies only when ``reuse`` is set (``"reused"``). Without a scope, any
        stored reply is served (``"reused"``): the behaviour of callers outside runs.
        """
        with self._lock:
            if self.scope is not None:
                found = self._lookup(self._stored_key(key))
                if found is not None:
                    found["cache_source"] = "same-run"
                    return found
                if not self.reuse:
                    return None
            found = self._lookup(key) or self._lookup_any_scope(key)
        if found is not None:
            found["cache_source"] = "reused"
        return found

    def _stored_key(self, key: str) -> str:
        return key if self.scope is None else f"{key}@{self.scope}"

    def _lookup(self, stored_key: str) -> dict[str, Any] | None:
        row = self._pending_responses.get(stored_key)
        if row is not None:
            pending: dict[str, Any] = json.loads(row[3])
            return pending
        found = self._db.execute("SELECT completion FROM responses WHERE key = ?", (stored_key,)).fetchone()
        stored: dict[str, Any] | None = json.loads(found[0]) if found else None
        return stored

    def _lookup_any_scope(self, key: str) -> dict[str, Any] | None:
        prefix = f"{key}@"
        for stored_key, row in self._pending_responses.items():
            if stored_key.startswith(prefix):
                pending: dict[str, Any] = json.loads(row[3])
                return pending
        found = self._db.execute(  # a range on the primary key: "<key>@<scope>" sorts between these
            "SELECT completion FROM responses WHERE key > ? AND key < ? LIMIT 1", (prefix, f"{key}A")
        ).fetchone()
        stored: dict[str, Any] | None = json.loads(found[0]) if found else None
        return stored

    def put(self, key: str, model: str, completion: Completion) -> None:
        stored = {
            "text": completion.text,
            "reasoning": completion.reasoning,
            "usage": completion.usage.to_dict(),
            "cost_usd": completion.cost_usd,
            "provider_model": completion.provider_model,
            "finish_reason": completion.finish_reason,
        }
        document = self.redact(json.dumps(stored, ensure_ascii=False))
        assert document is not None
        stored_key = self._stored_key(key)
        with self._lock:
            self._pending_responses[stored_key] = (stored_key, model, _now(), document)
        self._maybe_flush()

    def log(
        self,
        key: str,
        model: str,
        *,
        request: str | None,
        status: str,
        error: str | None = None,
        response: str | None = None,
        latency_s: float = 0.0,
        retries: int = 0,
        cost_usd: float | None = 0.0,  # None: unknown (no price and no provider figure)
        usage: Usage | None = None,
        cached: bool = False,
    ) -> None:
        row = (
            key,
            model,
            _now(),
            int(cached),
            status,
            self.redact(error),
            self.redact(request),
            self.redact(response),
            latency_s,
            retries,
            cost_usd,
            usage.prompt_tokens if usage else None,
            usage.completion_tokens if usage else None,
            usage.reasoning_tokens if usage else None,
        )
        with self._lock:
            self._pending_log.append(row)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if (
            len(self._pending_log) + len(self._pending_responses) >= self._flush_rows
            or time.monotonic() - self._last_flush >= self._flush_s
        ):
            self.flush()

    def flush(self, *, final: bool = False) -> None:
        """Write pending rows. If the file is busy or failing they stay pending for the next flush;
        only the ``final`` flush (at close) raises."""
        with self._lock:
            responses = list(self._pending_responses.values())
            log = self._pending_log
            self._last_flush = time.monotonic()
            if not responses and not log:
                return
            try:
                self._write(responses, log)
            except sqlite3.Error as exc:
                if final:
                    raise ModelError(f"could not write the response cache {self.path}: {exc}") from exc
                return
            self._pending_log = []
            for row in responses:
                self._pending_responses.pop(row[0], None)

    def _write(self, responses: list[tuple[str, str, str, str]], log: list[tuple[Any, ...]]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)", responses)
            self._db.executemany(
                "INSERT INTO log (key, model, created_at, cached, status, error, request, response, latency_s,"
                " retries, cost_usd, prompt_tokens, completion_tokens, reasoning_tokens)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                log,
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def log_rows(self, key: str | None = None) -> list[dict[str, Any]]:
        """Logged rows (oldest first), optionally for one key."""
        self.flush()
        self._db.row_factory = sqlite3.Row
        try:
            query = "SELECT * FROM log" + (" WHERE key = ?" if key else "") + " ORDER BY id"
            return [dict(r) for r in self._db.execute(query, (key,) if key else ())]
        finally:
            self._db.row_factory = None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.flush(final=True)
        finally:
            self._db.close()
