"""``--db URL`` for every command that uses the store, and opening the store it names.

The URL defaults to ``ARCFORGE_DB`` (or ``.env``), else SQLite in arcforge's data folder
(:func:`arcforge.settings.load_settings`). ``arcforge serve`` can use the same helpers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arcforge.store import Store

__all__ = ["add_db_option", "db_url_from_args", "open_store_from_args"]


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="the store: sqlite:///PATH, a file path, or postgresql+psycopg://... "
        "(default: $ARCFORGE_DB, else ARCFORGE_HOME/arcforge.db)",
    )


def db_url_from_args(args: argparse.Namespace) -> str:
    """The ``--db`` URL, else the one from settings."""
    if getattr(args, "db", None):
        return str(args.db)
    from arcforge.settings import load_settings

    return load_settings().db_url


def open_store_from_args(args: argparse.Namespace, *, migrate_schema: bool = True) -> Store:
    """Open (creating or upgrading) the store ``--db`` names."""
    from arcforge.store import open_store

    return open_store(db_url_from_args(args), migrate_schema=migrate_schema)
