"""Solver libraries: the helper modules a corpus of programs imports (``from dsl import *``).

A library is a ``.py`` file (one module, named after the file) or a folder (every ``.py`` file in
it is a module named after the file; a sub-folder with an ``__init__.py`` is a package). The
sandbox imports them all once in each warm fork server (see ``docs/sandbox.md``); here they are
read, named and hashed on the caller's side, so a run can record which library it ran on.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arcforge.errors import UsageError

__all__ = ["Library", "load_libraries"]

_RESERVED = frozenset(sys.stdlib_module_names) | {"numpy", "arcforge", "_runner", "_setup", "_forkserver"}
_MAX_BYTES = 32 << 20


@dataclass(frozen=True)
class Library:
    """One library: its name, where it was read, the sha256 of its content and its modules' sources."""

    name: str
    path: str
    sha256: str
    modules: dict[str, tuple[str, str]] = field(repr=False)

    def manifest(self) -> dict[str, Any]:
        """What a run's manifest records about it."""
        return {"name": self.name, "path": self.path, "sha256": self.sha256, "modules": sorted(self.modules)}

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "modules": {k: list(v) for k, v in self.modules.items()}}


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        raise UsageError(f"solver library file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read solver library file {path}: {exc.strerror}") from None


def _module_files(root: Path) -> list[tuple[str, Path]]:
    """``(module name, file)`` for a folder: its .py files and its packages (sub-folders with __init__)."""
    found: list[tuple[str, Path]] = []
    for current, dirs, files in os.walk(root):
        here = Path(current)
        relative = here.relative_to(root).parts
        if relative and not (here / "__init__.py").is_file():
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            stem = file[:-3]
            parts = relative if stem == "__init__" else (*relative, stem)
            if parts:
                found.append((".".join(parts), here / file))
    return found


def load_libraries(paths: list[str | os.PathLike[str]] | None) -> list[Library]:
    """Read each library; :class:`UsageError` for a missing path, a clash or a reserved name."""
    libraries: list[Library] = []
    seen: dict[str, str] = {}
    for raw in paths or []:
        path = Path(raw).expanduser()
        if path.is_file():
            if path.suffix != ".py":
                raise UsageError(f"a solver library is a .py file or a folder of them, not {path}")
            files = [(path.stem, path)]
        elif path.is_dir():
            files = _module_files(path)
            if not files:
                raise UsageError(f"solver library folder {path} holds no .py files")
        else:
            raise UsageError(f"solver library {path} does not exist")
        digest = hashlib.sha256()
        modules: dict[str, tuple[str, str]] = {}
        total = 0
        for name, file in files:
            top = name.split(".")[0]
            if not name.replace(".", "").replace("_", "a").isalnum() or top in _RESERVED:
                raise UsageError(
                    f"solver library module {name!r} ({file}) cannot be used: its name is not a Python "
                    "identifier or is taken by the standard library, numpy or arcforge; rename the file"
                )
            if name in seen:
                raise UsageError(f"solver library module {name!r} is in both {seen[name]} and {file}")
            seen[name] = str(file)
            data = _read(file)
            source = data.decode("utf-8")
            total += len(data)
            if total > _MAX_BYTES:
                raise UsageError(f"solver library {path} is over {_MAX_BYTES >> 20} MB of source")
            relative = file.name if path.is_file() else str(file.relative_to(path))
            digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
            modules[name] = (str(file.resolve()), source)
        # A file's hash is its own sha256 (what `sha256sum` prints); a folder's covers names and contents.
        sha = hashlib.sha256(data).hexdigest() if path.is_file() else digest.hexdigest()
        label = path.stem if path.is_file() else path.resolve().name
        libraries.append(Library(label, str(path.resolve()), sha, modules))
    return libraries
