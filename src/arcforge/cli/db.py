"""``arcforge db``: back up, migrate and describe the store.

``backup`` uses SQLite's online backup, so it is safe while ``arcforge serve`` runs; with
``--keep N`` it writes a time-stamped file into a folder and keeps only the N newest there.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from arcforge.cli._help import help_handler
from arcforge.cli._store_options import add_db_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="back up, migrate and describe the store")
    sub = parser.add_subparsers(dest="db_command", metavar="SUBCOMMAND", parser_class=type(parser))
    parser.set_defaults(handler=help_handler(parser))

    p = sub.add_parser("backup", help="copy the store (SQLite online backup; safe while the server runs)")
    p.add_argument(
        "out",
        metavar="OUT",
        nargs="?",
        help="a new .db file, or a folder for a time-stamped backup (default: ARCFORGE_HOME/backups/)",
    )
    p.add_argument(
        "--keep", type=int, default=None, metavar="N", help="in a folder, keep only the N newest backups"
    )
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_backup)

    p = sub.add_parser("migrate", help="create the store or bring its schema up to date")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_migrate)

    p = sub.add_parser("info", help="the store's URL, schema version and row counts")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_info)


def run_backup(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args
    from arcforge.errors import UsageError
    from arcforge.settings import load_settings

    if args.keep is not None and args.keep < 1:
        raise UsageError("--keep must be at least 1")
    out = Path(args.out) if args.out else load_settings().home / "backups"
    folder = out.is_dir() or not args.out or str(args.out).endswith(("/", "\\"))
    if args.keep is not None and not folder:
        raise UsageError("--keep applies to a folder of backups: give a folder as OUT")
    with open_store_from_args(args) as store:
        if folder:
            path = store.backup_rotating(out, keep=args.keep or 1_000_000)
        else:
            path = store.backup(out)
    size = path.stat().st_size
    if args.json:
        print(json.dumps({"backup": str(path), "bytes": size}))
    else:
        print(f"backed up to {path} ({size} bytes)")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import db_url_from_args
    from arcforge.store import open_store
    from arcforge.store.migrations import migrate

    with open_store(db_url_from_args(args), migrate_schema=False) as store:
        before, after = migrate(store.database)
    if args.json:
        print(json.dumps({"from": before, "to": after}))
    elif before == after:
        print(f"the store is up to date (schema version {after})")
    else:
        print(f"migrated the store from schema version {before} to {after}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from arcforge.cli._store_options import db_url_from_args, open_store_from_args
    from arcforge.errors import UsageError

    try:
        url = make_url(db_url_from_args(args))
    except ArgumentError:
        url = None
    # describing must not create: a mistyped SQLite path would leave a new empty file
    sqlite_file = (
        url is not None and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    )
    if sqlite_file and url is not None and not Path(str(url.database)).exists():
        raise UsageError(f"no store at {url.database} (check --db, or create it with `arcforge db migrate`)")
    with open_store_from_args(args, migrate_schema=False) as store:
        info = store.info()
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
        return 0
    print(f"store:  {info.url}")
    status = (
        "up to date"
        if info.schema_version == info.latest_version
        else f"run `arcforge db migrate` (latest {info.latest_version})"
    )
    print(f"schema: version {info.schema_version} ({status})")
    for name, count in info.counts.items():
        print(f"  {name:<14} {count}")
    return 0
