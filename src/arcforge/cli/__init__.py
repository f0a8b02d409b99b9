"""The ``arcforge`` command.

Each command group is one module in this package with a ``register(subparsers)`` function; the
modules are discovered, so adding a command is adding a file. Modules keep their imports of heavy
libraries inside the handlers, so ``arcforge --help`` stays fast. A handler returns an exit code.

Errors: an :class:`~arcforge.errors.ArcforgeError` becomes one line on stderr and its exit code (2 for
usage errors); Ctrl-C exits 130. Nobody sees a traceback for a mistake they can fix.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except ArcforgeError as exc:
        print(f"arcforge: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arcforge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
