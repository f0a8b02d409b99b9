"""A run directory: the durable state of one run (``records.jsonl``, ``manifest.json``, ``run.log``).

Every finished record is appended to ``records.jsonl`` as one JSON line the moment it is finished, and
flushed to the operating system at once, so a ``kill -9`` loses nothing that was finished; an ``fsync``
follows at most every :data:`FSYNC_INTERVAL_S` seconds and on close, so a power cut loses at most that
much while a fast run does not pay a disk flush per record. A process killed in the middle of a write
leaves a truncated last line: :meth:`RunDirectory.records` skips it, and opening the directory for
appending cuts it off first, so the next record starts on a fresh line and the unfinished work is
simply done again on resume.

``manifest.json`` says what the run is (command, dataset and its hash, task selection, model and
parameters, prompt template and its hash, grid encoding, arcforge version) and how it went (times,
counts, tokens, cost, why it stopped). It is always replaced atomically (temporary file, fsync,
rename), so a reader never sees half of one. Its ``config`` object is the run's identity: ``--resume``
refuses a command whose config differs (:meth:`RunDirectory.check_config`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from arcforge import __version__
from arcforge.engine.records import current_records, replaced_counts
from arcforge.errors import RunError, UsageError

__all__ = [
    "FSYNC_INTERVAL_S",
    "RunDirectory",
    "default_run_path",
    "new_run_id",
    "truncate_partial_line",
    "utc_now",
    "write_json_atomic",
]

FSYNC_INTERVAL_S = 1.0
RECORDS = "records.jsonl"
MANIFEST = "manifest.json"
LOG = "run.log"


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with seconds precision."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id(now: datetime | None = None) -> str:
    """A unique, sortable run id: UTC time plus random hex (``20260101T120000Z-3f2a9c``)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def default_run_path(
    command: str, model: str, *, root: Path | str = "runs", now: datetime | None = None
) -> Path:
    """``runs/<command>-<model>-<UTC time>/`` with the model name made safe for a folder name; a run
    started in the same second as another of the same command and model gets ``-2``, ``-3``, ..."""
    safe_model = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_") or "model"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = Path(root) / f"{command}-{safe_model}-{stamp}"
    number = 1
    while (path.parent / (path.name if number == 1 else f"{path.name}-{number}")).exists():
        number += 1
    return path if number == 1 else path.parent / f"{path.name}-{number}"


