"""Options shared by every command that makes a run directory (``generate``, ``benchmark``).

``--out``, ``--resume``, ``--concurrency`` (the original ``--max_concurrent_tasks``), ``--max-cost``,
``--retry-parse-failures`` and ``--no-progress``. The options that define or drive a run are saved in
its manifest (``options``), so ``--resume RUN_DIR`` alone continues a run with every option it was
started with; an option given again on resume wins and is saved for the next resume.

To tell "given" from "left at its default", every run option's argparse default is the :data:`UNSET`
sentinel (:func:`finish_run_options` swaps the real defaults out after a command added its options);
:func:`resolve_run` then fills what is unset from the resumed run's manifest, and the rest from the
real defaults. An explicit value equal to the default therefore still counts.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Final

from arcforge.cli._validators import money, positive_int

if TYPE_CHECKING:
    from arcforge.engine import RunDirectory

__all__ = [
    "RUN_OPTIONS",
    "UNSET",
    "add_run_options",
    "command_line",
    "fill_from_manifest",
    "finish_run_options",
    "resolve_run",
    "run_options",
]


class _Unset:
    """The default of an option nobody gave (falsy; one instance)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()

# options that define or drive a run (kept in the manifest; taken from it on --resume when not given)
RUN_OPTIONS = (
    "dataset",
    "task_ids",
    "max_tasks",
    "task_slice",
    "version",
    "model",
    "base_url",
    "temperature",
    "max_tokens",
    "reasoning_effort",
    "samples",
    "encoding",
    "template",
    "refine",  # the refinement search's four (generate code, benchmark code: cli/_refine_options.py)
    "refine_width",
    "max_calls_per_task",
    "max_cost_per_task",
    "no_cache",
    "reuse_cache",
    "price",
    # how the run is driven: restored on --resume when not given again (a new value replaces it)
    "max_cost",
    "concurrency",
    "retry_parse_failures",
    "libraries",  # --library, --library-doc (cli/_library_options.py)
    "library_doc",
)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """``--out``, ``--resume``, ``--concurrency`` (alias ``--max_concurrent_tasks``), ``--max-cost``,
    ``--retry-parse-failures`` and ``--no-progress``."""
    group = parser.add_argument_group("run")
    group.add_argument(
        "--out", metavar="RUN_DIR", help="run directory (default: runs/<command>-<model>-<UTC time>/)"
    )
    group.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR with the options it was started with: skips finished samples, "
        "asks again those that failed with a transport or server error",
    )
    group.add_argument(
        "--concurrency",
        "--max_concurrent_tasks",
        "--max-concurrent-tasks",
        dest="concurrency",
        type=positive_int,
        default=4,
        metavar="N",
        help="requests in flight at once (default: 4)",
    )
    group.add_argument(
        "--max-cost",
        "--max_cost",
        dest="max_cost",
        type=money,
        metavar="USD",
        help="stop taking new work once the run has cost this much (needs a known price: a models.toml "
        "entry, --price, or a server that reports costs)",
    )
    group.add_argument(
        "--retry-parse-failures",
        dest="retry_parse_failures",
        action="store_true",
        help="with --resume, also ask again the samples whose reply could not be parsed",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="no progress bar (default: shown when stderr is a terminal)",
    )


def finish_run_options(parser: argparse.ArgumentParser) -> None:
    """Make every run option of ``parser`` default to :data:`UNSET`, keeping the real defaults in
    ``option_defaults`` (call once a command has added all its options)."""
    defaults: dict[str, Any] = {}
    for action in parser._actions:
        if action.dest in RUN_OPTIONS and action.dest not in defaults:
            defaults[action.dest] = action.default
    for action in parser._actions:
        # an "append" option (--base-url, repeatable) cannot start from a sentinel: None is its unset
        if action.dest in defaults and not isinstance(action, argparse._AppendAction):
            action.default = UNSET
    parser.set_defaults(option_defaults=defaults)


def resolve_run(args: argparse.Namespace) -> RunDirectory | None:
    """Fill the unset run options: from the resumed run's manifest (``--resume``), then the defaults.

    Returns the resumed run, opened once (None for a new run); records which options were given in
    ``args.given_options``.
    """
    run = None
    stored: dict[str, Any] = {}
    if getattr(args, "resume", None):
        from arcforge.engine import RunDirectory

        run = RunDirectory.open(args.resume)
        stored = dict(run.manifest.get("options") or {})
    defaults: dict[str, Any] = getattr(args, "option_defaults", {})
    given = []
    for dest in RUN_OPTIONS:
        if not hasattr(args, dest):
            continue
        value = getattr(args, dest)
        if value is not UNSET and not (value is None and defaults.get(dest) is None):
            given.append(dest)
        elif dest in stored:
            setattr(args, dest, stored[dest])
        else:
            setattr(args, dest, defaults.get(dest))
    if isinstance(getattr(args, "price", None), list):  # a price read back from JSON
        args.price = tuple(args.price)
    if isinstance(getattr(args, "base_url", None), list) and len(args.base_url) == 1:
        args.base_url = args.base_url[0]  # one endpoint: a URL, as runs have always recorded it
    args.given_options = given
    return run


def fill_from_manifest(args: argparse.Namespace, path: str) -> None:
    """Unset options take the values the run in ``path`` was started with (see :func:`resolve_run`)."""
    args.resume = path
    resolve_run(args)


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The run options as resolved (saved in the manifest for the next ``--resume``)."""
    return {dest: getattr(args, dest) for dest in RUN_OPTIONS if hasattr(args, dest)}


def command_line(command: str, args: argparse.Namespace) -> list[str]:
    """The options of the run as a command line (shown when a resume does not match)."""
    parts = command.split()
    defaults = getattr(args, "option_defaults", {})
    for dest, value in run_options(args).items():
        if value is None or value is UNSET or value == defaults.get(dest):
            continue
        flag = f"--{dest.replace('_', '-')}"
        if dest == "libraries" and isinstance(value, list | tuple):
            parts += [part for path in value for part in ("--library", str(path))]
        elif value is True:
            parts.append(flag)
        elif dest == "price":
            parts += [flag, f"{value[0]:g}:{value[1]:g}"]
        else:
            parts += [flag, str(value)]
    return parts
