"""What a model is told in a discussion: the task without its test outputs, then the conversation.

The first message is a system message built afresh for every request (never stored): how to help,
how grids are written, and the task's train pairs and test inputs in the encoding the page chose,
from :func:`arcforge.task.encoding.encode_task` applied to ``task.without_test_outputs()``, so a test
output cannot reach a model even by a mistake in the encoder's flag. Then come the conversation's
stored messages in order, each once; cleared and empty messages are skipped, and so are replies
that broke off with an error (a retry asks again instead; a reply the person stopped stays).

:func:`secret_values` and :func:`redact` keep the server's keys out of anything sent to the page
(the model client already redacts its own key; this is the second line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from arcforge.store.discussion_extras import is_cleared
from arcforge.task.encoding import ENCODINGS, encode_task
from arcforge.task.model import Task

__all__ = ["SYSTEM_PROMPT", "build_messages", "in_context", "redact", "secret_values", "task_text"]

SYSTEM_PROMPT = """\
You are helping a person think through a task of the Abstraction and Reasoning Corpus (ARC).
Each example shows an input grid and the output grid a hidden rule makes from it; cells hold colours
0-9 (0 black, 1 blue, 2 red, 3 green, 4 yellow, 5 grey, 6 magenta, 7 orange, 8 light blue, 9 maroon).
Grids below are written in the "{encoding}" encoding: {description}
Discuss the rule with the person, check ideas against every example, and when asked for code write
Python in a fenced ```python block defining solve(grid) -> grid, where grids are lists of lists of
ints. The expected outputs of the test inputs are not given to you or to the person.

The task:

{task}"""

_SECRET_HINTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def task_text(task: Task, encoding: str) -> str:
    """The train pairs and test inputs as text; never a test output."""
    return encode_task(task.without_test_outputs(), encoding, include_test_outputs=False)


def build_messages(task: Task, history: Iterable[Any], *, encoding: str) -> list[dict[str, str]]:
    """The messages of one request: the system message with the task, then each stored message once."""
    chosen = ENCODINGS[encoding]
    system = SYSTEM_PROMPT.format(
        encoding=chosen.name, description=chosen.description, task=task_text(task, encoding)
    )
    messages = [{"role": "system", "content": system}]
    messages.extend({"role": m.role, "content": m.content} for m in in_context(history))
    return messages


def in_context(history: Iterable[Any]) -> list[Any]:
    """The stored messages a model is shown: not cleared, not empty, and no reply that failed midway."""
    return [
        m
        for m in history
        if m.role in ("user", "assistant")
        and not is_cleared(m)
        and m.content.strip()
        and not (m.role == "assistant" and (m.usage or {}).get("outcome") == "error")
    ]


def secret_values(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Values of the environment's variables that look like keys (long enough to be worth hiding)."""
    return tuple(
        value
        for name, value in environ.items()
        if value and len(value) >= 8 and any(hint in name.upper() for hint in _SECRET_HINTS)
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``[redacted]``."""
    for value in secrets:
        text = text.replace(value, "[redacted]")
    return text
