"""The one root exception of arcforge and its documented tree.

Every error arcforge raises on purpose is an :class:`ArcforgeError`. The command line catches it at
the top, prints its message on one line and exits with :attr:`ArcforgeError.exit_code` (2 for usage
errors, 1 otherwise), so no user ever sees a traceback for a mistake they can fix. A message says
what is wrong *and* what to do next. Third-party errors are translated at the boundary with
``raise ... from exc``.

::

    ArcforgeError
    ├── UsageError            a command was called wrongly (bad option, bad --task-ids JSON); exit 2
    │   └── UnknownTaskError  task ids that the dataset does not have (lists them)
    ├── InvalidTaskError      task data breaks the rules of ARC (names file, place and problem)
    ├── DatasetError          a dataset cannot be found, read or recognised
    ├── ModelError            a model request failed (see arcforge.models.errors for its subtree)
    ├── SandboxError          the sandbox itself failed (not the program it ran: that is a result)
    ├── StoreError            the trace store refused or failed an operation
    ├── RunError              a run directory is missing, corrupt or incompatible with --resume
    └── SubmissionError       a submission file is malformed (names the entry)
"""

from __future__ import annotations

__all__ = [
    "ArcforgeError",
    "DatasetError",
    "InvalidTaskError",
    "ModelError",
    "RunError",
    "SandboxError",
    "StoreError",
    "SubmissionError",
    "UnknownTaskError",
    "UsageError",
]


class ArcforgeError(Exception):
    """Root of every error arcforge raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1


class UsageError(ArcforgeError):
    """A command or function was called wrongly; the message says the right way."""

    exit_code = 2


class UnknownTaskError(UsageError):
    """Task ids that are not in the selected dataset."""

    def __init__(self, missing: list[str], dataset: str) -> None:
        self.missing = list(missing)
        self.dataset = dataset
        shown = ", ".join(self.missing[:20]) + (" ..." if len(self.missing) > 20 else "")
        super().__init__(
            f"{len(self.missing)} task id(s) not in dataset {dataset}: {shown} "
            f"(see `arcforge data list --dataset {dataset}`)"
        )


class InvalidTaskError(ArcforgeError):
    """Task data that breaks ARC's rules.

    ``problems`` holds every problem found, each a :class:`arcforge.task.validation.Problem`-like
    string ``"FILE: PLACE: PROBLEM"``; the message is the first one plus a count of the rest.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems) or ["invalid task data"]
        more = len(self.problems) - 1
        message = self.problems[0] + (f" (and {more} more problem(s))" if more else "")
        super().__init__(message)


class DatasetError(ArcforgeError):
    """A dataset that cannot be found, read or recognised."""


class ModelError(ArcforgeError):
    """A model request that failed after the client's retries (subtree in arcforge.models).

    The model client fills in ``model`` (the id asked for), ``retries`` (retries made before giving up),
    ``kind`` (what failed: ``rate_limit``, ``server``, ``timeout``, ``network``, ``malformed``,
    ``refused``, ``quota``, ``unsendable`` or ``other``) and ``endpoint`` (the base URL last tried).
    """

    model: str | None = None
    retries: int = 0
    kind: str = "other"
    endpoint: str | None = None


class SandboxError(ArcforgeError):
    """The sandbox machinery failed (a program's own failure is a result, not this)."""


class StoreError(ArcforgeError):
    """The trace store refused or failed an operation."""


class RunError(ArcforgeError):
    """A run directory that is missing, corrupt, or does not match what --resume was asked."""


class SubmissionError(ArcforgeError):
    """A malformed submission file; the message names the entry."""
