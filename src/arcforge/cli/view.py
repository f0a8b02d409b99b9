"""``arcforge view RUN_DIR...``: the runs viewer alone, on loopback, and a browser opened on it (when
there is a graphical session; otherwise the address is printed).

Each argument is a run folder or a folder of runs. No store is opened: the viewer only reads run folders
(and keeps a small index file beside each run). It listens on 127.0.0.1 only; to show runs to other
machines use ``arcforge serve --runs DIR --host ADDRESS``, which asks for a moderator's sign-in.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from arcforge.errors import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "view",
        help="browse runs in the browser: every run, task, sample, program and grid",
        description=(
            "Serve the runs viewer over the given run folders (or folders of runs) on loopback and open "
            "a browser on it. Read-only; new records of a running run show up as they are written."
        ),
    )
    p.add_argument(
        "run_dirs", nargs="*", metavar="RUN_DIR", help="run folders or folders of runs (default: runs/)"
    )
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8010, help="port (default 8010; 0 picks a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    p.set_defaults(handler=run_view)


def _folders(given: list[str]) -> list[str]:
    if not given:
        if not os.path.isdir("runs"):
            raise UsageError("no runs/ folder here: give run folders (arcforge view RUN_DIR [RUN_DIR ...])")
        return [os.path.abspath("runs")]
    for folder in given:
        if not os.path.isdir(folder):
            raise UsageError(f"{folder}: no such folder (give a run folder or a folder of runs)")
    return [os.path.abspath(folder) for folder in given]


def run_view(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from arcforge.settings import load_settings
    from arcforge.web.routes.runs import create_viewer_app

    folders = _folders(args.run_dirs)
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port} is not a port number (0-65535)")
    app = create_viewer_app(folders, host=args.host, cache_dir=load_settings().home / "viewer-index")
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror}): pick another --port"
        ) from None
    port = sock.getsockname()[1]
    url = f"http://{args.host if ':' not in args.host else f'[{args.host}]'}:{port}/runs"
    print(
        f"arcforge: runs viewer at {url} over {', '.join(folders)} (Ctrl-C stops it)",
        file=sys.stderr,
        flush=True,
    )
    if not args.no_browser and _has_display():
        threading.Timer(0.8, _open_browser, args=(url,)).start()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level=args.log_level, server_header=False, timeout_graceful_shutdown=3)
    )
    server.run(sockets=[sock])
    return 0


def _has_display() -> bool:
    """A graphical session to open a browser in (without one, ``webbrowser`` would start a text browser
    such as lynx in this terminal, on top of the server's output)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        webbrowser.open(url)
    except webbrowser.Error:
        pass  # no browser on this machine: the URL is printed above
