"""``--library PATH`` (repeatable) and ``--library-doc`` for the commands that ask a model for programs.

``--library`` is the shared option of :mod:`arcforge.cli._sandbox_options` (the sandbox that scores or
refines the programs imports the libraries; the run's manifest records their names and hashes);
``--library-doc`` adds the libraries' interface (names, signatures, docstrings: no bodies;
:mod:`arcforge.prompts.library_doc`) to the prompt. Both are run options: ``--resume`` keeps them.
"""

from __future__ import annotations

import argparse

from arcforge.cli._sandbox_options import add_library_option, libraries_from
from arcforge.errors import UsageError

__all__ = ["add_library_options", "library_settings"]


def add_library_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("solver libraries")
    add_library_option(group)  # type: ignore[arg-type]  # an argument group takes the same calls
    group.add_argument(
        "--library-doc",
        dest="library_doc",
        action="store_true",
        help="show the model the libraries' names, signatures and docstrings (not their bodies; "
        "capped at 12,000 characters)",
    )


def library_settings(args: argparse.Namespace) -> tuple[tuple[str, ...], bool]:
    """The checked ``--library`` paths and whether ``--library-doc`` was asked (it needs a library)."""
    paths = tuple(libraries_from(args))
    doc = bool(getattr(args, "library_doc", False))
    if doc and not paths:
        raise UsageError(
            "--library-doc shows a solver library's interface: give the library with --library PATH"
        )
    return paths, doc
