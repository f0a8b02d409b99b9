"""The sandbox's values: the limits of one run and the result for each grid and each task pair.

A :class:`GridResult` is what one input grid came to: an output :class:`Grid` (status ``ok``) or a
typed failure with a one-paragraph ``error``. Its statuses are fixed (:data:`STATUSES`) so callers can
count them. :func:`grid_result_from_wire` turns the fork server's JSON for one grid back into a value;
it trusts nothing in it, since a hostile program can write anything to its result pipe.
"""

from __future__ import annotations

import json
import math
import signal
from dataclasses import dataclass
from typing import Any

from arcforge.errors import InvalidTaskError, UsageError
from arcforge.task.grid import Grid

__all__ = [
    "PAIR_STATUSES",
    "STATUSES",
    "GridResult",
    "Limits",
    "PairResult",
    "grid_result_from_wire",
    "results_from_wire",
]

STATUSES = frozenset({"ok", "syntax_error", "no_solver", "exception", "timeout", "memory", "invalid_output"})
PAIR_STATUSES = frozenset({"passed", "failed", "error", "unknown"})
_MAX_TEXT = 20_000
_FROM_DIGITS = bytes.maketrans(b"0123456789", bytes(range(10)))


@dataclass(frozen=True, slots=True)
class Limits:
    """What one program execution (one batch of grids) may use.

    ``cpu_s`` defaults to ``wall_s``; it is enforced in whole seconds (rounded up) by the kernel and
    to the millisecond by the wall clock. ``processes`` is how many processes the program may start
    besides itself (0: none, and no threads either); ``file_size_bytes`` also caps its temporary
    directory.
    """

    wall_s: float = 2.0
    memory_bytes: int = 1 << 30
    cpu_s: float | None = None
    file_size_bytes: int = 16 << 20
    open_files: int = 64
    processes: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.wall_s, (int, float)) and math.isfinite(self.wall_s) and self.wall_s > 0):
            raise UsageError(f"sandbox wall time must be a positive number of seconds, not {self.wall_s!r}")
        if self.cpu_s is not None and not (math.isfinite(self.cpu_s) and self.cpu_s > 0):
            raise UsageError(f"sandbox CPU time must be a positive number of seconds, not {self.cpu_s!r}")
        if self.memory_bytes < 64 << 20:
            raise UsageError(
                f"sandbox memory must be at least 64 MiB (Python needs it), not {self.memory_bytes}"
            )
        if self.file_size_bytes < 4096 or self.open_files < 8 or not 0 <= self.processes <= 64:
            raise UsageError(
                "sandbox limits: file size >= 4096 bytes, open files >= 8 and processes 0-64 "
                f"(got {self.file_size_bytes}, {self.open_files}, {self.processes})"
            )

    @property
    def cpu_rlimit(self) -> int:
        """The CPU limit the kernel enforces: whole seconds, rounded up."""
        return max(1, math.ceil(self.cpu_s if self.cpu_s is not None else self.wall_s))

    def to_wire(self) -> dict[str, float | int]:
        """The limits as the fork server reads them."""
        return {
            "wall_s": float(self.wall_s),
            "cpu_s": float(self.cpu_s if self.cpu_s is not None else self.wall_s),
            "memory_bytes": int(self.memory_bytes),
            "file_size_bytes": int(self.file_size_bytes),
            "open_files": int(self.open_files),
            "processes": int(self.processes),
        }


@dataclass(frozen=True, slots=True)
class GridResult:
    """What a program made of one input grid.

    ``status`` is one of :data:`STATUSES`; ``output`` is set only for ``ok``; ``error`` says what went
    wrong (for ``exception`` the program's own traceback); ``stdout`` holds the start of what the
    program printed while solving this grid.
    """

    status: str
    output: Grid | None = None
    error: str | None = None
    stdout: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "output": self.output.to_list() if self.output is not None else None,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class PairResult:
    """A program's result on one pair of a task, judged against the pair's known output.

    ``status``: ``passed`` (output equals the known output), ``failed`` (a grid, but a different one),
    ``error`` (no grid: ``kind`` says which failure, ``error`` what happened) or ``unknown`` (a grid
    for a pair whose output the data does not hold).
    """

    split: str
    index: int
    status: str
    output: Grid | None = None
    error: str | None = None
    expected: Grid | None = None
    kind: str = "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "index": self.index,
            "status": self.status,
            "output": self.output.to_list() if self.output is not None else None,
            "error": self.error,
        }


