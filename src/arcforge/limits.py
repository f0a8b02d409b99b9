"""The limits people meet, defined once: the store enforces them, the API validates with them, and the
pages read them from ``GET /api/limits`` (so a form never refuses what the server accepts, or the reverse).

- A user name: 1-40 characters, letters, digits, ``_``, ``.`` or ``-``, starting with a letter or digit
  (names are case-insensitively unique; see :mod:`arcforge.store.users`).
- A password: 8-1024 characters.
- A trace: at most 200,000 characters. The store has always accepted that much, and imports and exports of
  the original ``traces_store.json`` must round-trip, so the API and the pages use the same figure.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "NAME_MAX_CHARS",
    "NAME_PATTERN",
    "NAME_RULE",
    "PASSWORD_MAX_CHARS",
    "PASSWORD_MIN_CHARS",
    "TRACE_MAX_CHARS",
    "limits_json",
]

NAME_MAX_CHARS = 40
# The same pattern works in Python and in an HTML ``pattern`` attribute (which anchors it itself).
NAME_PATTERN_SOURCE = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}"
NAME_PATTERN = re.compile(rf"^{NAME_PATTERN_SOURCE}$")
NAME_RULE = "1-40 letters, digits, '_', '.' or '-', starting with a letter or digit"
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 1024
TRACE_MAX_CHARS = 200_000


def limits_json() -> dict[str, Any]:
    """The limits as the pages get them."""
    return {
        "user_name": {
            "min_chars": 1,
            "max_chars": NAME_MAX_CHARS,
            "pattern": NAME_PATTERN_SOURCE,
            "rule": NAME_RULE,
        },
        "password": {"min_chars": PASSWORD_MIN_CHARS, "max_chars": PASSWORD_MAX_CHARS},
        "trace": {"max_chars": TRACE_MAX_CHARS},
    }
