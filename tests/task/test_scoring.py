import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arcforge.errors import SubmissionError, UsageError
from arcforge.task import Grid
from arcforge.task.scoring import (
    cell_distance,
    exact_match,
    pass_at_k,
    score_submission,
    score_task,
    similarity,
    wilson_interval,
)

A = Grid([[1, 2], [3, 4]])
B = Grid([[5, 6], [7, 8]])
C = Grid([[0]])
WRONG = Grid([[9, 9], [9, 9]])


def test_right_cells_with_a_wrong_width_are_not_a_match():
    flat = Grid([[1, 2, 3, 4]])
    assert flat.cells == A.cells
    assert not exact_match(A, flat)
    assert exact_match(A, Grid([[1, 2], [3, 4]]))
    assert not exact_match(A, None)


def test_the_second_attempt_counts():
    result = score_task([[WRONG, A]], [A])
    assert result.solved == (True,)
    assert result.score == 1.0


def test_two_of_three_test_inputs_solved_scores_two_thirds():
    result = score_task([[A], [WRONG, None], [C]], [A, B, C], task_id="t")
    assert result.solved == (True, False, True)
    assert result.score == pytest.approx(2 / 3)


def test_missing_attempts_count_as_unsolved_and_extra_ones_are_ignored():
    assert score_task([[A]], [A, B]).solved == (True, False)
    result = score_task([[A], [B], [C]], [A, B])
    assert result.solved == (True, True)
    assert result.extra_outputs == 1


def test_more_than_two_attempts_is_a_submission_error():
    with pytest.raises(SubmissionError, match="task t test 0: 3 attempts"):
        score_task([[WRONG, WRONG, A]], [A], task_id="t")


def test_attempts_must_be_lists_of_grids():
    with pytest.raises(SubmissionError, match="test 0: expected a list of up to 2 grids"):
        score_task([A], [A])
    with pytest.raises(SubmissionError, match="test 0"):
        score_task([[[[1, 2], [3, 4]]]], [A])


def test_a_truth_without_output_cannot_score():
    with pytest.raises(UsageError, match="no known output"):
        score_task([[A]], [None])


def test_dataset_score_means_over_the_truth_and_reports_missing_and_unknown():
    truth = {"t1": [A], "t2": [A, B, C], "t3": [B]}
    submission = {"t1": [[WRONG, A]], "t2": [[A], [WRONG], [C]], "extra": [[A]]}
    result = score_submission(submission, truth)
    assert [t.task_id for t in result.tasks] == ["t1", "t2", "t3"]
    assert result.missing_tasks == ("t3",)
    assert result.unknown_tasks == ("extra",)
    assert not result.tasks[2].submitted
    assert result.tasks[2].score == 0.0
    assert result.score == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert result.score_per_output == pytest.approx(3 / 5)
    low, high = result.score_ci
    assert 0 <= low < result.score < high <= 1
    low, high = result.score_per_output_ci
    assert 0 <= low < result.score_per_output < high <= 1
    summary = result.to_dict()
    assert summary["missing_tasks"] == ["t3"]
    assert summary["unknown_tasks"] == ["extra"]
    assert summary["per_task"]["t2"]["solved"] == [True, False, True]


def test_an_unknown_task_does_not_change_the_score():
    truth = {"t1": [A]}
    assert score_submission({"t1": [[A]]}, truth).score == 1.0
    assert score_submission({"t1": [[A]], "zzz": [[B]]}, truth).score == 1.0


def test_an_empty_submission_scores_zero_with_every_task_missing():
    result = score_submission({}, {"a": [A], "b": [B]})
    assert result.score == 0.0
    assert result.missing_tasks == ("a", "b")
    assert result.score_ci[0] == 0.0
    assert result.score_ci[1] > 0.3  # two tasks say little: the interval stays wide


def test_wilson_interval_matches_a_known_value():
    # 8 of 10: the Wilson 95% interval is (0.4902, 0.9433) to 4 places
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(UsageError):
        wilson_interval(11, 10)


def brute_force_pass_at_k(n, c, k):
    samples = [True] * c + [False] * (n - c)
    draws = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in draw) for draw in draws) / len(draws)


@pytest.mark.parametrize("n", range(1, 8))
def test_pass_at_k_equals_brute_force_enumeration(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k))


def test_pass_at_k_edge_cases_and_large_n():
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert 0 < pass_at_k(5000, 1, 10) < 0.01
    for bad in ((3, 4, 1), (3, 1, 0), (3, 1, 4), (3, -1, 1)):
        with pytest.raises(UsageError):
            pass_at_k(*bad)


def test_cell_distance_is_the_fraction_of_differing_cells():
    assert cell_distance(A, A) == 0.0
    assert cell_distance(A, Grid([[1, 2], [3, 0]])) == 0.25
    assert cell_distance(A, WRONG) == 1.0
    assert cell_distance(A, Grid([[1, 2, 3, 4]])) == math.inf


def test_similarity_is_defined_across_sizes():
    assert similarity(A, A) == 1.0
    assert similarity(A, Grid([[1, 2], [3, 0]])) == 0.75
    # [[1]] overlaps A's top-left cell: 1 match over a 2x2 rectangle
    assert similarity(A, Grid([[1]])) == 0.25
    assert similarity(Grid([[1]]), A) == 0.25
    assert similarity(A, Grid([[1, 2, 0], [3, 4, 0]])) == pytest.approx(4 / 6)
    assert similarity(A, Grid([[9] * 30] * 30)) == 0.0


@st.composite
def grids(draw, max_side=5):
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    cells = draw(st.binary(min_size=height * width, max_size=height * width))
    return Grid.from_bytes(height, width, bytes(b % 4 for b in cells))


@settings(deadline=None)  # a loaded, shared machine must not fail a property on timing
@given(grids(), grids())
def test_similarity_is_symmetric_bounded_and_agrees_with_distance(a, b):
    value = similarity(a, b)
    assert value == similarity(b, a)
    assert 0.0 <= value <= 1.0
    assert (value == 1.0) == (a == b)
    if a.shape == b.shape:
        assert value == pytest.approx(1 - cell_distance(a, b))
    else:
        assert cell_distance(a, b) == math.inf


@settings(deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=6), st.integers(0, 5))
def test_fixing_an_attempt_never_lowers_the_score(solved_mask, flip):
    truths = [A] * len(solved_mask)
    attempts = [[A] if ok else [WRONG] for ok in solved_mask]
    before = score_task(attempts, truths).score
    attempts[flip % len(attempts)] = [A]
    assert score_task(attempts, truths).score >= before
