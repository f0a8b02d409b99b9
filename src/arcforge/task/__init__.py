"""The pure ARC domain: grids, pairs, tasks, transforms, scoring, encodings and pictures (no I/O).

Pictures (:mod:`arcforge.task.pictures`) are not re-exported here, so importing the domain stays light.
"""

from arcforge.task.encoding import ENCODINGS, decode_grid, encode_grid, encode_task
from arcforge.task.grid import MAX_SIZE, Grid, grid_problems
from arcforge.task.model import Pair, Provenance, Task, task_problems
from arcforge.task.scoring import SubmissionScore, exact_match, pass_at_k, score_submission
from arcforge.task.transforms import D8, Transform, TransformError, compose, parse_transform

__all__ = [
    "D8",
    "ENCODINGS",
    "MAX_SIZE",
    "Grid",
    "Pair",
    "Provenance",
    "SubmissionScore",
    "Task",
    "Transform",
    "TransformError",
    "compose",
    "decode_grid",
    "encode_grid",
    "encode_task",
    "exact_match",
    "grid_problems",
    "parse_transform",
    "pass_at_k",
    "score_submission",
    "task_problems",
]
