"""Which run folders the viewer may show, and how a URL's run id finds one (never by joining paths).

The configured folders (``arcforge serve --runs DIR``, ``arcforge view RUN_DIR``) are the roots. A root
that is itself a run (it holds ``manifest.json`` or ``records.jsonl``) is shown; otherwise each folder
directly inside it that is a run. A run's id is its manifest's ``run_id`` (or, lacking one, its folder
name). A request names a run only by that id, looked up in the table built by scanning the roots, so no
request text ever becomes part of a path. Every folder and file is resolved (symlinks followed) and must
lie inside its resolved root, so a symlink that leads out of a root is not shown.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arcforge.errors import UsageError
from arcforge.viewer.index import RECORDS, RunIndex

__all__ = ["RunCatalog", "RunFolder", "is_run_folder"]

MANIFEST = "manifest.json"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")
_RESCAN_S = 2.0


def is_run_folder(path: Path) -> bool:
    return (path / MANIFEST).is_file() or (path / RECORDS).is_file()


def inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


@dataclass(frozen=True)
class RunFolder:
    """One run the viewer may show: its id, its resolved folder and the root it was found under."""

    id: str
    path: Path
    root: Path

    def file(self, name: str) -> Path | None:
        """``name`` inside the run folder, or None when missing or (through a symlink) outside the root."""
        candidate = self.path / name
        try:
            real = candidate.resolve(strict=True)
        except OSError:
            return None
        return real if inside(real, self.root) and real.is_file() else None

    def manifest(self) -> dict[str, Any]:
        file = self.file(MANIFEST)
        if file is None:
            return {}
        try:
            value = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}


class RunCatalog:
    """The runs under ``roots``; keeps one :class:`RunIndex` per run open."""

    def __init__(self, roots: Sequence[str | Path], *, cache_dir: Path | None = None) -> None:
        self.roots: list[Path] = []
        for root in roots:
            path = Path(root).expanduser()
            if not path.is_dir():
                raise UsageError(f"--runs {root}: no such folder (give a folder of runs or one run folder)")
            self.roots.append(path.resolve())
        self.cache_dir = cache_dir
        self._runs: dict[str, RunFolder] = {}
        self._scanned = 0.0
        self._indexes: dict[Path, RunIndex] = {}
        self._lock = threading.Lock()

    def scan(self, *, force: bool = False) -> list[RunFolder]:
        """Every run, newest folder name first (rescanned at most every two seconds unless forced)."""
        with self._lock:
            if force or time.monotonic() - self._scanned > _RESCAN_S:
                self._runs = self._scan()
                self._scanned = time.monotonic()
            return list(self._runs.values())

    def _scan(self) -> dict[str, RunFolder]:
        found: dict[str, RunFolder] = {}
        seen: set[Path] = set()
        for root in self.roots:
            candidates = [root] if is_run_folder(root) else sorted(root.iterdir(), reverse=True)
            for candidate in candidates:
                try:
                    real = candidate.resolve(strict=True)
                except OSError:
                    continue
                if real in seen or not inside(real, root) or not real.is_dir() or not is_run_folder(real):
                    continue
                seen.add(real)
                folder = RunFolder(id="", path=real, root=root)
                run_id = str(folder.manifest().get("run_id") or real.name)
                if not _ID.match(run_id):
                    run_id = re.sub(r"[^A-Za-z0-9._:+-]", "_", real.name)[:200] or "run"
                base, number = run_id, 2
                while run_id in found:
                    run_id, number = f"{base}~{number}", number + 1
                found[run_id] = RunFolder(id=run_id, path=real, root=root)
        return found

    def get(self, run_id: str) -> RunFolder | None:
        """The run with this id, or None (an unknown id triggers one rescan, for runs started since)."""
        if not _ID.match(run_id or ""):
            return None
        self.scan()
        run = self._runs.get(run_id)
        if run is None:
            self.scan(force=True)
            run = self._runs.get(run_id)
        return run

    def index(self, run: RunFolder) -> RunIndex:
        """The run's index, brought up to date with its files."""
        with self._lock:
            index = self._indexes.get(run.path)
            if index is None:
                index = self._indexes[run.path] = RunIndex(run.path, root=run.root, cache_dir=self.cache_dir)
        index.refresh()
        return index

    def close(self) -> None:
        with self._lock:
            for index in self._indexes.values():
                index.close()
            self._indexes.clear()
