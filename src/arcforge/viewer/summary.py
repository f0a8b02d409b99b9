"""Summaries of a run from its index: the list row, the run page's figures, the per-task table, compare.

Everything here is a query over the index (:mod:`arcforge.viewer.index`) plus the run's small files
(``manifest.json``, ``score.json``), so a run of 100,000 records answers in milliseconds once indexed.
Records are read as dicts with ``.get`` (fields may be missing in runs of older or newer arcforge).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from arcforge.viewer.catalog import RunFolder
from arcforge.viewer.index import RECORDS, RunIndex
from arcforge.viewer.jsonl import read_line

__all__ = ["compare_runs", "run_row", "run_summary", "score_document", "task_rows"]

SCORE = "score.json"
TASK_SORTS = (
    "task",
    "samples",
    "ok",
    "verified",
    "best_train",
    "solved",
    "cost",
    "tokens",
    "rounds",
    "accepted",
)


def score_document(run: RunFolder) -> dict[str, Any] | None:
    """``score.json`` of a benchmark run, or None."""
    file = run.file(SCORE)
    if file is None:
        return None
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _kind(manifest: dict[str, Any], conn: sqlite3.Connection) -> str:
    command = manifest.get("command")
    if command:
        return str(command)
    row = conn.execute("SELECT kind FROM live WHERE kind IS NOT NULL LIMIT 1").fetchone()
    return f"records ({row[0]})" if row else "records"


def _totals(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*) AS samples, count(DISTINCT task) AS tasks, sum(cost) AS cost, count(cost) AS costed,"
        " coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,"
        " coalesce(sum(reasoning_tokens), 0) AS reasoning, max(round) AS max_round,"
        " count(parent) AS children, sum(has_code) AS programs, count(synth) AS synthesized,"
        " coalesce(sum(synth = 'accepted'), 0) AS accepted,"
        " sum(CASE WHEN train_total > 0 AND train_passed = train_total THEN 1 ELSE 0 END) AS train_perfect,"
        " min(created_at) AS first, max(created_at) AS last FROM live"
    ).fetchone()
    verified = conn.execute(
        "SELECT count(*) AS lines, coalesce(sum(v.verified), 0) AS verified,"
        " count(DISTINCT CASE WHEN v.verified = 1 THEN s.task END) AS tasks_verified"
        " FROM verification v LEFT JOIN live s ON s.key = v.key"
    ).fetchone()
    return {**dict(row), **{f"v_{name}": value for name, value in dict(verified).items()}}


def run_row(run: RunFolder, index: RunIndex) -> dict[str, Any]:
    """One line of the runs list."""
    manifest = run.manifest()
    found = manifest.get("config")
    config: dict[str, Any] = found if isinstance(found, dict) else {}
    score = score_document(run) or {}
    totals = index.cached("totals", _totals)
    with index.read() as conn:
        kind = _kind(manifest, conn)
        model = config.get("model")
        first = None if model else conn.execute("SELECT off, len FROM live ORDER BY id LIMIT 1").fetchone()
    if first is not None and (records := index.file(RECORDS)) is not None:
        model = (read_line(records, first[0], first[1]) or {}).get("model")
    refined = bool(totals["children"]) or bool(totals["max_round"])
    return {
        "id": run.id,
        "folder": run.path.name,
        "kind": kind,
        "refined": refined,
        "model": model or score.get("model") or "?",
        "dataset": config.get("dataset") or score.get("dataset") or "?",
        "status": manifest.get("status") or "?",
        "samples": totals["samples"],
        "tasks": totals["tasks"],
        "verified": totals["v_verified"] if totals["v_lines"] else None,
        "tasks_verified": totals["v_tasks_verified"] if totals["v_lines"] else None,
        "train_perfect": totals["train_perfect"],
        "accepted": totals["accepted"] if totals["synthesized"] else None,  # generate tasks: tasks made
        "score": score.get("score"),
        "cost_usd": None
        if totals["cost"] is None
        else round(float(totals["cost"]), 6),  # None: no price known
        "cost_unknown": totals["samples"] - totals["costed"],
        "tokens": {
            "prompt": totals["prompt"],
            "completion": totals["completion"],
            "reasoning": totals["reasoning"],
            "total": totals["prompt"] + totals["completion"],
        },
        "started_at": manifest.get("started_at") or totals["first"],
        "ended_at": manifest.get("ended_at")
        or (None if manifest.get("status") == "running" else totals["last"]),
    }


def _latency(conn: sqlite3.Connection) -> dict[str, Any]:
    count = conn.execute("SELECT count(latency) FROM live").fetchone()[0]
    if not count:
        return {"median_s": None, "p90_s": None, "mean_s": None}

    def at(fraction: float) -> float:
        position = min(count - 1, int(fraction * (count - 1) + 0.5))
        query = "SELECT latency FROM live WHERE latency IS NOT NULL ORDER BY latency LIMIT 1 OFFSET ?"
        return float(conn.execute(query, (position,)).fetchone()[0])

    mean = conn.execute("SELECT avg(latency) FROM live").fetchone()[0]
    return {"median_s": at(0.5), "p90_s": at(0.9), "mean_s": float(mean)}


def _figures(conn: sqlite3.Connection) -> dict[str, Any]:
    rounds = [
        {"round": r[0], "samples": r[1], "train_perfect": r[2]}
        for r in conn.execute(
            "SELECT coalesce(round, 0), count(*), sum(CASE WHEN train_total > 0 AND train_passed = train_total"
            " THEN 1 ELSE 0 END) FROM live GROUP BY 1 ORDER BY 1"
        )
    ]
    return {
        "by_status": dict(
            conn.execute("SELECT coalesce(status, '?'), count(*) FROM live GROUP BY 1").fetchall()
        ),
        "outcomes": dict(
            conn.execute("SELECT coalesce(outcome, '?'), count(*) FROM verification GROUP BY 1").fetchall()
        ),
        "latency": _latency(conn),
        "rounds": rounds,
        "synthesis": dict(
            conn.execute(
                "SELECT coalesce(synth_reason, synth), count(*) FROM live WHERE synth IS NOT NULL GROUP BY 1"
            ).fetchall()
        ),
    }


def run_summary(run: RunFolder, index: RunIndex) -> dict[str, Any]:
    """The run page's figures: yield, cost per verified sample or solved task, statuses, latency, tokens."""
    row = run_row(run, index)
    score = score_document(run)
    manifest = run.manifest()
    figures = index.cached("figures", _figures)
    by_status, outcomes, latency, rounds = (
        figures[k] for k in ("by_status", "outcomes", "latency", "rounds")
    )
    synthesis = figures["synthesis"]
    samples = row["samples"]
    verified = row["verified"]
    solved_tasks = None
    if score is not None:
        solved_tasks = sum(
            1 for t in (score.get("per_task") or {}).values() if float(t.get("score") or 0) >= 1
        )
    cost = row["cost_usd"]
    summary = {
        **row,
        "by_status": by_status,
        "outcomes": outcomes,
        "yield": (verified / samples) if verified is not None and samples else None,
        "cost_per_verified": (cost / verified) if verified and cost is not None else None,
        "tokens_per_verified": (row["tokens"]["total"] / verified) if verified else None,
        "solved_tasks": solved_tasks,
        "cost_per_solved_task": (cost / solved_tasks) if solved_tasks and cost is not None else None,
        "latency": latency,
        "rounds": rounds if row["refined"] else [],
        "synthesis": synthesis,
        "manifest": {
            k: manifest.get(k) for k in ("command", "config", "status", "sessions", "arcforge_version")
        },
    }
    if score is not None:
        summary["benchmark"] = {
            k: score.get(k)
            for k in (
                "mode",
                "score",
                "score_ci95",
                "score_per_output",
                "score_per_output_ci95",
                "tasks",
                "tasks_solved",
                "outputs",
                "outputs_solved",
                "complete",
                "samples_per_task",
                "parse_failure_rate",
                "errors",
            )
        }
        oracle = score.get("oracle")
        if isinstance(oracle, dict):
            summary["benchmark"]["oracle"] = {k: oracle.get(k) for k in ("label", "k", "score", "pass_at_1")}
    return summary


