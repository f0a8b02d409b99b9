"""Exporting refined samples: the whole revision conversation, or the final program alone.

A revision's ``prompt_messages`` is the conversation that led to it: the task request, each earlier
program's reply and the feedback it got (:mod:`arcforge.pipelines.refine`). ``arcforge export
--conversations`` writes that conversation, ending with the revised program, as one multi-turn row;
without it a refined sample is exported like any other, the task request and the final program alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["export_prompt"]


def export_prompt(record: Mapping[str, Any], *, conversations: bool = False) -> list[dict[str, Any]]:
    """The messages an exported row puts before the sample's answer."""
    messages = list(record.get("prompt_messages") or [])
    if conversations or not record.get("parent"):
        return messages
    first_reply = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), len(messages))
    return messages[:first_reply]
