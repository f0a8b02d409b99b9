"""``verification.jsonl``: one line per verified sample, appended as results come, read back streamed.

A line is ``{key, attempt, task_id, task_version, sample_index, verified, outcome, pairs, verified_at}``;
``attempt`` is the record's ``supersedes`` count (0 for a first record), so when ``--resume`` asks a
sample again, its new record is verified anew and the newer line wins. Lines are appended and flushed
one by one; a ``kill -9`` leaves at most a truncated last line, which readers skip and the next
``arcforge verify`` cuts off before appending, so a killed verification simply continues.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from arcforge.engine.run_directory import truncate_partial_line
from arcforge.errors import RunError

__all__ = [
    "VERIFICATION_FILE",
    "VerificationLog",
    "VerifySummary",
    "entry_identity",
    "iter_entries",
    "latest_entries",
    "summarize",
    "verified_keys",
]

VERIFICATION_FILE = "verification.jsonl"


def entry_identity(record: Mapping[str, Any]) -> tuple[str, int]:
    """Which record a line verifies: its key and attempt (how many earlier records it supersedes)."""
    return str(record.get("key")), int(record.get("supersedes") or record.get("attempt") or 0)


def iter_entries(path: Path | str) -> Iterator[dict[str, Any]]:
    """Each complete line of ``RUN_DIR/verification.jsonl``, in order (a truncated last line skipped)."""
    file = Path(path) / VERIFICATION_FILE
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        return
    with handle:
        bad: int | None = None
        for number, raw in enumerate(handle, start=1):
            if bad is not None:
                raise RunError(f"{file} line {bad} is corrupt; run `arcforge verify --fresh` to redo it")
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except ValueError:
                bad = number
                continue
            if not raw.endswith(b"\n"):
                bad = number
                continue
            yield entry


def latest_entries(path: Path | str) -> dict[tuple[str, int], dict[str, Any]]:
    """The last line for each (key, attempt), without its pairs (small: what summaries need)."""
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in iter_entries(path):
        light = {k: v for k, v in entry.items() if k != "pairs"}
        latest[entry_identity(entry)] = light
    return latest


def verified_keys(path: Path | str) -> set[tuple[str, int]]:
    """The (key, attempt) pairs marked verified; :class:`RunError` when the run was never verified."""
    if not (Path(path) / VERIFICATION_FILE).is_file():
        raise RunError(f"{path} has no {VERIFICATION_FILE}: run `arcforge verify {path}` first")
    verified: set[tuple[str, int]] = set()
    for entry in iter_entries(path):  # the last line of a (key, attempt) wins; only verified ones are kept
        if entry.get("verified"):
            verified.add(entry_identity(entry))
        else:
            verified.discard(entry_identity(entry))
    return verified


class VerificationLog:
    """``verification.jsonl`` opened for appending (a truncated last line is cut off first)."""

    def __init__(self, path: Path | str, *, fresh: bool = False) -> None:
        self.file = Path(path) / VERIFICATION_FILE
        if fresh:
            self.file.unlink(missing_ok=True)
        truncate_partial_line(self.file)
        self._handle: TextIO = self.file.open("a", encoding="utf-8")

    def append(self, entry: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()

    def __enter__(self) -> VerificationLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class VerifySummary:
    """How many samples there were, how many are verified, the count of each outcome, and the yield:
    cost and tokens of the whole run per verified sample (``None`` when unknown or nothing verified)."""

    path: Path
    samples: int
    verified: int
    by_outcome: dict[str, int]
    tasks: int = 0
    tasks_verified: int = 0
    elapsed_s: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    tokens: int = 0
    new: int = 0  # samples verified by this call (the rest were in verification.jsonl already)
    timed_out: tuple[str, ...] = ()  # samples whose program ran out of wall or CPU time, named

    @property
    def cost_per_verified_usd(self) -> float | None:
        if self.cost_usd is None or not self.verified:
            return None
        return round(self.cost_usd / self.verified, 6)

    @property
    def tokens_per_verified(self) -> float | None:
        return round(self.tokens / self.verified, 1) if self.verified else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.path),
            "samples": self.samples,
            "verified": self.verified,
            "not_verified": self.samples - self.verified,
            "yield": round(self.verified / self.samples, 4) if self.samples else None,
            "tasks": self.tasks,
            "tasks_verified": self.tasks_verified,
            "by_outcome": dict(self.by_outcome),
            "failures": dict(self.failures),
            **self.failures,
            "cost_usd": self.cost_usd,
            "cost_per_verified_usd": self.cost_per_verified_usd,
            "tokens": self.tokens,
            "tokens_per_verified": self.tokens_per_verified,
            "verified_now": self.new,
            "timed_out": list(self.timed_out),
            "elapsed_s": self.elapsed_s,
        }


def summarize(
    path: Path,
    entries: Iterable[Mapping[str, Any]],
    *,
    elapsed_s: float = 0.0,
    cost_usd: float | None = None,
    tokens: int = 0,
    new: int = 0,
) -> VerifySummary:
    """The summary of verification entries (as written in ``verification.jsonl``)."""
    outcomes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    tasks: dict[str, bool] = {}
    for entry in entries:
        outcomes[entry["outcome"]] += 1
        task = f"{entry.get('task_id')}:v{entry.get('task_version', 0)}"
        tasks[task] = tasks.get(task, False) or bool(entry["verified"])
        if not entry["verified"]:
            failures[entry["outcome"]] += 1
    samples = sum(outcomes.values())
    return VerifySummary(
        path=path,
        samples=samples,
        verified=outcomes.get("verified", 0),
        by_outcome=dict(sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))),
        tasks=len(tasks),
        tasks_verified=sum(tasks.values()),
        elapsed_s=elapsed_s,
        failures={kind: count for kind, count in sorted(failures.items()) if count},
        cost_usd=cost_usd,
        tokens=tokens,
        new=new,
    )
