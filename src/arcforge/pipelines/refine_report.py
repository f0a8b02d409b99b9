"""What a refinement search bought, for ``arcforge report``: the budget curve, yield per round, cost per
solved task, and each task's lineage.

The **budget curve** replays the selection as if the search had stopped after n model calls per task
(n = 1, 2, 4, ...: the task's calls in order, initial samples first): the attempts are chosen by
:func:`~arcforge.pipelines.refine_selection.select_with_reasons` from the programs of those calls only,
then scored against the ground truth by the ARC Prize rule. **Yield per round**: revisions asked, how
many came back train-perfect, and how many tasks got their first train-perfect program in that round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from arcforge.pipelines.refine_selection import Program, latest_records, programs_of, select_with_reasons
from arcforge.task.model import Task

__all__ = ["budget_curve", "lineage_lines", "refine_html", "refine_markdown", "refine_summary", "round_yield"]


def _by_task(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for record in latest_records(records):
        version = int(record.get("task_version") or 0)
        key = str(record.get("task_id")) + (f":v{version}" if version else "")
        grouped.setdefault(key, []).append(record)
    for items in grouped.values():
        items.sort(key=lambda r: int(r.get("sample_index") or 0))
    return grouped


def _task_score(programs: Sequence[Program], truth: Task) -> float:
    expected = [pair.output for pair in truth.test]
    if not expected:
        return 0.0
    chosen = select_with_reasons(programs, test_count=len(expected))
    solved = sum(
        any(c.output == want for c in choices) for choices, want in zip(chosen, expected, strict=True)
    )
    return solved / len(expected)


def budget_curve(
    records: Sequence[Mapping[str, Any]], truths: Mapping[str, Task | None]
) -> list[dict[str, Any]]:
    """``[{"calls": n, "score": mean task score}, ...]`` for n = 1, 2, 4, ... up to the most calls a task made."""
    grouped = _by_task(records)
    most = max((len(items) for items in grouped.values()), default=0)
    points, n = [], 1
    while most:
        total = 0.0
        for key, truth in truths.items():
            if truth is not None:
                total += _task_score(programs_of(grouped.get(key, [])[:n]), truth)
        points.append({"calls": min(n, most), "score": total / len(truths) if truths else 0.0})
        if n >= most:
            break
        n *= 2
    return points


def round_yield(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per round: calls, programs that ran, train-perfect ones, tasks with their first train-perfect program."""
    rows: dict[int, dict[str, Any]] = {}
    first_perfect: dict[str, int] = {}
    for key, items in _by_task(records).items():
        for record in items:
            number = int(record.get("round") or 0)
            row = rows.setdefault(number, {"round": number, "calls": 0, "programs": 0, "train_perfect": 0})
            row["calls"] += 1
        for program in programs_of(items):
            row = rows[program.round]
            row["programs"] += 1
            if program.perfect:
                row["train_perfect"] += 1
                first_perfect[key] = min(first_perfect.get(key, program.round), program.round)
    for row in rows.values():
        row["tasks_first_train_perfect"] = sum(1 for r in first_perfect.values() if r == row["round"])
    return [rows[number] for number in sorted(rows)]


def refine_summary(
    run_path: Path, score: Mapping[str, Any], truths: Mapping[str, Task | None]
) -> dict[str, Any]:
    """Budget curve, yield per round and cost per solved task of the refined run in ``run_path``."""
    from arcforge.engine import RunDirectory

    records = RunDirectory.open(run_path).records()
    cost = sum(float(r.get("cost_usd") or 0.0) for r in latest_records(records))
    solved = float(score.get("tasks_solved") or 0.0)
    return {
        "budget_curve": budget_curve(records, truths),
        "rounds": round_yield(records),
        "cost_usd": round(cost, 6),
        "tasks_solved": solved,
        "cost_per_solved_task": round(cost / solved, 6) if solved else None,
    }


