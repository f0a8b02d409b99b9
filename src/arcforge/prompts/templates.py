"""Prompt templates (package data files with a name and a version) and the messages built from them.

A template is ``templates/<agent>-v<version>.md``: a front matter (``agent``, ``version``,
``description``), then a ``<!-- system -->`` and a ``<!-- user -->`` section. The sections are
:class:`string.Template` text with ``$task`` (the task laid out by :func:`arcforge.task.encoding.encode_task`),
``$encoding`` (how grids are written) and ``$test_count``. A run records the template's name and the
sha256 of its file, so a changed wording is visible; a change of wording must raise the version.
``reasoning-v1`` shows the reasoning agent the train pairs only; ``reasoning-v2`` also shows the test
inputs and asks for the predicted test outputs, so a reasoning trace can be verified.

:func:`build_messages` builds from ``task.without_test_outputs()`` only, so no test output can enter a
prompt whatever the template says; the reasoning agent sees the train pairs alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any, Literal

from arcforge.errors import UsageError
from arcforge.task.encoding import DEFAULT_ENCODING, encode_task, get_encoding
from arcforge.task.model import Task

__all__ = ["AGENTS", "Agent", "PromptTemplate", "build_messages", "list_templates", "load_template"]

Agent = Literal["reasoning", "code", "direct"]
AGENTS: tuple[str, ...] = ("reasoning", "code", "direct")
_NAME = re.compile(r"^(?P<agent>[a-z]+)-v(?P<version>\d+)$")
_SECTION = re.compile(r"^<!--\s*(system|user)\s*-->\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """One template file: ``name`` (``code-v1``), its agent and version, its sections and file hash."""

    name: str
    agent: str
    version: int
    description: str
    system: str
    user: str
    sha256: str

    def render(self, task: Task, *, encoding: str = DEFAULT_ENCODING) -> list[dict[str, Any]]:
        """Chat messages for ``task`` (its test outputs are dropped first)."""
        visible = task.without_test_outputs()
        if self.agent == "reasoning" and self.version < 2:  # v1 explains the train pairs only
            visible = Task(id=visible.id, train=visible.train, test=(), version=visible.version)
        chosen = get_encoding(encoding)
        values = {
            "task": encode_task(visible, chosen, include_test_outputs=False),
            "encoding": chosen.description,
            "test_count": str(len(visible.test)),
        }
        messages = []
        for role, text in (("system", self.system), ("user", self.user)):
            content = Template(text).substitute(values).strip()
            if content:
                messages.append({"role": role, "content": content})
        return messages


def list_templates() -> list[str]:
    """Names of the bundled templates (``code-v1``, ...), sorted."""
    folder = resources.files("arcforge.prompts") / "templates"
    return sorted(entry.name[:-3] for entry in folder.iterdir() if entry.name.endswith(".md"))


def load_template(name: str) -> PromptTemplate:
    """A bundled template by name (``code-v1``) or by agent (``code``: its latest version).

    Raises :class:`UsageError` naming the known templates when there is no such template.
    """
    names = list_templates()
    if name in AGENTS:
        versions = [n for n in names if n.startswith(f"{name}-v")]
        if not versions:
            raise UsageError(f"no prompt template for agent {name!r}")
        name = max(versions, key=lambda n: int(n.rsplit("-v", 1)[1]))
    if name not in names:
        raise UsageError(f"unknown prompt template {name!r}; choose one of {', '.join(names)}")
    raw = (resources.files("arcforge.prompts") / "templates" / f"{name}.md").read_bytes()
    return _parse_template(name, raw.decode("utf-8").replace("\r\n", "\n"), hashlib.sha256(raw).hexdigest())


def build_messages(
    agent: str,
    task: Task,
    *,
    encoding: str = DEFAULT_ENCODING,
    template: str | PromptTemplate | None = None,
) -> list[dict[str, Any]]:
    """The chat messages asking ``agent`` (reasoning, code, direct) about ``task``; never a test output."""
    if agent not in AGENTS:
        raise UsageError(f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}")
    chosen = template if isinstance(template, PromptTemplate) else load_template(template or agent)
    if chosen.agent != agent:
        raise UsageError(f"prompt template {chosen.name} is for the {chosen.agent} agent, not {agent}")
    return chosen.render(task, encoding=encoding)


def _parse_template(name: str, text: str, sha256: str) -> PromptTemplate:
    match = _NAME.match(name)
    if not match:
        raise UsageError(f"template file {name}.md must be named <agent>-v<version>.md")
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---\n"):
        header, _, body = text[4:].partition("\n---\n")
        for line in header.splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip("\n") + "\n" for i in range(1, len(parts) - 1, 2)}
    if "user" not in sections:
        raise UsageError(f"template {name} has no <!-- user --> section")
    agent = meta.get("agent", match["agent"])
    version = int(meta.get("version", match["version"]))
    if agent != match["agent"] or version != int(match["version"]):
        raise UsageError(f"template {name}: front matter says {agent}-v{version}")
    return PromptTemplate(
        name=name,
        agent=agent,
        version=version,
        description=meta.get("description", ""),
        system=sections.get("system", ""),
        user=sections["user"],
        sha256=sha256,
    )
