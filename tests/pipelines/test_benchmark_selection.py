"""Attempt selection ranks by train accuracy, then agreement, and is blind to test outputs."""

from __future__ import annotations

from arcforge.pipelines.selection import ProgramOutcome, rank_candidates, select_attempts
from arcforge.task.grid import Grid

X = Grid([[1]])
Y = Grid([[2]])
Z = Grid([[3]])


def _outcome(sample: int, passed: int, outputs: tuple[Grid | None, ...], total: int = 3) -> ProgramOutcome:
    return ProgramOutcome(sample_index=sample, train_passed=passed, train_total=total, test_outputs=outputs)


def test_train_accuracy_beats_agreement():
    outcomes = [_outcome(0, 1, (X,)), _outcome(1, 1, (X,)), _outcome(2, 1, (X,)), _outcome(3, 3, (Y,))]
    assert select_attempts(outcomes, test_count=1) == [(Y, X)]


def test_agreement_breaks_ties_in_train_accuracy():
    outcomes = [_outcome(0, 3, (X,)), _outcome(1, 3, (Y,)), _outcome(2, 3, (Y,)), _outcome(3, 3, (Z,))]
    ranked = rank_candidates(outcomes, 0)
    assert [c.output for c in ranked] == [Y, X, Z]
    assert [c.votes for c in ranked] == [2, 1, 1]
    assert select_attempts(outcomes, test_count=1) == [(Y, X)]


def test_each_test_input_chosen_separately_and_failures_are_no_candidates():
    outcomes = [_outcome(0, 3, (X, None)), _outcome(1, 2, (Y, Z)), _outcome(2, 0, (None, None))]
    assert select_attempts(outcomes, test_count=2) == [(X, Y), (Z,)]
    assert select_attempts([_outcome(0, 0, (None, None))], test_count=2) == [(), ()]


def test_at_most_max_attempts_and_deterministic_on_full_ties():
    outcomes = [_outcome(2, 3, (Z,)), _outcome(0, 3, (X,)), _outcome(1, 3, (Y,))]
    assert select_attempts(outcomes, test_count=1) == [(X, Y)]
    assert select_attempts(outcomes, test_count=1, max_attempts=1) == [(X,)]
