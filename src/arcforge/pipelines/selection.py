"""Choosing at most two attempts per test input from K candidate programs, blind to the answers.

Each candidate program has been run on the task's train inputs (scored against the train outputs,
which the solver is allowed to see) and on its test inputs (whose outputs it is not). For every test
input, the distinct outputs the programs produced are ranked by

1. the best train accuracy among the programs that produced that output (a program that reproduces
   every demonstration is far more likely to be right);
2. then how many programs agree on the output (self-consistency across samples);
3. then the lowest sample index (so the choice is deterministic);

and the top ``max_attempts`` outputs are submitted. Outputs of programs that failed a test input
(exception, timeout, invalid grid) are no candidates. Programs with zero train accuracy still count:
ARC scoring never punishes a wrong attempt, so an empty slot is the worst choice.

The types here cannot hold a test output: :class:`ProgramOutcome` is built from train verdicts and test
*predictions* only, which is how the benchmark proves the choice never reads the hidden answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arcforge.task.grid import Grid

__all__ = ["Candidate", "ProgramOutcome", "rank_candidates", "select_attempts"]


@dataclass(frozen=True)
class ProgramOutcome:
    """What one sampled program did: train pairs passed, and its output per test input (None = failed)."""

    sample_index: int
    train_passed: int
    train_total: int
    test_outputs: tuple[Grid | None, ...]

    @property
    def train_accuracy(self) -> float:
        return self.train_passed / self.train_total if self.train_total else 0.0


@dataclass(frozen=True)
class Candidate:
    """One distinct output for a test input, with the evidence it was ranked by."""

    output: Grid
    best_train_accuracy: float
    votes: int
    first_sample: int

    def sort_key(self) -> tuple[float, int, int]:
        return (-self.best_train_accuracy, -self.votes, self.first_sample)


def rank_candidates(outcomes: Sequence[ProgramOutcome], test_index: int) -> list[Candidate]:
    """The distinct outputs for test input ``test_index``, best first (see the module docstring)."""
    groups: dict[Grid, list[ProgramOutcome]] = {}
    for outcome in outcomes:
        if test_index < len(outcome.test_outputs):
            output = outcome.test_outputs[test_index]
            if output is not None:
                groups.setdefault(output, []).append(outcome)
    candidates = [
        Candidate(
            output=output,
            best_train_accuracy=max(o.train_accuracy for o in members),
            votes=len(members),
            first_sample=min(o.sample_index for o in members),
        )
        for output, members in groups.items()
    ]
    return sorted(candidates, key=Candidate.sort_key)


def select_attempts(
    outcomes: Sequence[ProgramOutcome], *, test_count: int, max_attempts: int = 2
) -> list[tuple[Grid, ...]]:
    """Per test input, the (at most ``max_attempts``) outputs to submit; an empty tuple when none ran."""
    return [
        tuple(c.output for c in rank_candidates(outcomes, index)[:max_attempts])
        for index in range(test_count)
    ]
