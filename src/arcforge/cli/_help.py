"""The handler of a command group called without a subcommand: its help, and the usage exit status."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["help_handler"]


def help_handler(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler that prints ``parser``'s help and returns 2 (a usage error: no subcommand given)."""

    def handler(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return handler