def lineage_lines(records: Sequence[Mapping[str, Any]], task_key: str) -> list[str]:
    """The task's lineage as an indented tree: each program's key, round and train accuracy."""
    items = _by_task(records).get(task_key, [])
    programs = {p.key: p for p in programs_of(items)}
    children: dict[str | None, list[str]] = {}
    for record in items:
        children.setdefault(record.get("parent"), []).append(str(record.get("key")))
    lines: list[str] = []

    def walk(key: str, depth: int) -> None:
        program = programs.get(key)
        status = f"train {program.train_passed}/{program.train_total}" if program else "no program"
        lines.append(f"{'  ' * depth}- `{key}` (round {program.round if program else '?'}, {status})")
        for child in children.get(key, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return lines


def refine_markdown(path: Path, score: Mapping[str, Any], truths: Mapping[str, Task | None]) -> list[str]:
    """The report's "Refinement" lines for the run in ``path``; none when it is not a refined run."""
    from arcforge.engine import RunDirectory

    run = RunDirectory.open(path)
    if not run.config.get("refine"):
        return []
    summary = refine_summary(path, score, truths)
    per_solved = summary["cost_per_solved_task"]
    lines = [
        "",
        "### Refinement",
        "",
        f"Cost per solved task: {'–' if per_solved is None else f'${per_solved:.4f}'} "
        f"({summary['tasks_solved']:g} solved, ${summary['cost_usd']:.4f} in all).",
        "",
        "| model calls per task | score |",
        "|---:|---:|",
        *(f"| {p['calls']} | {p['score']:.1%} |" for p in summary["budget_curve"]),
        "",
        "| round | calls | programs | train-perfect | tasks first train-perfect |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {r['round']} | {r['calls']} | {r['programs']} | {r['train_perfect']} | "
            f"{r['tasks_first_train_perfect']} |"
            for r in summary["rounds"]
        ),
    ]
    records = run.records()
    for key in truths:
        tree = lineage_lines(records, key)
        if any(line.startswith("  ") for line in tree):  # only tasks with revisions
            lines += ["", f"Lineage of `{key}`:", "", *tree]
    return lines


def refine_html(path: Path, score: Mapping[str, Any], truths: Mapping[str, Task | None]) -> str:
    """The same as :func:`refine_markdown`, as an HTML fragment for ``report.html`` ("" when not refined)."""
    from html import escape

    from arcforge.engine import RunDirectory

    run = RunDirectory.open(path)
    if not run.config.get("refine"):
        return ""
    summary = refine_summary(path, score, truths)
    per_solved = summary["cost_per_solved_task"]
    curve = "".join(
        f"<tr><td class='num'>{p['calls']}</td><td class='num'>{p['score']:.1%}</td></tr>"
        for p in summary["budget_curve"]
    )
    rounds = "".join(
        f"<tr><td class='num'>{r['round']}</td><td class='num'>{r['calls']}</td><td class='num'>{r['programs']}</td>"
        f"<td class='num'>{r['train_perfect']}</td><td class='num'>{r['tasks_first_train_perfect']}</td></tr>"
        for r in summary["rounds"]
    )
    records = run.records()
    trees = []
    for key in truths:
        lines = lineage_lines(records, key)
        if any(line.startswith("  ") for line in lines):
            items = "".join(
                f"<li style='margin-left:{(len(line) - len(line.lstrip())) * 0.75}em'>{escape(line.strip()[2:])}</li>"
                for line in lines
            )
            trees.append(f"<p>Lineage of <code>{escape(key)}</code></p><ul>{items}</ul>")
    cost = "–" if per_solved is None else f"${per_solved:.4f}"
    return (
        f"<h3>Refinement</h3><p>Cost per solved task: {escape(cost)} ({summary['tasks_solved']:g} solved, "
        f"${summary['cost_usd']:.4f} in all).</p>"
        f"<table><tr><th>model calls per task</th><th>score</th></tr>{curve}</table>"
        "<table><tr><th>round</th><th>calls</th><th>programs</th><th>train-perfect</th>"
        f"<th>tasks first train-perfect</th></tr>{rounds}</table>{''.join(trees)}"
    )
