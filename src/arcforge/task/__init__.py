"""The pure ARC domain: grids, pairs, tasks, transforms, scoring, encodings and pictures (no I/O)."""

from arcforge.task.grid import MAX_SIZE, Grid, grid_problems
from arcforge.task.model import Pair, Provenance, Task, task_problems

__all__ = ["MAX_SIZE", "Grid", "Pair", "Provenance", "Task", "grid_problems", "task_problems"]
