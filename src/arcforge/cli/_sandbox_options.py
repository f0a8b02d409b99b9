"""Command-line options every command that runs programs in the sandbox shares.

``add_library_option(parser)`` adds ``--library PATH`` (repeatable): a solver library, a ``.py``
file or a folder of them, imported once in every sandbox worker so programs can ``from dsl import
*`` at no cost (see ``docs/sandbox.md``). ``libraries_from(args)`` gives the paths to pass as
``Sandbox(libraries=...)``; ``Sandbox.libraries`` then names and hashes them for a run's manifest.
``add_wall_option(parser)`` adds ``--wall-s S``, the wall-clock limit of one program execution.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from arcforge.errors import UsageError

__all__ = ["add_library_option", "add_wall_option", "libraries_from", "wall_from"]


def add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library",
        action="append",
        dest="libraries",
        default=None,
        metavar="PATH",
        help="a solver library: a .py file or a folder of them, importable by programs by module name "
        "(repeatable; imported once per sandbox worker; its sha256 is recorded)",
    )


def libraries_from(args: argparse.Namespace) -> list[str]:
    """The ``--library`` paths, each checked to exist (a usage error names the one that does not)."""
    paths: list[str] = []
    for raw in getattr(args, "libraries", None) or []:
        path = Path(raw).expanduser()
        if not path.exists():
            raise UsageError(f"--library {raw}: no such file or folder; give a .py file or a folder of them")
        if path.is_file() and path.suffix != ".py":
            raise UsageError(f"--library {raw}: a library is a .py file or a folder of them")
        paths.append(str(path))
    return paths


def add_wall_option(parser: argparse.ArgumentParser, *aliases: str, default: float = 2.0) -> None:
    """``--wall-s S`` (and any older spellings in ``aliases``); read it back with :func:`wall_from`."""
    parser.add_argument(
        "--wall-s",
        *aliases,
        dest="wall_s",
        type=float,
        default=default,
        metavar="S",
        help=f"wall-clock seconds one program may take on all of its task's grids (default: {default:g})",
    )


def wall_from(args: argparse.Namespace) -> float:
    value = float(getattr(args, "wall_s", 2.0))
    if not (math.isfinite(value) and 0 < value <= 3600):
        raise UsageError(f"--wall-s must be a number of seconds above 0 and at most 3600, not {value:g}")
    return value