class RunDirectory:
    """One run's folder. Build with :meth:`create` (a new run) or :meth:`open` (resume, verify, export).

    Appending is for one process at a time; reading is safe at any time, even while a run appends.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest
        self._records_file: TextIO | None = None
        self._log_file: TextIO | None = None
        self._last_fsync = 0.0
        self._lock: TextIO | None = None

    # construction -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path | str, *, command: str, config: Mapping[str, Any], **extra: Any
    ) -> RunDirectory:
        """A new run in ``path`` (created; must not already hold a run).

        ``command`` is the command's name (``"generate code"``); ``config`` is everything that makes
        the run what it is (dataset, hash, selection, model, parameters, template, encoding) and is
        what ``--resume`` compares; ``extra`` goes into the manifest as is (``argv=...``).
        """
        path = Path(path)
        if (path / MANIFEST).exists() or (path / RECORDS).exists():
            try:  # name the run's own command: a `benchmark direct` run is not resumed by `generate code`
                existing = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["command"]
            except (OSError, ValueError, KeyError, TypeError):
                existing = None
            resume = f"`arcforge {existing} --resume {path}`" if existing else f"--resume {path}"
            raise RunError(f"{path} already holds a run: continue it with {resume} or choose another --out")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunError(f"cannot create run directory {path}: {exc.strerror or exc}") from exc
        manifest: dict[str, Any] = {
            "run_id": new_run_id(),
            "command": command,
            "config": dict(config),
            "arcforge_version": __version__,
            "status": "running",
            "started_at": utc_now(),
            "ended_at": None,
            "sessions": [],
            **extra,
        }
        run = cls(path, manifest)
        run.write_manifest()
        return run

    @classmethod
    def start(
        cls,
        *,
        out: Path | str | None,
        resume: Path | str | None,
        command: str,
        config: Mapping[str, Any],
        default_path: Path | str,
        ignore: tuple[str, ...] = (),
        **extra: Any,
    ) -> RunDirectory:
        """What a command's ``--out``/``--resume`` options mean: a new run, or the resumed one (checked).

        Raises :class:`UsageError` for both options at once, :class:`RunError` for a resumed run whose
        command or config differs (keys in ``ignore`` excepted).
        """
        if resume is not None and out is not None and Path(out) != Path(resume):
            raise UsageError("--out and --resume name different folders: give only --resume RUN_DIR")
        if resume is not None:
            run = cls.open(resume)
            run.check_config(command, config, ignore=ignore)
            return run
        return cls.create(out or default_path, command=command, config=config, **extra)

    @classmethod
    def open(cls, path: Path | str) -> RunDirectory:
        """An existing run; raises :class:`RunError` when ``path`` holds no readable run."""
        path = Path(path)
        manifest_path = path / MANIFEST
        if not path.is_dir():
            raise RunError(f"{path} is not a run directory (no such folder)")
        if not manifest_path.is_file():
            raise RunError(f"{path} is not a run directory: {MANIFEST} is missing")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunError(f"{manifest_path} cannot be read ({exc}); the run directory is corrupt") from exc
        if not isinstance(manifest, dict) or "run_id" not in manifest:
            raise RunError(f"{manifest_path} is not an arcforge manifest (no run_id)")
        return cls(path, manifest)

    # identity ---------------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self.manifest["run_id"])

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.manifest.get("config") or {})

    @property
    def records_path(self) -> Path:
        return self.path / RECORDS

    def check_config(self, command: str, config: Mapping[str, Any], *, ignore: tuple[str, ...] = ()) -> None:
        """Raise :class:`RunError` when a resumed command differs from the one that started the run."""
        if self.manifest.get("command") != command:
            raise RunError(
                f"{self.path} is a `{self.manifest.get('command')}` run; resume it with "
                f"`arcforge {self.manifest.get('command')} --resume {self.path}`"
            )
        stored = self.config
        keys = sorted((set(stored) | set(config)) - set(ignore))
        differing = [key for key in keys if _canonical(stored.get(key)) != _canonical(config.get(key))]
        if differing:
            shown = "; ".join(
                f"{k}: run has {stored.get(k)!r}, command has {config.get(k)!r}" for k in differing[:4]
            )
            original = " ".join(self.manifest.get("argv") or [])
            hint = f" (the run was started with: arcforge {original})" if original else ""
            raise RunError(f"--resume {self.path}: the command differs from the run ({shown}){hint}")

    # records ----------------------------------------------------------------------------------
    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Each complete record in order; a truncated or unreadable last line (a killed write) is skipped.

        A corrupt line that is *not* the last one means the file was damaged: :class:`RunError`.
        """
        try:
            handle = self.records_path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            pending: tuple[int, bytes] | None = None
            for number, raw in enumerate(handle, start=1):
                if pending is not None:
                    raise RunError(f"{self.records_path} line {pending[0]} is corrupt; the file was damaged")
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except ValueError:
                    pending = (number, raw)
                    continue
                if not raw.endswith(b"\n"):
                    # a complete JSON value without its newline: the write was cut before the newline
                    pending = (number, raw)
                    continue
                yield record

    def records(self) -> list[dict[str, Any]]:
        """Every record, superseded ones included (see :meth:`current_records`)."""
        return list(self.iter_records())

    def current_records(self) -> Iterator[dict[str, Any]]:
        """The records that count, streamed: without those superseded by a resume's new attempt.

        Reads the file twice; memory holds only the keys that were asked again."""
        replaced = replaced_counts(self.iter_records())
        return current_records(self.iter_records(), replaced)

    def open_for_append(self) -> None:
        """Open ``records.jsonl`` and ``run.log`` for appending, first cutting off a truncated last line.

        Takes an exclusive lock on the run: :class:`RunError` when another process appends to it.
        """
        self._open_files()

    def _open_files(self) -> tuple[TextIO, TextIO]:
        if self._records_file is not None and self._log_file is not None:
            return self._records_file, self._log_file
        self._lock = _lock_run(self.path)
        truncate_partial_line(self.records_path)
        self._records_file = self.records_path.open("a", encoding="utf-8")
        self._log_file = (self.path / LOG).open("a", encoding="utf-8")
        self._last_fsync = time.monotonic()
        return self._records_file, self._log_file

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one finished record as a line, flushed at once (fsync at most every second)."""
        handle = self._records_file or self._open_files()[0]
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        handle.write(line + "\n")
        handle.flush()
        now = time.monotonic()
        if now - self._last_fsync >= FSYNC_INTERVAL_S:
            os.fsync(handle.fileno())
            self._last_fsync = now

    def log(self, message: str) -> None:
        """A timestamped line in ``run.log`` (never an API key: callers log ids, counts and errors)."""
        handle = self._log_file or self._open_files()[1]
        handle.write(f"{utc_now()} {message}\n")
        handle.flush()

    def close(self) -> None:
        """fsync and close the appended files (safe to call twice)."""
        for handle in (self._records_file, self._log_file):
            if handle is not None and not handle.closed:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
        self._records_file = None
        self._log_file = None
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the flock
            self._lock = None

    # manifest ---------------------------------------------------------------------------------
    def write_manifest(self, **updates: Any) -> None:
        """Merge ``updates`` into the manifest and replace ``manifest.json`` atomically."""
        self.manifest.update(updates)
        write_json_atomic(self.path / MANIFEST, self.manifest)

    def __enter__(self) -> RunDirectory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file, an fsync and a rename (then fsync the folder),
    so a reader sees the old file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _lock_run(path: Path) -> TextIO:
    """An exclusive lock on ``run.lock`` so two processes never append to one run (freed on exit, even kill -9)."""
    import fcntl

    handle = (path / ".run.lock").open("a", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RunError(
            f"{path} is in use by another arcforge process; wait for it or stop it first"
        ) from None
    return handle


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def truncate_partial_line(path: Path) -> None:
    """Cut a last line that has no newline (a write killed half-way) so appends start clean."""
    try:
        with path.open("rb+") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            # walk back to the previous newline
            position = size - 1
            chunk = 4096
            while position > 0:
                start = max(0, position - chunk)
                handle.seek(start)
                block = handle.read(position - start)
                index = block.rfind(b"\n")
                if index >= 0:
                    handle.truncate(start + index + 1)
                    return
                position = start
            handle.truncate(0)
    except FileNotFoundError:
        return


def _fsync_directory(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
