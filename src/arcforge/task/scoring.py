"""Scoring ARC attempts: exact match, the ARC Prize rule, confidence intervals, pass@k, distances.

**The ARC Prize rule.** Each test input gets at most two attempts; it is solved when any attempt equals
its output exactly (same height, same width, same cells: right cells at a wrong width are wrong). A
task scores the fraction of its test inputs solved. A dataset scores the mean over the tasks of the
*ground truth*: a task the submission lacks scores 0, and tasks the submission has but the truth does
not are ignored and listed in :attr:`SubmissionScore.unknown_tasks`. Two averages are reported: per task
(the official ARC Prize score) and per test output (solved outputs over all outputs, as Kaggle's
leaderboard counts them).

**Confidence intervals (95%).** Both use the Wilson score interval. For the per-output proportion it
is the textbook interval for a binomial proportion. For the per-task mean, whose values lie in [0, 1]
but need not be 0 or 1, the Wilson interval is applied with ``n`` = the number of tasks: a variable in
[0, 1] with mean ``p`` has variance at most ``p(1 - p)``, so this interval is never narrower than the
normal-theory interval for that mean, stays inside [0, 1], is deterministic (unlike a bootstrap) and,
unlike a t-interval, does not collapse to a point when every task scored 0 or every task scored 1.

**pass@k** is the unbiased estimator of Chen et al. (2021): with ``n`` samples of which ``c`` are
correct, the chance that ``k`` drawn without replacement include a correct one,
``1 - C(n-c, k) / C(n, k)``, computed with exact integers.

**Distances.** :func:`cell_distance` is the original system's metric: the fraction of cells that
differ, ``math.inf`` when the sizes differ. :func:`similarity` stays defined across sizes: both grids
are laid on the smallest rectangle that holds them, aligned at the top-left corner; a position counts
as a match when both grids have a cell there and the cells are equal; the similarity is the matches
divided by the rectangle's area. It is 1 exactly when the grids are equal, equals ``1 - cell_distance``
when the sizes agree, and shrinks as the sizes drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from arcforge.errors import SubmissionError, UsageError
from arcforge.task.grid import Grid

__all__ = [
    "MAX_ATTEMPTS",
    "SubmissionScore",
    "TaskScore",
    "cell_distance",
    "exact_match",
    "pass_at_k",
    "score_submission",
    "score_task",
    "similarity",
    "wilson_interval",
]

MAX_ATTEMPTS = 2
_Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def exact_match(expected: Grid | None, actual: Grid | None) -> bool:
    """Whether ``actual`` is exactly ``expected`` (shape and every cell); ``None`` never matches."""
    if expected is None or actual is None:
        return False
    return expected.width == actual.width and expected.cells == actual.cells


@dataclass(frozen=True, slots=True)
class TaskScore:
    """How one task scored: ``solved[i]`` says whether test input ``i`` was solved.

    ``submitted`` is False for a task the submission lacks (it scores 0). ``extra_outputs`` counts
    attempt lists beyond the task's test inputs, which are ignored.
    """

    task_id: str
    solved: tuple[bool, ...]
    submitted: bool = True
    extra_outputs: int = 0

    @property
    def score(self) -> float:
        """The fraction of test inputs solved."""
        return sum(self.solved) / len(self.solved) if self.solved else 0.0

    @property
    def outputs(self) -> int:
        return len(self.solved)

    @property
    def outputs_solved(self) -> int:
        return sum(self.solved)


def score_task(
    attempts: Sequence[Sequence[Grid | None]],
    truths: Sequence[Grid | None],
    *,
    task_id: str = "",
    max_attempts: int = MAX_ATTEMPTS,
) -> TaskScore:
    """Score one task: ``attempts[i]`` holds up to ``max_attempts`` grids (``None`` = no answer) for test
    input ``i``, ``truths[i]`` its expected output.

    Missing attempt lists count as unsolved; extra ones are ignored (counted in ``extra_outputs``).
    Raises :class:`SubmissionError` when a test input has more than ``max_attempts`` attempts, and
    :class:`UsageError` when a truth is missing (a dataset whose test outputs are hidden cannot score).
    """
    place = f"task {task_id}" if task_id else "task"
    if not truths:
        raise UsageError(f"{place} has no test outputs to score against")
    solved = []
    for index, truth in enumerate(truths):
        if truth is None:
            raise UsageError(
                f"{place} test {index} has no known output; score against a dataset that has test outputs"
            )
        tries = attempts[index] if index < len(attempts) else ()
        if isinstance(tries, Grid) or not all(t is None or isinstance(t, Grid) for t in tries):
            raise SubmissionError(f"{place} test {index}: expected a list of up to {max_attempts} grids")
        if len(tries) > max_attempts:
            raise SubmissionError(
                f"{place} test {index}: {len(tries)} attempts, "
                f"the ARC Prize rule allows at most {max_attempts}"
            )
        solved.append(any(exact_match(truth, attempt) for attempt in tries))
    return TaskScore(task_id, tuple(solved), extra_outputs=max(0, len(attempts) - len(truths)))


@dataclass(frozen=True, slots=True)
class SubmissionScore:
    """A submission scored against a ground truth (see the module docstring for the definitions).

    ``tasks`` follows the order of the ground truth. ``score``/``score_ci`` are the official per-task
    mean and its 95% interval; ``score_per_output``/``score_per_output_ci`` the Kaggle per-output rate.
    """

    tasks: tuple[TaskScore, ...]
    missing_tasks: tuple[str, ...]
    unknown_tasks: tuple[str, ...]

    @property
    def task_count(self) -> int:
        return len(self.tasks)

    @property
    def tasks_solved(self) -> float:
        """The sum of the task scores (a task with 2 of 3 outputs solved adds 2/3)."""
        return math.fsum(task.score for task in self.tasks)

    @property
    def outputs(self) -> int:
        return sum(task.outputs for task in self.tasks)

    @property
    def outputs_solved(self) -> int:
        return sum(task.outputs_solved for task in self.tasks)

    @property
    def score(self) -> float:
        """The official ARC Prize score: the mean task score over the ground truth's tasks."""
        return self.tasks_solved / self.task_count if self.tasks else 0.0

    @property
    def score_ci(self) -> tuple[float, float]:
        return wilson_interval(self.tasks_solved, self.task_count)

    @property
    def score_per_output(self) -> float:
        """Solved test outputs over all test outputs of the ground truth."""
        return self.outputs_solved / self.outputs if self.outputs else 0.0

    @property
    def score_per_output_ci(self) -> tuple[float, float]:
        return wilson_interval(self.outputs_solved, self.outputs)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary with per-task results."""
        return {
            "score": self.score,
            "score_ci95": list(self.score_ci),
            "score_per_output": self.score_per_output,
            "score_per_output_ci95": list(self.score_per_output_ci),
            "tasks": self.task_count,
            "tasks_solved": self.tasks_solved,
            "outputs": self.outputs,
            "outputs_solved": self.outputs_solved,
            "missing_tasks": list(self.missing_tasks),
            "unknown_tasks": list(self.unknown_tasks),
            "per_task": {
                task.task_id: {"score": task.score, "solved": list(task.solved), "submitted": task.submitted}
                for task in self.tasks
            },
        }


def score_submission(
    submission: Mapping[str, Sequence[Sequence[Grid | None]]],
    truth: Mapping[str, Sequence[Grid | None]],
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> SubmissionScore:
    """Score ``submission`` (task id -> one list of attempts per test input) against ``truth`` (task id
    -> expected output per test input) by the ARC Prize rule.

    Raises :class:`SubmissionError` for a test input with too many attempts, :class:`UsageError` for a
    truth without outputs or an empty truth.
    """
    if not truth:
        raise UsageError("the ground truth has no tasks to score against")
    tasks = []
    missing = []
    for task_id, outputs in truth.items():
        submitted = task_id in submission
        result = score_task(submission.get(task_id, ()), outputs, task_id=task_id, max_attempts=max_attempts)
        if not submitted:
            missing.append(task_id)
            result = replace(result, submitted=False)
        tasks.append(result)
    unknown = sorted(task_id for task_id in submission if task_id not in truth)
    return SubmissionScore(tuple(tasks), tuple(missing), tuple(unknown))


def wilson_interval(successes: float, trials: int, *, z: float = _Z95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``trials`` (95% by default).

    ``successes`` may be fractional (a sum of [0, 1] scores; see the module docstring). With no trials
    the interval is the whole of [0, 1].
    """
    if trials <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= trials:
        raise UsageError(f"successes {successes} must lie between 0 and the number of trials {trials}")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return (max(0.0, centre - half), min(1.0, centre + half))


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k: the chance that ``k`` of ``n`` samples, ``c`` of them correct, include a
    correct one. Raises :class:`UsageError` unless ``0 <= c <= n`` and ``1 <= k <= n``."""
    if not (0 <= c <= n and 1 <= k <= n):
        raise UsageError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def cell_distance(expected: Grid, actual: Grid) -> float:
    """The fraction of cells that differ (0 = equal); ``math.inf`` when the shapes differ."""
    if expected.shape != actual.shape:
        return math.inf
    a, b = expected.cells, actual.cells
    return sum(x != y for x, y in zip(a, b, strict=True)) / len(a)


def similarity(expected: Grid, actual: Grid) -> float:
    """A similarity in [0, 1] defined for any two grids (1 = equal); see the module docstring."""
    height = max(expected.height, actual.height)
    width = max(expected.width, actual.width)
    rows, columns = min(expected.height, actual.height), min(expected.width, actual.width)
    a, b = expected.cells, actual.cells
    wa, wb = expected.width, actual.width
    matches = sum(
        x == y
        for r in range(rows)
        for x, y in zip(a[r * wa : r * wa + columns], b[r * wb : r * wb + columns], strict=True)
    )
    return matches / (height * width)
