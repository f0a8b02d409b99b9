"""Choices a refinement search makes from its population: parents, the early stop, the attempts."""

from __future__ import annotations

from arcforge.pipelines.refine_selection import (
    Program,
    agreeing_pair,
    choose_parents,
    programs_of,
    select_with_reasons,
)
from arcforge.task.grid import Grid

A, B, C = Grid([[1]]), Grid([[2]]), Grid([[3]])


def _program(
    index: int, passed: int, outputs: tuple[Grid | None, ...], *, cells: int = 0, code: str = ""
) -> Program:
    return Program(
        key=f"t:v0:s{index}",
        sample_index=index,
        round=0,
        parent=None,
        code=code or f"def solve(g):\n    return {index}",
        train_passed=passed,
        train_total=3,
        failing_cells=0 if passed == 3 else cells,
        test_outputs=outputs,
    )


def test_train_perfect_programs_that_disagree_are_voted_on() -> None:
    programs = [_program(0, 3, (A,)), _program(1, 3, (B,)), _program(2, 3, (B,)), _program(3, 3, (C,))]
    [choices] = select_with_reasons(programs, test_count=1)
    assert [c.output for c in choices] == [B, A]  # two votes beat one; then the oldest
    assert choices[0].votes == 2 and choices[0].perfect
    assert "2 distinct train-perfect programs agree" in choices[0].reason()


def test_a_test_right_but_train_wrong_program_never_beats_a_train_perfect_one() -> None:
    # five programs that fail a train pair agree on C; one train-perfect program says A
    programs = [_program(i, 2, (C,)) for i in range(5)] + [_program(9, 3, (A,))]
    [choices] = select_with_reasons(programs, test_count=1)
    assert choices[0].output == A and choices[0].perfect
    assert choices[1].output == C and not choices[1].perfect and choices[1].votes == 5
    assert "no train-perfect program" in choices[1].reason()


def test_identical_programs_vote_once() -> None:
    same = "def solve(g):\n    return g\n"
    programs = [_program(0, 3, (A,), code=same), _program(1, 3, (A,), code=same + "\n"), _program(2, 3, (B,))]
    [choices] = select_with_reasons(programs, test_count=1)
    assert choices[0].votes == 1 and choices[1].votes == 1
    assert [c.output for c in choices] == [A, B]  # a tie on votes and accuracy: the oldest first


def test_below_perfect_outputs_rank_by_votes_then_train_accuracy() -> None:
    programs = [_program(0, 1, (A,)), _program(1, 2, (B,)), _program(2, 1, (A,))]
    [choices] = select_with_reasons(programs, test_count=1)
    assert [c.output for c in choices] == [A, B]
    programs = [_program(0, 1, (A,)), _program(1, 2, (B,))]
    assert [c.output for c in select_with_reasons(programs, test_count=1)[0]] == [B, A]


def test_failed_test_predictions_are_no_candidates() -> None:
    programs = [_program(0, 3, (None, A)), _program(1, 0, (B, None))]
    first, second = select_with_reasons(programs, test_count=2)
    assert [c.output for c in first] == [B] and [c.output for c in second] == [A]


def test_parents_are_the_best_unrevised_failing_programs() -> None:
    programs = [
        _program(0, 1, (A,), cells=4),
        _program(1, 2, (A,), cells=9),
        _program(2, 2, (A,), cells=3),
        _program(3, 3, (A,)),  # train-perfect: never revised
        _program(4, 2, (A,), cells=3),  # same as 2 but younger
    ]
    assert [p.key for p in choose_parents(programs, set(), 3)] == ["t:v0:s2", "t:v0:s4", "t:v0:s1"]
    assert [p.key for p in choose_parents(programs, {"t:v0:s2"}, 2)] == ["t:v0:s4", "t:v0:s1"]


def test_early_stop_needs_two_distinct_perfect_programs_agreeing_on_every_test_input() -> None:
    assert agreeing_pair([_program(0, 3, (A, B)), _program(1, 3, (A, C))], 2) is None
    assert agreeing_pair([_program(0, 3, (A, B)), _program(1, 2, (A, B))], 2) is None
    same = "def solve(g):\n    return g"
    assert agreeing_pair([_program(0, 3, (A,), code=same), _program(1, 3, (A,), code=same)], 1) is None
    pair = agreeing_pair([_program(0, 3, (A, B)), _program(1, 3, (C, B)), _program(2, 3, (A, B))], 2)
    assert pair is not None and [p.key for p in pair] == ["t:v0:s0", "t:v0:s2"]


def test_population_from_records_takes_the_last_record_of_a_key() -> None:
    run = {"train_total": 2, "train_passed": 2, "failing_cells": 0, "test_outputs": [[[1]]]}
    records = [
        {"key": "t:v0:s0", "status": "error", "sample_index": 0},
        {"key": "t:v0:s1", "status": "ok", "sample_index": 1, "python_code": "x", "benchmark": run, "round": 1,
         "parent": "t:v0:s0"},
        {"key": "t:v0:s0", "status": "ok", "sample_index": 0, "python_code": "y", "benchmark": run},
        {"key": "t:v0:s2", "status": "parse_failure", "sample_index": 2},
    ]  # fmt: skip
    programs = programs_of(records)
    assert [(p.key, p.round, p.parent) for p in programs] == [("t:v0:s0", 0, None), ("t:v0:s1", 1, "t:v0:s0")]
    assert programs[0].test_outputs == (A,)
