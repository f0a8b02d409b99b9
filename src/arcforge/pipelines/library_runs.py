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

__all__ = ["check_libraries", "library_entries", "library_sandbox", "recorded_libraries"]


def library_entries(paths: Sequence[str | os.PathLike[str]]) -> list[dict[str, Any]]:
    """Each library's manifest entry (name, path, sha256, modules); UsageError for a bad path."""
    from arcforge.sandbox import load_libraries

    return [library.manifest() for library in load_libraries(list(paths))]


def recorded_libraries(config: dict[str, Any]) -> list[str]:
    """The library paths a run recorded (``config.libraries``), for verifying it without ``--library``.

    Each must still hold the content the run ran on: a missing path or a changed sha256 is a usage error
    that says to pass ``--library`` (results would otherwise depend on a DSL nobody can name).
    """
    from arcforge.errors import UsageError

    entries = [entry for entry in config.get("libraries") or [] if isinstance(entry, dict)]
    if not entries:
        return []
    paths = [str(entry.get("path", "")) for entry in entries]
    try:
        now = library_entries(paths)
    except UsageError as exc:
        raise UsageError(
            f"the run's library is no longer readable ({exc}); give it with --library PATH"
        ) from None
    for recorded, current in zip(entries, now, strict=True):
        if recorded.get("sha256") != current["sha256"]:
            raise UsageError(
                f"the run's library {current['path']} has changed since the run (sha256 "
                f"{str(recorded.get('sha256'))[:12]} then, {current['sha256'][:12]} now): give the one it ran "
                "on with --library PATH"
            )
    return paths


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