def _task_query(conn: sqlite3.Connection) -> dict[str, Any]:
    has_verification = conn.execute("SELECT 1 FROM verification LIMIT 1").fetchone() is not None
    rows = conn.execute(
        "SELECT s.task AS task, count(*) AS samples, sum(s.status = 'ok') AS ok,"
        " sum(s.status = 'parse_failure') AS parse_failures, sum(s.status = 'error') AS errors,"
        " sum(coalesce(v.verified, 0)) AS verified, max(CASE WHEN s.train_total > 0 THEN"
        " 1.0 * s.train_passed / s.train_total END) AS best_train, sum(s.cost) AS cost,"
        " sum(s.cost IS NULL AND coalesce(s.status, '') != 'error') AS cost_unknown,"
        " sum(s.prompt_tokens + s.completion_tokens) AS tokens, max(coalesce(s.round, 0)) AS rounds,"
        " sum(s.synth = 'accepted') AS accepted"
        " FROM live s LEFT JOIN verification v ON v.key = s.key GROUP BY s.task"
    ).fetchall()
    return {"has_verification": has_verification, "rows": [dict(row) for row in rows]}


def _task_table(run: RunFolder, index: RunIndex) -> list[dict[str, Any]]:
    score = score_document(run)
    per_task = (score or {}).get("per_task") or {}
    grouped = index.cached("tasks-v2", _task_query)  # v2: with cost_unknown
    has_verification, rows = grouped["has_verification"], grouped["rows"]
    table = []
    for row in rows:
        item = dict(row)
        item["cost"] = None if item["cost"] is None else round(float(item["cost"]), 6)
        if per_task:
            result = per_task.get(item["task"]) or {}
            item["solved"] = float(result.get("score") or 0)
        elif has_verification:
            item["solved"] = 1.0 if item["verified"] else 0.0
        else:
            item["solved"] = None
        if not has_verification:
            item["verified"] = None
        table.append(item)
    seen = {item["task"] for item in table}
    for task in per_task:  # tasks the benchmark scored but no record reached (they score 0)
        if task not in seen:
            table.append(
                {
                    "task": task,
                    "samples": 0,
                    "ok": 0,
                    "parse_failures": 0,
                    "errors": 0,
                    "verified": None,
                    "best_train": None,
                    "cost": 0.0,
                    "cost_unknown": 0,
                    "tokens": 0,
                    "rounds": 0,
                    "accepted": None,
                    "solved": 0.0,
                }
            )
    return table


