"""Solver libraries in model runs (``generate code``, ``benchmark code``: ``--library``, ``--library-doc``).

:func:`library_entries` is what a run's manifest records (``config.libraries``: each library's name,
path, sha256 and modules, as a corpus run records them: :meth:`arcforge.sandbox.Library.manifest`).
:func:`check_libraries` imports them once in a one-worker sandbox before the run asks a model anything,
so a library that fails to import is a usage error naming the file and line, and costs no request.
:func:`library_sandbox` is the sandbox pool a refinement search runs its programs in (None without
libraries: the search then opens its own).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arcforge.sandbox import Sandbox

__all__ = ["check_libraries", "library_entries", "library_sandbox"]


def library_entries(paths: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Each library's manifest entry (name, path, sha256, modules); UsageError for a bad path."""
    from arcforge.sandbox import load_libraries

    return [library.manifest() for library in load_libraries(list(paths))]


async def check_libraries(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Import the libraries in a sandbox worker; UsageError (file, line, error) when one fails."""
    if not paths:
        return
    from arcforge.sandbox import Sandbox

    sandbox = Sandbox(workers=1, libraries=list(paths))
    try:
        await sandbox.start()
    finally:
        await sandbox.close()


@asynccontextmanager
async def library_sandbox(paths: Sequence[str | os.PathLike[str]]) -> AsyncIterator[Sandbox | None]:
    """A started sandbox pool with the libraries (closed after), or None when there are none."""
    if not paths:
        yield None
        return
    from arcforge.sandbox import Sandbox

    async with Sandbox(libraries=list(paths)) as sandbox:
        yield sandbox
