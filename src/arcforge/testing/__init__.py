"""Test helpers that other packages' tests share: a scripted OpenAI-compatible server on loopback.

See :mod:`arcforge.testing.scripted_server` for usage.
"""

from __future__ import annotations

from arcforge.testing.scripted_server import ScriptedServer
from arcforge.testing.steps import (
    RecordedRequest,
    Reply,
    Step,
    error,
    error_in_body,
    raw,
    reply,
    stall,
    truncated,
)

__all__ = [
    "RecordedRequest",
    "Reply",
    "ScriptedServer",
    "Step",
    "error",
    "error_in_body",
    "raw",
    "reply",
    "stall",
    "truncated",
]
