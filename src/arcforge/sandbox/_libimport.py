"""Solver libraries inside the fork server: imported once, before the heap is frozen (stdlib only).

The parent sends each library's modules as source text (``{"modules": {name: [file, source]}}``);
they are served from memory by a meta-path finder, so modules may import each other in any order
and no library file needs to be in the program's file-system view. All are imported here, after
the worker is isolated and before its heap is frozen: a program's ``from dsl import *`` finds them
in ``sys.modules`` and costs nothing. A child that changes a library (``dsl.f = ...``) changes only
its own copy; the next program forks from the unchanged server. Their source lines are put in
``linecache`` so tracebacks through library code show the lines.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import linecache
import sys
import threading
import traceback
from types import ModuleType
from typing import Any


class LibraryError(Exception):
    """A library failed to import; the message names the file and line."""


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, modules: dict[str, tuple[str, str]]) -> None:
        self.modules = modules

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        entry = self.modules.get(fullname)
        if entry is None:
            return None
        is_package = entry[0].endswith("__init__.py")
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=entry[0], is_package=is_package)
        spec.has_location = True
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        filename, source = self.modules[module.__name__]
        module.__file__ = filename
        exec(compile(source, filename, "exec"), module.__dict__)

    def get_source(self, fullname: str) -> str | None:
        entry = self.modules.get(fullname)
        return entry[1] if entry else None


def load_libraries(libraries: list[dict[str, Any]]) -> None:
    """Import every module of every library; :class:`LibraryError` (file, line, error) on failure."""
    modules: dict[str, tuple[str, str]] = {}
    for library in libraries:
        for name, (filename, source) in dict(library.get("modules", {})).items():
            modules[str(name)] = (str(filename), str(source))
    if not modules:
        return
    for filename, source in modules.values():
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.meta_path.insert(0, _Finder(modules))
    files = {filename for filename, _ in modules.values()}
    for name in sorted(modules):
        try:
            importlib.import_module(name)
        except BaseException as exc:
            raise LibraryError(_describe(name, modules[name][0], exc, files)) from None
    if threading.active_count() != 1:
        raise LibraryError("a solver library started a thread while being imported; libraries may not")


def _describe(name: str, filename: str, exc: BaseException, files: set[str]) -> str:
    where = f"{filename}"
    if isinstance(exc, SyntaxError) and exc.filename in files:
        where = f"{exc.filename} line {exc.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
        if frames:
            where = f"{frames[-1].filename} line {frames[-1].lineno}"
    message = str(exc).splitlines()[0][:300] if str(exc) else ""
    return (
        f"solver library module {name!r} failed to import: {where}: {type(exc).__name__}: {message}".rstrip(
            ": "
        )
    )
