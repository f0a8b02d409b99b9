"""``arcforge serve``: the web app (testing page, traces, votes, variations) under uvicorn.

One process by default; ``--workers N`` starts N uvicorn worker processes behind the same store
(SQLite in WAL mode with immediate write transactions, or PostgreSQL), which loses no write. Before
any worker starts, the main process checks the port, opens (and migrates) the store, loads the
dataset and makes the secret key, so a mistake is one clear line rather than N tracebacks. The main
process also makes automatic backups of a SQLite store (``--backup-hours``, pruned to ``--keep-backups``).
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from arcforge.cli._store_options import add_db_option
from arcforge.errors import UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from arcforge.settings import Settings

# People solve and explain *training* tasks: traces written on evaluation tasks would leak into the
# benchmark that measures models on them.
DEFAULT_DATASET = "arc-agi-2/training"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("serve", help="serve the testing page and its API (FastAPI + uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    add_db_option(p)
    p.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help=f"tasks to serve: a dataset name or path (default {DEFAULT_DATASET}); 'none' serves the store's tasks only",
    )
    p.add_argument(
        "--runs",
        action="append",
        metavar="DIR",
        default=None,
        help="add the runs viewer (/runs) over this folder of runs or run folder; repeatable (default: runs/ when it exists)",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the store (default 1)")
    p.add_argument(
        "--backup-hours", type=float, default=24.0, help="back up a SQLite store every H hours (0: never)"
    )
    p.add_argument(
        "--keep-backups", type=int, default=10, help="backups kept in ARCFORGE_HOME/backups (default 10)"
    )
    p.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark cookies Secure (when served over HTTPS behind a proxy)",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    from arcforge.cli._sandbox_options import add_library_option

    add_library_option(p)  # the discussion page's code box imports them (ARCFORGE_DISCUSS_LIBRARIES)
    p.set_defaults(handler=run_serve)


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a port number (1-65535)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {port} on {host} is in use: stop the other server or pick --port"
                ) from None
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _runs_folders(given: list[str] | None) -> list[str]:
    """The viewer's folders: those given (each must exist), else ``runs/`` when it exists, else none."""
    if given is None:
        return [os.path.abspath("runs")] if os.path.isdir("runs") else []
    for folder in given:
        if not os.path.isdir(folder):
            raise UsageError(f"--runs {folder}: no such folder (give a folder of runs or one run folder)")
    return [os.path.abspath(folder) for folder in given]


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from arcforge.settings import load_settings
    from arcforge.store import open_store
    from arcforge.web.app import create_app
    from arcforge.web.backups import BackupScheduler
    from arcforge.web.config import load_secret_key

    if args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if args.keep_backups < 1:
        raise UsageError("--keep-backups must be 1 or more")
    _check_port(args.host, args.port)
    environ = dict(os.environ)
    if args.db:
        environ["ARCFORGE_DB"] = args.db
    if args.secure_cookies:
        environ["ARCFORGE_WEB_SECURE_COOKIES"] = "1"
    from arcforge.cli._sandbox_options import libraries_from

    if libraries_from(args):  # the discussion page's code box: checked to import before serving
        environ["ARCFORGE_DISCUSS_LIBRARIES"] = os.pathsep.join(
            str(Path(p).resolve()) for p in libraries_from(args)
        )
    settings = load_settings(environ)
    _check_discussion_libraries(settings)
    spec = "" if args.dataset.lower() in {"", "none"} else args.dataset
    dataset = None
    if spec:
        from arcforge.datasets import load_dataset

        dataset = load_dataset(spec)
    runs = _runs_folders(args.runs)
    store = open_store(settings.db_url)  # creates or migrates once, before any worker
    load_secret_key(settings)
    backups = None
    if args.backup_hours > 0 and store.database.is_sqlite and ":memory:" not in settings.db_url:
        backups = BackupScheduler(
            store,
            settings.home / "backups",
            interval_s=args.backup_hours * 3600,
            keep=args.keep_backups,
            on_error=lambda exc: print(f"arcforge: backup failed: {exc}", file=sys.stderr),
        ).start()
    shown = f"http://{args.host}:{args.port}/"
    print(
        f"arcforge: serving {spec or 'the store'} at {shown} (store {settings.db_url}, {args.workers} worker(s))",
        file=sys.stderr,
    )
    if runs:
        print(f"arcforge: runs viewer at {shown}runs over {', '.join(runs)}", file=sys.stderr)
    options = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "timeout_graceful_shutdown": 3,
        "proxy_headers": False,
        "server_header": False,
    }
    try:
        if args.workers == 1:
            app = create_app(settings, store=store, dataset=dataset)
            if runs:
                from arcforge.web.routes.runs import install_runs_viewer

                install_runs_viewer(app, runs, host=args.host, cache_dir=settings.home / "viewer-index")
            uvicorn.run(app, **options)
        else:
            # Each worker builds its own app (fork-safe: nothing shared) from the options this process
            # writes for it; the environment is left as it is.
            worker_file = _write_worker_options(settings, runs=runs, host=args.host, dataset=spec, overrides={
                name: environ[name]
                for name in ("ARCFORGE_DB", "ARCFORGE_WEB_SECURE_COOKIES", "ARCFORGE_DISCUSS_LIBRARIES")
                if name in environ
            })  # fmt: skip
            try:
                uvicorn.run("arcforge.cli.serve:worker_app", factory=True, workers=args.workers, **options)
            finally:
                worker_file.unlink(missing_ok=True)
    finally:
        if backups is not None:
            backups.stop()
        store.close()
    return 0


def _check_discussion_libraries(settings: Settings) -> None:
    """A solver library of the discussion page that fails to import stops ``serve`` in one line."""
    import asyncio

    from arcforge.pipelines.library_runs import check_libraries
    from arcforge.web.discussion.options import discuss_options

    libraries = discuss_options(settings).libraries
    if libraries:
        asyncio.run(check_libraries(libraries))


def _worker_options_path(settings: Settings, parent: int) -> Path:
    return settings.home / f"serve-workers-{parent}.json"


def _write_worker_options(
    settings: Settings, *, runs: list[str], host: str, dataset: str, overrides: dict[str, str]
) -> Path:
    """What ``serve --workers N`` tells its workers, in ``ARCFORGE_HOME/serve-workers-<pid>.json``, made
    readable by its owner only and removed when the server stops: the runs, the host, the dataset and
    the settings the command line overrode (the store URL, which may hold a database password, and
    the cookie flag). No API key: workers read those themselves."""
    import json

    settings.home.mkdir(parents=True, exist_ok=True)
    path = _worker_options_path(settings, os.getpid())
    document = {"environ": overrides, "runs": runs, "host": host, "dataset": dataset}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    return path


def worker_app() -> FastAPI:
    """The app of one ``serve --workers N`` worker, built from the options its parent wrote."""
    import json

    from arcforge.settings import load_settings
    from arcforge.web.app import create_app

    base = load_settings()
    document = json.loads(_worker_options_path(base, os.getppid()).read_text(encoding="utf-8"))
    settings = load_settings({**os.environ, **document["environ"]})
    app = create_app(settings, dataset=document["dataset"] or None)
    if document["runs"]:
        from arcforge.web.routes.runs import install_runs_viewer

        install_runs_viewer(
            app, document["runs"], host=document["host"], cache_dir=settings.home / "viewer-index"
        )
    return app
