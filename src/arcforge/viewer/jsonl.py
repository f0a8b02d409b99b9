"""Reading a growing JSON Lines file as a stream of ``(offset, length, value)``, and one line back by offset.

A run appends to ``records.jsonl`` while the viewer reads it, so a read stops at the last complete line
(one that ends with a newline): a half-written line is read again next time, once it is finished. A
line that is not JSON is skipped (counted by the caller); nothing ever holds the whole file in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["HEAD_BYTES", "head_hash", "iter_lines", "read_line"]

HEAD_BYTES = 4096
_CHUNK = 1 << 20


def head_hash(path: Path, length: int) -> str:
    """sha256 of the first ``length`` bytes: tells a file that grew from one that was rewritten."""
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(length)).hexdigest()


def iter_lines(path: Path, start: int = 0) -> Iterator[tuple[int, int, Any]]:
    """Each complete line from byte ``start`` on: its offset, its length (newline included) and its
    JSON value (None when the line is not JSON)."""
    with path.open("rb") as handle:
        handle.seek(start)
        offset = start
        for raw in iter(lambda: handle.readline(_CHUNK * 64), b""):
            if not raw.endswith(b"\n"):
                return  # a line still being written: read again once it is complete
            length = len(raw)
            if raw.strip():
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = None
                yield offset, length, value
            offset += length


def read_line(path: Path, offset: int, length: int) -> Any:
    """The JSON value of the line at ``offset`` (None when it is gone or not JSON)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            raw = handle.read(length)
        return json.loads(raw)
    except (OSError, ValueError):
        return None
