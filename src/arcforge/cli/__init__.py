"""The ``arcforge`` command.

Each command group is one module in this package with a ``register(subparsers)`` function; the
modules are discovered, so adding a command is adding a file. Modules keep their imports of heavy
libraries inside the handlers, so ``arcforge --help`` stays fast. A handler returns an exit code.

Errors: an :class:`~arcforge.errors.ArcforgeError` becomes one line on stderr and its exit code (2 for
usage errors); an :class:`OSError` (a path that cannot be read or written) is one line naming the
path, exit 1; Ctrl-C exits 130. Nobody sees a traceback for a mistake they can fix.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from arcforge import __version__
from arcforge.errors import ArcforgeError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (exit 2) that points at --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="arcforge",
        description="ARC-AGI research: datasets, model access, a sandbox, synthetic data, benchmarks, a web app.",
    )
    parser.add_argument("--version", action="version", version=f"arcforge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    _remember_parsers(parser)
    return parser


def _remember_parsers(parser: argparse.ArgumentParser) -> None:
    """Let each (sub)command's parser put itself in the namespace, so errors found after parsing
    (unrecognized arguments) point at that command's --help; the deepest parser sets it last."""
    parser.set_defaults(_command_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _remember_parsers(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        getattr(args, "_command_parser", parser).error(f"unrecognized arguments: {' '.join(extras)}")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    previous = _exit_on_sigterm()
    try:
        return int(handler(args) or 0)
    except ArcforgeError as exc:
        from arcforge.cli._terminal import printable  # a message may quote a server or a program

        print(f"arcforge: error: {printable(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arcforge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file the user named cannot be read or written: say which, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"arcforge: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _exit_on_sigterm() -> Any:
    """SIGTERM (kill, systemd, docker stop) exits through Python, so atexit hooks run: the bundled
    model's server is stopped instead of outliving the command. Returns the handler to restore."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return None
    return signal.signal(signal.SIGTERM, _terminated)


if __name__ == "__main__":
    sys.exit(main())
