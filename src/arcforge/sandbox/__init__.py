"""Run untrusted solver programs fast and safely.

``async with Sandbox() as sandbox: results = await sandbox.run(code, grids)`` runs a program that
defines ``solve(grid)`` (or ``solve_task(input_grid)`` or ``transform(grid)``) on a batch of grids in
one isolated process forked from a warm server, and returns one :class:`GridResult` per grid.
:meth:`Sandbox.run_task` runs it on every pair of a :class:`~arcforge.task.model.Task` and judges
each pair. What is isolated and how is in ``docs/sandbox.md``.
"""

from arcforge.sandbox.libraries import Library, load_libraries
from arcforge.sandbox.pool import Sandbox
from arcforge.sandbox.results import PAIR_STATUSES, STATUSES, GridResult, Limits, PairResult

__all__ = [
    "PAIR_STATUSES",
    "STATUSES",
    "GridResult",
    "Library",
    "Limits",
    "PairResult",
    "Sandbox",
    "load_libraries",
]
