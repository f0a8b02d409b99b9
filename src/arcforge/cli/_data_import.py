"""``arcforge data import FILE``: the original system's ``dataset.json`` into the store.

Engineer A owns the ``data`` group; its ``register`` calls :func:`register_data_import` with the
group's subparsers so this subcommand joins it.
"""

from __future__ import annotations

import argparse

from arcforge.cli._store_options import add_db_option

__all__ = ["register_data_import", "run_data_import"]


def register_data_import(data_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = data_subparsers.add_parser(
        "import",
        help="import the original system's versioned dataset.json into the store",
        description=(
            "Each entry {task_id|id, version, signed_by, train, test} becomes that task version with its "
            "signatures. Identical content already stored gains the signatures; different content under an "
            "existing version number is reported and skipped."
        ),
    )
    p.add_argument("file", metavar="FILE", help="path of dataset.json")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run_data_import)


def run_data_import(args: argparse.Namespace) -> int:
    from arcforge.cli._report_output import print_report
    from arcforge.cli._store_options import open_store_from_args

    with open_store_from_args(args) as store:
        report = store.import_dataset_file(args.file)
    print_report(f"imported {args.file}", report, as_json=args.json)
    return 1 if report.skipped and not report.added and not report.unchanged else 0
