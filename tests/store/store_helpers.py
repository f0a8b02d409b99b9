"""Helpers shared by the store tests (a module, not conftest, so tests can import it)."""

from __future__ import annotations

from argon2 import PasswordHasher

from arcforge.task.model import Task


def small_task(task_id: str = "t1", *, test_output: list[list[int]] | None = None) -> Task:
    """A 2-train, 2-test task; test outputs are [[1, 2], [3, 4]] and [[5]] unless given."""
    return Task.from_dict(
        {
            "train": [
                {"input": [[0, 1]], "output": [[1, 0]]},
                {"input": [[2, 3]], "output": [[3, 2]]},
            ],
            "test": [
                {"input": [[4, 5], [6, 7]], "output": test_output or [[1, 2], [3, 4]]},
                {"input": [[8]], "output": [[5]]},
            ],
        },
        task_id=task_id,
    )


def light_hasher() -> PasswordHasher:
    """argon2id with small costs: the same code path, far less CPU on a shared test machine."""
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
