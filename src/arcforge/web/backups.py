"""Automatic periodic backups of a SQLite store while the server runs, with pruning.

:class:`BackupScheduler` is a daemon thread that calls ``store.backup_rotating(folder, keep=N)``
every ``interval_s`` seconds (SQLite's online backup: the server keeps serving). ``arcforge serve``
runs one in its main process, so several workers still make one backup per interval. A failed
backup is reported through ``on_error`` and retried at the next interval; it never stops the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["BackupScheduler"]


class BackupScheduler:
    """Backs the store up every ``interval_s`` seconds into ``folder``, keeping the ``keep`` newest."""

    def __init__(
        self,
        store: Any,
        folder: Path,
        *,
        interval_s: float,
        keep: int,
        on_error: Callable[[Exception], None] = lambda exc: None,
    ) -> None:
        self.store = store
        self.folder = folder
        self.interval_s = interval_s
        self.keep = keep
        self.on_error = on_error
        self.made: list[Path] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="arcforge-backups", daemon=True)

    def start(self) -> BackupScheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.made.append(self.store.backup_rotating(self.folder, keep=self.keep))
            except Exception as exc:  # noqa: BLE001 - a failed backup must not end the thread
                self.on_error(exc)