def grid_result_from_wire(message: Any) -> GridResult:
    """A :class:`GridResult` from the fork server's JSON for one grid, validated throughout."""
    if not isinstance(message, dict):
        return GridResult("exception", error="the sandbox received a malformed result")
    status = message.get("s")
    error = message.get("e")
    error = str(error)[:_MAX_TEXT] if error is not None else None
    stdout = message.get("o", "")
    stdout = stdout[:_MAX_TEXT] if isinstance(stdout, str) else ""
    if status not in STATUSES:
        return GridResult("exception", error="the sandbox received a malformed result", stdout=stdout)
    if status != "ok":
        return GridResult(status, error=error or status.replace("_", " "), stdout=stdout)
    height, width, cells = message.get("h"), message.get("w"), message.get("c")
    try:
        if type(height) is not int or type(width) is not int or not isinstance(cells, str):
            raise TypeError
        grid = Grid.from_bytes(height, width, cells.encode("ascii").translate(_FROM_DIGITS))
    except (InvalidTaskError, TypeError, UnicodeEncodeError):
        return GridResult(
            "invalid_output", error="not a grid: the program's output could not be read", stdout=stdout
        )
    return GridResult("ok", output=grid, stdout=stdout)


def results_from_wire(data: bytes, count: int, ending: dict[str, Any], limits: Limits) -> list[GridResult]:
    """One result per grid from a child's raw result lines and the server's account of its end.

    The lines are the program process's own output, so each is parsed and checked on its own, and
    nothing in them can raise: a line too long, too deeply nested, not UTF-8 or not JSON makes every
    grid still without a result ``invalid_output`` (only a hostile program writes such a line to
    the result channel). The first line for a grid counts. Grids with no line get what ended the
    process (:func:`ending_result`).
    """
    messages: list[Any] = [None] * count
    fatal = None
    malformed = False
    for line in data.split(b"\n"):
        if not line:
            continue
        message = _parse_line(line)
        if not isinstance(message, dict):
            malformed = True
            continue
        if "fatal" in message:
            fatal = str(message["fatal"])[:2000]
            continue
        index = message.get("i")
        if type(index) is int and 0 <= index < count and messages[index] is None:
            messages[index] = message
        elif type(index) is not int or not 0 <= index < count:
            malformed = True
    if fatal is not None:
        missing = GridResult("exception", error=fatal)
    elif malformed and not ending.get("killed"):
        missing = GridResult("invalid_output", error=_MALFORMED)
    else:
        missing = ending_result(ending, limits)
    results = []
    for message in messages:
        try:
            results.append(grid_result_from_wire(message) if message is not None else missing)
        except Exception:  # a value whose str() or slicing fails: still only this program's problem
            results.append(GridResult("invalid_output", error=_MALFORMED))
    return results


_MALFORMED = "not a grid: the program wrote something other than a result line to its result channel"
MAX_LINE = 1 << 20


def _parse_line(line: bytes) -> Any:
    """One result line as JSON, or None for anything a real result line never is.

    A real line is one flat object well under :data:`MAX_LINE` bytes. Deep nesting makes the JSON
    decoder raise ``RecursionError`` and long numbers ``ValueError`` (Python's digit limit): both
    are caught here, like invalid UTF-8.
    """
    if len(line) > MAX_LINE:
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError, MemoryError):
        return None


def ending_result(ending: dict[str, Any], limits: Limits) -> GridResult:
    """The result for grids a program never reported: what ended its process, as the server saw it."""
    if ending.get("closed"):
        return GridResult("invalid_output", error="not a grid: the program shut its result channel down")
    number = ending.get("signal") or 0
    cpu = float(ending.get("cpu_s") or 0.0)
    rss = int(ending.get("max_rss_kib") or 0) * 1024
    if ending.get("killed"):
        return GridResult("timeout", error=f"wall time limit of {limits.wall_s:g} s exceeded")
    if number:
        if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= limits.cpu_rlimit - 0.25):
            return GridResult("timeout", error=f"CPU time limit of {limits.cpu_rlimit} s exceeded")
        if rss >= 0.9 * limits.memory_bytes:
            return GridResult("memory", error=f"memory limit of {limits.memory_bytes} bytes exceeded")
        if number == signal.SIGXFSZ:
            return GridResult(
                "exception", error=f"file size limit of {limits.file_size_bytes} bytes exceeded"
            )
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = " (a stack overflow or a crash in native code)" if number == signal.SIGSEGV else ""
        return GridResult("exception", error=f"the program's process was killed by {name}{hint}")
    code = ending.get("exit")
    return GridResult(
        "exception", error=f"the program ended its process (exit status {code}) before returning a result"
    )
