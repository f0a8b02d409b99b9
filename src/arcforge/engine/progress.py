"""The run's progress bar on stderr: done/total, rate, ETA, tokens and cost (rich).

Shown only when stderr is a terminal (or when asked), so logs and pipes stay clean; notes such as
"stopping" are printed above the bar.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

__all__ = ["RunProgress"]


class RunProgress:
    """A context manager around a rich progress bar; a silent no-op when disabled."""

    def __init__(
        self,
        *,
        total: int,
        done: int = 0,
        description: str = "run",
        enabled: bool | None = None,
        usage: bool = True,
    ) -> None:
        self.total = total
        self._usage = usage
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Any = None
        self._task: Any = None
        self._done = done
        self._description = description

    def __enter__(self) -> RunProgress:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = [
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
        ]
        if self._usage:
            columns += [TextColumn("{task.fields[tokens]} tok"), TextColumn("${task.fields[cost]}")]
        self._progress = Progress(*columns, console=Console(stderr=True), transient=False)
        self._progress.__enter__()
        self._task = self._progress.add_task(
            self._description, total=self.total, completed=self._done, rate="", tokens="0", cost="0.0000"
        )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)
            self._progress = None

    def update(self, tokens: int, cost: float) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, tokens=_short(tokens), cost=f"{cost:.4f}")

    def advance(self, tokens: int, cost: float) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, advance=1, tokens=_short(tokens), cost=f"{cost:.4f}")
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(self._task, rate=f"{speed * 60:.1f}/min" if speed else "")

    def note(self, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(f"[yellow]{message}")
        else:
            print(f"arcforge: {message}", file=sys.stderr)


def _short(tokens: int) -> str:
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    if tokens >= 10_000:
        return f"{tokens / 1000:.0f}k"
    return str(tokens)