def task_rows(
    run: RunFolder,
    index: RunIndex,
    *,
    sort: str = "task",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
    query: str = "",
) -> dict[str, Any]:
    """One page of the per-task table, sorted and filtered by task id substring."""
    table = _task_table(run, index)
    if query:
        table = [row for row in table if query.lower() in row["task"].lower()]
    key = sort if sort in TASK_SORTS else "task"
    present = [row for row in table if row.get(key) is not None]
    missing = [row for row in table if row.get(key) is None]
    present.sort(key=lambda row: (row[key], row["task"]), reverse=descending)
    ordered = present + missing
    return {
        "total": len(ordered),
        "offset": offset,
        "limit": limit,
        "sort": key,
        "rows": ordered[offset : offset + limit],
    }


def compare_runs(a: tuple[RunFolder, RunIndex], b: tuple[RunFolder, RunIndex]) -> dict[str, Any]:
    """Per task: solved by the first run only, by the second only, by both, by neither."""
    first = {row["task"]: row for row in _task_table(*a)}
    second = {row["task"]: row for row in _task_table(*b)}
    rows, counts = [], {"a_only": 0, "b_only": 0, "both": 0, "neither": 0}
    for task in sorted(first.keys() | second.keys()):
        sa = (first.get(task) or {}).get("solved")
        sb = (second.get(task) or {}).get("solved")
        won_a, won_b = bool(sa and sa >= 1), bool(sb and sb >= 1)
        verdict = "both" if won_a and won_b else "a_only" if won_a else "b_only" if won_b else "neither"
        counts[verdict] += 1
        rows.append(
            {
                "task": task,
                "a": sa,
                "b": sb,
                "in_a": task in first,
                "in_b": task in second,
                "verdict": verdict,
            }
        )
    return {"a": run_row(*a), "b": run_row(*b), "counts": counts, "rows": rows}
