"""Printing an :class:`arcforge.store.ImportReport` for people or as JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["print_report"]

_SHOWN_PROBLEMS = 20


def print_report(what: str, report: Any, *, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    """One summary line (plus the first problems on stderr), or one JSON object with ``--json``."""
    if as_json:
        print(json.dumps({**(extra or {}), **report.to_dict()}, indent=2))
        return
    parts = [f"{report.added} added", f"{report.unchanged} unchanged"]
    if report.updated:
        parts.insert(1, f"{report.updated} updated")
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    if report.votes:
        parts.append(f"{report.votes} votes")
    if report.signatures:
        parts.append(f"{report.signatures} signatures")
    print(f"{what}: " + ", ".join(parts))
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        print(f"  {problem}", file=sys.stderr)
    if len(report.problems) > _SHOWN_PROBLEMS:
        print(f"  ... and {len(report.problems) - _SHOWN_PROBLEMS} more (see --json)", file=sys.stderr)
