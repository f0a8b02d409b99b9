"""``tasks.html``: the new tasks of a run as pictures, with their provenance and the refusals by reason.

Self-contained (inline SVG, no outside requests), written beside ``dataset.json`` each time the tasks
are written, so a person can look at what a generator run or a hindsight export made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from arcforge.task.model import Task
from arcforge.task.pictures import task_svg

__all__ = ["write_preview"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}.task{margin:1.5em 0}"
    ".muted{color:#666}svg{max-width:100%;height:auto}"
)


def write_preview(
    path: Path, title: str, made: Sequence[tuple[Task, Mapping[str, Any]]], counts: Mapping[str, Any]
) -> None:
    """Write ``path`` (``tasks.html``) for the written ``made`` tasks and the run's ``counts``."""
    refused = counts.get("refused") or {}
    rows = "".join(
        f"<tr><td>{escape(str(reason))}</td><td>{int(count)}</td></tr>"
        for reason, count in refused.items()
        if count
    )
    sections = []
    for task, provenance in made:
        origin = provenance.get("seed_task") or provenance.get("source_task")
        description = provenance.get("description")
        sections.append(
            f"<div class='task'><h3>{escape(task.id)}</h3><p class='muted'>from {escape(str(origin))}, "
            f"record {escape(str(provenance.get('record_key')))}, model {escape(str(provenance.get('model')))}"
            + (f"<br>rule: {escape(str(description))}" if description else "")
            + f"</p>{task_svg(task, include_test_outputs=True, cell=16)}</div>"
        )
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>{len(made)} task(s) written; {int(counts.get('refused_total') or 0)} refused.</p>"
        + (f"<table><tr><th>refused because</th><th>count</th></tr>{rows}</table>" if rows else "")
        + "".join(sections)
        + "</body></html>\n"
    )
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
