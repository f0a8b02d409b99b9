"""``arcforge traces``: import, export, list and merge reasoning traces in the store.

``import`` reads the original system's ``traces_store.json`` losslessly; ``export`` writes the same
format back; ``list`` shows a task's traces best first; ``merge`` adds a run's reasoning (author =
the model, provenance = the run) without duplicates on a second merge.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from arcforge.cli._help import help_handler
from arcforge.cli._store_options import add_db_option
from arcforge.cli._terminal import printable

_PREVIEW = 100


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("traces", help="import, export, list and merge reasoning traces")
    sub = parser.add_subparsers(dest="traces_command", metavar="SUBCOMMAND", parser_class=type(parser))
    parser.set_defaults(handler=help_handler(parser))

    p = sub.add_parser("import", help="import the original system's traces_store.json (votes included)")
    p.add_argument("file", metavar="FILE", help="path of traces_store.json")
    _common(p, run_import)

    p = sub.add_parser("export", help="write every trace in the original traces_store.json format")
    p.add_argument("out", metavar="OUT", nargs="?", help="file to write (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite OUT when it exists")
    _common(p, run_export, json_flag=False)

    p = sub.add_parser("list", help="list a task's traces, best score first")
    p.add_argument(
        "--task", "--task-id", "--task_id", dest="task", metavar="ID", help="the task id (default: all)"
    )
    p.add_argument("--full", action="store_true", help="print whole texts instead of a first line")
    _common(p, run_list)

    p = sub.add_parser(
        "merge",
        help="add a run's reasoning to the store (author = the model); merging twice adds nothing",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory holding records.jsonl")
    p.add_argument(
        "--verified-only",
        "--verified_only",
        dest="verified_only",
        action="store_true",
        help="merge only samples verification.jsonl marks verified (run `arcforge verify` first)",
    )
    _common(p, run_merge)


def _common(parser: argparse.ArgumentParser, handler: object, *, json_flag: bool = True) -> None:
    add_db_option(parser)
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=handler)


def run_import(args: argparse.Namespace) -> int:
    from arcforge.cli._report_output import print_report
    from arcforge.cli._store_options import open_store_from_args

    with open_store_from_args(args) as store:
        report = store.import_traces_store(args.file)
        print_report(f"imported {args.file}", report, as_json=args.json)
    if report.problems and not (report.added or report.updated or report.unchanged):
        # nothing in the file was a trace: most likely the wrong file (a task, a run record, ...)
        print(
            f"arcforge: error: {args.file} holds no trace: a traces_store.json maps task ids to lists "
            'of {"trace_id", "username", "text", ...} entries',
            file=sys.stderr,
        )
        return 1
    return 0


def run_export(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args
    from arcforge.errors import UsageError

    if args.out and Path(args.out).exists() and not args.force:
        raise UsageError(f"{args.out} exists: choose another file or pass --force")
    with open_store_from_args(args) as store:
        data = store.export_traces_store()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"{out} is a folder: give the file to write, e.g. {out / 'traces_store.json'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
    count = sum(len(v) for v in data.values())
    print(f"wrote {count} traces of {len(data)} tasks to {out}", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args

    with open_store_from_args(args) as store:
        traces = store.list_traces(args.task)
    if args.json:
        rows = [
            {
                "id": t.id,
                "public_id": t.public_id,
                "task_id": t.task_id,
                "task_version": t.task_version,
                "author": t.author,
                "author_kind": t.author_kind,
                "score": t.score,
                "up": t.up,
                "down": t.down,
                "run_id": t.run_id,
                "record_key": t.record_key,
                "created_at": t.created_at.isoformat(),
                "updated_at": t.updated_at.isoformat(),
                "text": t.text,
            }
            for t in traces
        ]
        print(json.dumps({"task_id": args.task, "traces": rows}, indent=2, ensure_ascii=False))
        return 0
    if not traces:
        where = f"task {args.task}" if args.task else "the store"
        print(f"no traces for {where} (add some with `arcforge traces import` or `arcforge traces merge`)")
        return 0
    for t in traces:
        label = (
            "model"
            if t.author_kind == "model"
            else ("model-assisted" if t.author_kind == "model_assisted" else "human")
        )
        author = printable(t.author, multiline=False)  # trace text and authors may come from a model
        task_id = printable(t.task_id, multiline=False)
        print(f"#{t.id} {task_id} score {t.score:+d} (+{t.up}/-{t.down}) {author} [{label}]")
        if args.full:
            print(printable(t.text.rstrip()) + "\n")
        else:
            first = " ".join(t.text.split())
            print("    " + printable(first[:_PREVIEW] + ("..." if len(first) > _PREVIEW else "")))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from arcforge.cli._report_output import print_report
    from arcforge.cli._store_options import open_store_from_args
    from arcforge.store.merge import merge_run

    if not Path(args.run_dir).is_dir():
        from arcforge.errors import UsageError

        raise UsageError(
            f"{args.run_dir} is not a directory: pass a run directory made by `arcforge generate`"
        )
    with open_store_from_args(args) as store:
        report = merge_run(store, args.run_dir, verified_only=args.verified_only)
    print_report(f"merged {args.run_dir}", report, as_json=args.json, extra={"run_dir": str(args.run_dir)})
    return 0
