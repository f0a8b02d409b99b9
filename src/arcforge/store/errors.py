"""The store's errors, each a :class:`~arcforge.errors.StoreError`, so a caller can map them.

The web app maps them to HTTP statuses: :class:`InvalidInput` 400, :class:`NotAuthorized` 403,
:class:`NotFound` 404, :class:`Conflict` 409, :class:`AttemptLimitReached` 409 (or 429),
:class:`PayloadTooLarge` 413.
The command line prints them as one line (``InvalidInput`` exits 2, like a usage error).
"""

from __future__ import annotations

from arcforge.errors import StoreError

__all__ = [
    "AttemptLimitReached",
    "Conflict",
    "InvalidInput",
    "NotAuthorized",
    "NotFound",
    "PayloadTooLarge",
    "StoreError",
]


class InvalidInput(StoreError):
    """The caller passed something the store does not accept (bad name, empty text, bad grid)."""

    exit_code = 2


class NotAuthorized(StoreError):
    """The acting user may not do this (not the trace's author and not a moderator, wrong password)."""


class NotFound(StoreError):
    """No such user, trace, task version or conversation."""


class Conflict(StoreError):
    """The change collides with what is stored (name taken, identical trace text exists)."""


class AttemptLimitReached(StoreError):
    """No attempt left on this test input (its limit is used, or it is solved already)."""


class PayloadTooLarge(InvalidInput):
    """A value over a size limit (an action log over its cap); the web app answers 413."""
