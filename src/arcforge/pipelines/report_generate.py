"""Reports of ``generate`` runs (code and reasoning): yield per task and per status, cost and tokens per
verified sample, and the verified programs with their task's grids.

The run is read through the runs viewer's index (:mod:`arcforge.viewer`): records are streamed once into
a small SQLite file beside the run, and only the few records a report shows (up to
:data:`PROGRAMS_PER_TASK` verified programs and :data:`FAILURES_PER_TASK` failures per task) are read
back, so a report of a run of any size holds little in memory. A run without ``verification.jsonl``
gets its statuses and costs, and a note to run ``arcforge verify`` for its yield.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from arcforge.errors import RunError

__all__ = ["GenerateRun", "generate_html", "generate_markdown", "load_generate_run"]

PROGRAMS_PER_TASK = 3
FAILURES_PER_TASK = 3
DETAILED_TASKS = 200  # tasks drawn with grids in report.html; the tables list every task


@dataclass
class TaskDetail:
    task: str
    pairs: dict[str, Any] | None = None
    programs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GenerateRun:
    path: Path
    summary: dict[str, Any]
    tasks: list[dict[str, Any]]
    details: dict[str, TaskDetail]

    @property
    def label(self) -> str:
        return f"{self.summary['model']} ({self.summary['kind']})"


def load_generate_run(path: str | Path) -> GenerateRun:
    """Index (or bring up to date) the run in ``path`` and gather what its report shows."""
    from arcforge.viewer import RunCatalog
    from arcforge.viewer.index import RECORDS
    from arcforge.viewer.jsonl import read_line
    from arcforge.viewer.summary import run_summary, task_rows

    folder = Path(path)
    if not folder.is_dir():
        raise RunError(f"{folder} is not a run directory (no such folder)")
    catalog = RunCatalog([folder])
    runs = catalog.scan()
    if not runs:
        raise RunError(f"{folder} is not a run directory (no manifest.json or records.jsonl)")
    run = runs[0]
    index = catalog.index(run)
    try:
        summary = run_summary(run, index)
        tasks = task_rows(run, index, limit=10**9)["rows"]
        records = index.file(RECORDS)
        details: dict[str, TaskDetail] = {}
        with index.read() as conn:
            # replies whose cost nobody knows (no price, none reported); error records carry no cost
            unknown = conn.execute(
                "SELECT count(*) FROM live WHERE cost IS NULL AND coalesce(status, '') != 'error'"
            ).fetchone()[0]
            summary = {**summary, "cost_unknown_replies": int(unknown or 0)}
            if unknown:  # a per-verified figure from the known part alone would be too low
                summary["cost_per_verified"] = None
            for row in tasks[:DETAILED_TASKS] if records is not None else []:
                assert records is not None
                detail = details[row["task"]] = TaskDetail(row["task"])
                found = conn.execute(
                    "SELECT s.off, s.len FROM live s JOIN verification v ON v.key = s.key"
                    " WHERE s.task = ? AND v.verified = 1 ORDER BY s.sample_index LIMIT ?",
                    (row["task"], PROGRAMS_PER_TASK),
                ).fetchall()
                failed = conn.execute(
                    "SELECT off, len FROM live WHERE task = ? AND status != 'ok' ORDER BY sample_index LIMIT ?",
                    (row["task"], FAILURES_PER_TASK),
                ).fetchall()
                for off, length in found:
                    record = read_line(records, off, length) or {}
                    detail.pairs = detail.pairs or record.get("task_data")
                    detail.programs.append(record)
                for off, length in failed:
                    detail.failures.append(read_line(records, off, length) or {})
    finally:
        catalog.close()
    return GenerateRun(path=folder, summary=summary, tasks=tasks, details=details)


def _usd(value: Any) -> str:
    return "unknown" if value is None else f"${float(value):.4f}"


def _task_cost(row: dict[str, Any]) -> str:
    """A task's cost, shown like the run's: never a known part alone as if it were the whole."""
    from arcforge.pipelines.report_data import cost_text

    if row.get("cost") is None and not row.get("cost_unknown"):
        return "unknown"
    return cost_text(float(row.get("cost") or 0.0), int(row.get("cost_unknown") or 0))


def _run_cost(summary: dict[str, Any]) -> str:
    """The run's cost: exact, ``unknown``, or the known part and how many replies' cost is unknown."""
    from arcforge.pipelines.report_data import cost_text

    unknown = int(summary.get("cost_unknown_replies") or 0)
    return cost_text(float(summary.get("cost_usd") or 0.0), unknown)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1%}"


def _tokens_per_verified(summary: dict[str, Any]) -> str:
    value = summary.get("tokens_per_verified")
    return "–" if value is None else f"{value:,.0f}"


def _yield(row: dict[str, Any]) -> str:
    if row.get("verified") is None:
        return "–"
    return (
        f"{row['verified']}/{row['samples']} ({row['verified'] / row['samples']:.0%})"
        if row["samples"]
        else "0"
    )


def _shown_text(record: dict[str, Any]) -> str:
    """A verified sample as the report shows it: its program, or (a reasoning sample) its explanation."""
    code = record.get("python_code")
    if code:
        return str(code)
    return str(record.get("explanation") or record.get("reasoning") or record.get("completion") or "")[:4000]


def _failure_text(record: dict[str, Any]) -> str:
    parse = record.get("parse_error")
    if isinstance(parse, dict):
        return f"{parse.get('kind')}: {parse.get('message')}"
    return str(record.get("error") or record.get("status") or "?")


def generate_markdown(runs: Sequence[GenerateRun], md: Any) -> list[str]:
    """Markdown lines for generate runs (``md`` escapes text for a table cell)."""
    lines = [
        "| run | samples | verified (yield) | tasks with a verified program | cost | cost / verified | "
        "tokens in / out | tokens / verified | median latency | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        s = run.summary
        verified = "not verified" if s["verified"] is None else f"{s['verified']} ({_pct(s['yield'])})"
        latency = s["latency"]["median_s"]
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(s["by_status"].items()))
        lines.append(
            f"| {md(run.label)} | {s['samples']:,} | {verified} | {s['tasks_verified'] if s['verified'] is not None else '–'}/{s['tasks']} "
            f"| {_run_cost(s)} | {_usd(s['cost_per_verified']) if s['verified'] else '–'} "
            f"| {s['tokens']['prompt']:,} / {s['tokens']['completion']:,} | {_tokens_per_verified(s)} "
            f"| {'–' if latency is None else f'{latency:.1f}s'} | {md(statuses)} |"
        )
    for run in runs:
        s = run.summary
        lines += [
            "",
            f"## {md(run.label)}",
            "",
            f"Run `{s['id']}` on {md(s['dataset'])}, status {s['status']}, folder `{run.path}`.",
        ]
        if s.get("accepted") is not None:  # generate tasks: generators, and the tasks they made
            reasons = ", ".join(f"{md(str(k))} {v}" for k, v in sorted(s["synthesis"].items()))
            lines += ["", f"Tasks made: {s['accepted']} of {s['samples']} generator(s) ({reasons})."]
        elif s["verified"] is None:
            lines += [
                "",
                f"Not verified yet: `arcforge verify {run.path}` runs every program on its task's pairs.",
            ]
        else:
            outcomes = ", ".join(f"{md(str(k))} {v}" for k, v in sorted(s["outcomes"].items()))
            lines += ["", f"Verification outcomes: {outcomes}."]
        lines += [
            "",
            "| task | samples | ok | parse failures | errors | verified (yield) | cost | failures |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in run.tasks:
            detail = run.details.get(row["task"])
            notes = "; ".join(md(_failure_text(f))[:80] for f in (detail.failures if detail else []))
            lines.append(
                f"| `{md(row['task'])}` | {row['samples']} | {row['ok']} | {row['parse_failures']} | {row['errors']} "
                f"| {_yield(row)} | {_task_cost(row)} | {notes} |"
            )
        programs = [(task, d.programs[0]) for task, d in run.details.items() if d.programs]
        if programs:
            lines += ["", "### Verified programs (the first of each task; all of them in report.html)"]
            for task, record in programs:
                code = _shown_text(record).replace("```", "` ` `")
                lines += [
                    "",
                    f"`{md(task)}` sample {record.get('sample_index')}:",
                    "",
                    "```python",
                    code.rstrip(),
                    "```",
                ]
    return lines


def _pairs_html(pairs: dict[str, Any] | None) -> str:
    from arcforge.pipelines.benchmark_results import grid_or_none
    from arcforge.pipelines.report_html import _figure

    if not isinstance(pairs, dict):
        return ""
    blocks = []
    for split in ("train", "test"):
        for number, pair in enumerate(pairs.get(split) or [], start=1):
            if not isinstance(pair, dict):
                continue
            blocks.append(
                "<div class='pairs'>"
                + _figure(grid_or_none(pair.get("input")), f"{split} {number} input")
                + "<span class='arrow'>&rarr;</span>"
                + _figure(
                    grid_or_none(pair.get("output")), f"{split} {number} output (every program reproduces it)"
                )
                + "</div>"
            )
    return "".join(blocks)


def generate_html(runs: Sequence[GenerateRun]) -> str:
    """The ``<section>`` elements of report.html for generate runs (model text escaped)."""
    parts = []
    for run in runs:
        s = run.summary
        cards = [
            ("samples", f"{s['samples']:,}"),
            (
                "verified",
                "not verified" if s["verified"] is None else f"{s['verified']:,} ({_pct(s['yield'])})",
            ),
            ("cost", _run_cost(s)),
            ("cost / verified sample", _usd(s["cost_per_verified"]) if s["verified"] else "–"),
            ("tokens / verified sample", _tokens_per_verified(s)),
        ]
        statuses = ", ".join(f"{escape(str(k))} {v}" for k, v in sorted(s["by_status"].items()))
        outcomes = ", ".join(f"{escape(str(k))} {v}" for k, v in sorted(s["outcomes"].items()))
        rows = "".join(
            f"<tr><td><code>{escape(row['task'])}</code></td><td class='num'>{row['samples']}</td>"
            f"<td class='num'>{row['ok']}</td><td class='num'>{row['parse_failures']}</td><td class='num'>{row['errors']}</td>"
            f"<td class='num'>{escape(_yield(row))}</td><td class='num'>{escape(_task_cost(row))}</td></tr>"
            for row in run.tasks
        )
        details: list[str] = []
        for task, detail in run.details.items():
            if not detail.programs and not detail.failures:
                continue
            programs = "".join(
                f"<h3>sample {escape(str(p.get('sample_index')))}: verified</h3>"
                f"<ul class='failures' style='list-style:none;padding-left:0'><li><pre>{escape(_shown_text(p))}</pre></li></ul>"
                for p in detail.programs
            )
            failures = "".join(
                f"<li>s{escape(str(f.get('sample_index')))} {escape(str(f.get('status')))}: <code>{escape(_failure_text(f)[:400])}</code></li>"
                for f in detail.failures
            )
            badge = (
                "<span class='badge b-ok'>verified</span>"
                if detail.programs
                else "<span class='badge b-bad'>none verified</span>"
            )
            details.append(
                f"<details class='task'{' open' if detail.programs and len(details) < 10 else ''}><summary><code>{escape(task)}</code> {badge}</summary>"
                f"{_pairs_html(detail.pairs) if detail.programs else ''}{programs}"
                f"{f'<ul class=failures>{failures}</ul>' if failures else ''}</details>"
            )
        note = (
            f"<p class='muted'>Not verified yet: <code>arcforge verify {escape(str(run.path))}</code> runs every program.</p>"
            if s["verified"] is None
            else ""
        )
        parts.append(
            f"<section><h2>{escape(run.label)}</h2><p class='muted'>run <code>{escape(s['id'])}</code> on "
            f"{escape(str(s['dataset']))}, status {escape(str(s['status']))}; statuses: {statuses}"
            f"{'; verification: ' + outcomes if outcomes else ''}</p>{note}"
            "<div class='cards'>"
            + "".join(
                f"<div class='card'><div class='label'>{k}</div><div class='big'>{escape(v)}</div></div>"
                for k, v in cards
            )
            + "</div><table><thead><tr><th>task</th><th class='num'>samples</th><th class='num'>ok</th>"
            "<th class='num'>parse failures</th><th class='num'>errors</th><th class='num'>verified (yield)</th>"
            f"<th class='num'>cost</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<h3>Tasks, their grids and verified programs</h3>{''.join(details) or '<p class=muted>none</p>'}</section>"
        )
    return "\n".join(parts)
