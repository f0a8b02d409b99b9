"""The population of a refinement search and the choices made from it, all blind to test outputs.

A task's population is every program its records hold (initial samples and revisions) that ran in
the sandbox. From it:

- :func:`choose_parents` picks the programs a round revises: those failing a train pair and not yet
  revised, the ``width`` best by train accuracy, ties broken by fewer wrong cells, then by age (the
  older, lower sample index, first);
- :func:`agreeing_pair` finds two *distinct* programs (different code) that pass every train pair and
  agree on every test input, the early stop;
- :func:`select_with_reasons` picks at most two attempts per test input: outputs of train-perfect
  programs first, then by votes (distinct programs giving that output, counted among the train-perfect
  ones when the output has any, else among all), then by the best train accuracy of the programs
  giving it, then by the oldest such program; each choice carries the reason it was made.

Nothing here is given a test output: a :class:`Program` holds train verdicts and test *predictions*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arcforge.engine.records import Status
from arcforge.task.grid import Grid

__all__ = [
    "Choice",
    "Program",
    "agreeing_pair",
    "choose_parents",
    "latest_records",
    "programs_of",
    "select_with_reasons",
]


@dataclass(frozen=True)
class Program:
    """One program of the population: what it did on the train pairs and what it predicts."""

    key: str
    sample_index: int
    round: int
    parent: str | None
    code: str
    train_passed: int
    train_total: int
    failing_cells: int
    test_outputs: tuple[Grid | None, ...]

    @property
    def train_accuracy(self) -> float:
        return self.train_passed / self.train_total if self.train_total else 0.0

    @property
    def perfect(self) -> bool:
        return self.train_total > 0 and self.train_passed == self.train_total

    @property
    def identity(self) -> str:
        """The program's code with blank lines and trailing spaces dropped: what makes two programs distinct."""
        return "\n".join(line.rstrip() for line in self.code.splitlines() if line.strip())


@dataclass(frozen=True)
class Choice:
    """One chosen attempt for a test input and why it was chosen."""

    output: Grid
    perfect: bool
    votes: int
    best_train_accuracy: float
    programs: tuple[str, ...]  # keys of the programs that gave this output

    def reason(self) -> str:
        tier = "train-perfect" if self.perfect else "no train-perfect program gives it"
        voters = "train-perfect program" if self.perfect else "program"
        plural = "s agree" if self.votes != 1 else " gives it"
        return f"{tier}; {self.votes} distinct {voters}{plural}; best train accuracy {self.best_train_accuracy:.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason(),
            "train_perfect": self.perfect,
            "votes": self.votes,
            "best_train_accuracy": round(self.best_train_accuracy, 4),
            "programs": list(self.programs),
        }


def latest_records(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One record per key, the last one written (a resumed run may hold a superseded one)."""
    latest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        latest[str(record.get("key"))] = record
    return list(latest.values())


def _grid(value: Any) -> Grid | None:
    if value is None:
        return None
    try:
        return Grid(value)
    except Exception:  # an unreadable prediction is no prediction
        return None


def programs_of(records: Iterable[Mapping[str, Any]]) -> list[Program]:
    """The programs of ``records`` that ran in the sandbox, oldest first."""
    programs = []
    for record in latest_records(records):
        run = record.get("benchmark")
        code = record.get("python_code")
        if record.get("status") != Status.OK or not isinstance(run, Mapping) or not isinstance(code, str):
            continue
        total = int(run.get("train_total") or 0)
        passed = int(run.get("train_passed") or 0)
        cells = run.get("failing_cells")
        programs.append(
            Program(
                key=str(record.get("key")),
                sample_index=int(record.get("sample_index") or 0),
                round=int(record.get("round") or 0),
                parent=record.get("parent"),
                code=code,
                train_passed=passed,
                train_total=total,
                failing_cells=int(cells) if cells is not None else (0 if passed == total else 1 << 30),
                test_outputs=tuple(_grid(value) for value in run.get("test_outputs") or ()),
            )
        )
    return sorted(programs, key=lambda p: p.sample_index)


def choose_parents(programs: Sequence[Program], revised: set[str], width: int) -> list[Program]:
    """The ``width`` programs to revise: failing a train pair, not yet revised, best first."""
    eligible = [p for p in programs if not p.perfect and p.key not in revised]
    eligible.sort(key=lambda p: (-p.train_accuracy, p.failing_cells, p.sample_index))
    return eligible[:width]


def agreeing_pair(programs: Sequence[Program], test_count: int) -> tuple[Program, Program] | None:
    """Two distinct train-perfect programs with the same output for every test input, if any."""
    seen: dict[tuple[Grid, ...], Program] = {}
    for program in programs:
        if not program.perfect or len(program.test_outputs) < test_count:
            continue
        outputs = program.test_outputs[:test_count]
        if any(output is None for output in outputs):
            continue
        key = tuple(output for output in outputs if output is not None)
        other = seen.get(key)
        if other is not None and other.identity != program.identity:
            return other, program
        seen.setdefault(key, program)
    return None


def select_with_reasons(
    programs: Sequence[Program], *, test_count: int, max_attempts: int = 2
) -> list[list[Choice]]:
    """Per test input, at most ``max_attempts`` choices, best first (see the module docstring)."""
    chosen = []
    for index in range(test_count):
        groups: dict[Grid, list[Program]] = {}
        for program in programs:
            output = program.test_outputs[index] if index < len(program.test_outputs) else None
            if output is not None:
                groups.setdefault(output, []).append(program)
        choices = []
        for output, members in groups.items():
            perfect = any(p.perfect for p in members)
            voters = [p for p in members if p.perfect] if perfect else members
            choices.append(
                Choice(
                    output=output,
                    perfect=perfect,
                    votes=len({p.identity for p in voters}),
                    best_train_accuracy=max(p.train_accuracy for p in members),
                    programs=tuple(p.key for p in members),
                )
            )
        oldest = {c.output: min(p.sample_index for p in groups[c.output]) for c in choices}
        choices.sort(key=lambda c: (not c.perfect, -c.votes, -c.best_train_accuracy, oldest[c.output]))
        chosen.append(choices[:max_attempts])
    return chosen
