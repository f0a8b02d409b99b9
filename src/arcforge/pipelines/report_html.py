"""The self-contained HTML benchmark report: one file, grids as inline SVG, the plot as a data: URI.

Nothing is fetched when the page opens (no scripts, fonts or stylesheets from elsewhere), so the file
can be mailed or archived. Every piece of text that came from a run (task ids, model names, error
messages, model replies) is HTML-escaped: model output is hostile input. Grid pictures come from
:func:`arcforge.task.pictures.grid_svg`; each test input gets a row of figures: the input, the
expected output, then each submitted attempt marked right or wrong.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from arcforge.pipelines.report_data import BenchmarkRun
from arcforge.task.grid import Grid

__all__ = ["render_html"]

_OPEN_TASKS_LIMIT = 30

_CSS = """
:root { --ink:#1d2330; --muted:#667085; --line:#e4e7ec; --ok:#12805c; --bad:#c4320a; --warn:#b54708;
        --bg:#f6f7f9; --card:#fff; --accent:#1e93ff; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:#101828; color:#fff; padding:22px 32px; }
header h1 { margin:0; font-size:22px; font-weight:650; }
header p { margin:4px 0 0; color:#cbd5e1; font-size:13px; }
main { max-width:1200px; margin:0 auto; padding:24px 32px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 22px;
          margin:0 0 22px; }
h2 { font-size:18px; margin:0 0 12px; }
h3 { font-size:15px; margin:18px 0 8px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; background:#fafbfc; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.big { font-size:28px; font-weight:700; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; }
.b-ok { background:#d1fadf; color:var(--ok); } .b-bad { background:#fee4e2; color:var(--bad); }
.b-part { background:#fef0c7; color:var(--warn); } .b-none { background:#eaecf0; color:var(--muted); }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(165px, 1fr)); gap:12px; margin:0 0 14px; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
details.task { border-top:1px solid var(--line); padding:10px 0; }
details.task > summary { cursor:pointer; font-weight:600; }
.pairs { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; margin:10px 0 6px; }
figure { margin:0; text-align:center; }
figure .pic { width:150px; height:150px; display:flex; align-items:center; justify-content:center;
              background:#fafbfc; border:1px solid var(--line); border-radius:6px; padding:6px; }
figure .pic svg { max-width:100%; max-height:100%; width:auto; height:auto; display:block; }
figure.right .pic { border:2px solid var(--ok); } figure.wrong .pic { border:2px solid var(--bad); }
figure .none { color:var(--muted); font-size:12px; }
figcaption { font-size:12px; color:var(--muted); margin-top:4px; }
figcaption b.ok { color:var(--ok); } figcaption b.bad { color:var(--bad); }
.arrow { align-self:center; color:var(--muted); font-size:20px; }
ul.failures { margin:6px 0; padding-left:18px; font-size:13px; }
ul.failures code { background:#f2f4f7; padding:1px 4px; border-radius:4px; white-space:pre-wrap;
                   word-break:break-word; }
ul.failures details summary { cursor:pointer; color:var(--muted); font-size:12px; }
ul.failures pre { background:#f2f4f7; padding:8px; border-radius:6px; white-space:pre-wrap; word-break:break-word;
                  max-height:240px; overflow:auto; font-size:12px; }
table.programs { width:auto; margin:6px 0; font-size:12.5px; }
img.plot { max-width:100%; height:auto; }
.solved { color:var(--ok); font-weight:700; } .unsolved { color:#98a2b3; } .partial { color:var(--warn); }
"""


def render_html(runs: Sequence[BenchmarkRun], *, plot_png: bytes | None = None) -> str:
    """The whole report page for ``runs`` (the plot, when given, is embedded as a PNG data: URI)."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>arcforge benchmark report: {escape(', '.join(r.label for r in runs))}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>arcforge benchmark report</h1>",
        f"<p>{len(runs)} run(s) &middot; generated {generated} &middot; scored by the ARC Prize rule "
        "(a test output is solved when either of its two attempts matches exactly)</p></header><main>",
        _summary_section(runs),
    ]
    if len(runs) > 1:
        if plot_png is not None:
            data = base64.b64encode(plot_png).decode("ascii")
            parts.append(
                "<section><h2>Accuracy against cost</h2>"
                f"<img class='plot' alt='score against cost per task' src='data:image/png;base64,{data}'>"
                + "".join(
                    f"<p class='muted'>Not plotted (cost unknown): {escape(r.label)}</p>"
                    for r in runs
                    if r.cost_per_task is None
                )
                + "</section>"
            )
        parts.append(_who_solved_section(runs))
    for index, run in enumerate(runs):
        parts.append(_run_section(run, index))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _summary_section(runs: Sequence[BenchmarkRun]) -> str:
    with_oracle = any(run.oracle for run in runs)
    rows = []
    for run in runs:
        score = run.score
        low, high = score.get("score_ci95", [0, 1])
        oracle = run.oracle
        cells = [
            f"<td><b>{escape(run.label)}</b><br><span class='muted'>{escape(run.path.name)}</span></td>",
            f"<td class='num'><b>{score.get('score', 0):.1%}</b><br>"
            f"<span class='muted'>[{low:.0%}, {high:.0%}]</span></td>",
            f"<td class='num'>{score.get('score_per_output', 0):.1%}</td>",
        ]
        if with_oracle:
            cells.append(
                f"<td class='num'>{oracle['score']:.1%} <span class='muted'>(pass@{oracle.get('k', '?')})</span></td>"
                if oracle
                else "<td class='num'>&ndash;</td>"
            )
        cells += [
            f"<td class='num'>{len(run.task_ids)}</td>",
            f"<td class='num'>{escape(run.cost_text)}<br><span class='muted'>{escape(run.cost_per_task_text)}/task</span></td>",
            f"<td class='num'>{run.prompt_tokens:,} / {run.completion_tokens:,}</td>",
            f"<td class='num'>{_latency(run)}</td>",
            f"<td class='num'>{run.parse_failure_rate:.0%} <span class='muted'>({run.parse_failures})</span></td>",
            f"<td class='num'>{run.errors}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    heads = ["run", "score (per task)<br>95% CI", "per output"]
    heads += ["oracle (any of K)"] if with_oracle else []
    heads += ["tasks", "cost", "tokens in / out", "median latency", "parse failures", "errors"]
    head = "".join(f"<th>{h}</th>" if i == 0 else f"<th class='num'>{h}</th>" for i, h in enumerate(heads))
    note = (
        "<p class='muted'>The oracle column counts a test output solved when any of the K programs is right "
        "on the hidden answer: an upper bound, not a score.</p>"
        if with_oracle
        else ""
    )
    return (
        f"<section><h2>Summary</h2><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{note}</section>"
    )


def _who_solved_section(runs: Sequence[BenchmarkRun]) -> str:
    task_ids = sorted({task_id for run in runs for task_id in run.task_ids})
    head = "".join(f"<th class='num'>{escape(run.label)}</th>" for run in runs)
    rows = []
    for task_id in task_ids:
        cells = []
        for run in runs:
            if task_id not in run.score.get("per_task", {}):
                cells.append("<td class='num muted'>&ndash;</td>")
                continue
            value = run.task_score(task_id)
            css, mark = (
                ("solved", "&#10003;")
                if value >= 1
                else ("partial", f"{value:.0%}")
                if value > 0
                else ("unsolved", "&#10007;")
            )
            cells.append(f"<td class='num {css}'>{mark}</td>")
        rows.append(f"<tr><td><code>{escape(task_id)}</code></td>{''.join(cells)}</tr>")
    return (
        f"<section><h2>Who solved what</h2><table><thead><tr><th>task</th>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _run_section(run: BenchmarkRun, index: int) -> str:
    score = run.score
    low, high = score.get("score_ci95", [0, 1])
    cards = [
        ("score (per task)", f"{score.get('score', 0):.1%}", f"95% CI [{low:.1%}, {high:.1%}]"),
        (
            "per test output",
            f"{score.get('score_per_output', 0):.1%}",
            f"{score.get('outputs_solved', 0)}/{score.get('outputs', 0)} outputs",
        ),
        ("cost", run.cost_text, f"{run.cost_per_task_text} per task"),
        (
            "tokens",
            f"{run.prompt_tokens + run.completion_tokens:,}",
            f"{run.prompt_tokens:,} in / {run.completion_tokens:,} out",
        ),
        ("median latency", _latency(run), f"{run.samples} model call(s)"),
        (
            "parse failures",
            f"{run.parse_failure_rate:.0%}",
            f"{run.parse_failures} parse failure(s), {run.errors} error(s)",
        ),
    ]
    if run.oracle:
        cards.insert(
            2,
            (
                f"oracle pass@{run.oracle.get('k', '?')}",
                f"{run.oracle['score']:.1%}",
                "any of the K programs right (not a score)",
            ),
        )
    card_html = "".join(
        f"<div class='card'><div class='label'>{escape(label)}</div><div class='big'>{escape(value)}</div>"
        f"<div class='muted'>{escape(note)}</div></div>"
        for label, value, note in cards
    )
    table = _task_table(run)
    open_tasks = len(run.task_ids) <= _OPEN_TASKS_LIMIT
    tasks = "".join(_task_details(run, task_id, open_=open_tasks) for task_id in run.task_ids)
    from arcforge.pipelines.refine_report import refine_html  # budget curve etc. (refined runs)

    refined = refine_html(run.path, run.score, run.tasks)
    return (
        f"<section id='run-{index}'><h2>{escape(run.label)}</h2>"
        f"<p class='muted'>run {escape(run.run_id)} &middot; dataset {escape(run.dataset)} &middot; "
        f"status {escape(run.status)} &middot; <code>{escape(str(run.path))}</code></p>"
        f"<div class='cards'>{card_html}</div><h3>Per task</h3>{table}{refined}<h3>Attempts</h3>{tasks}</section>"
    )


def _task_table(run: BenchmarkRun) -> str:
    rows = []
    for task_id in run.task_ids:
        task = run.score["per_task"][task_id]
        stats = run.task_stats[task_id]
        solved = sum(task.get("solved", []))
        total = len(task.get("solved", []))
        latency = f"{sum(stats.latencies) / len(stats.latencies):.1f}s" if stats.latencies else "&ndash;"
        rows.append(
            f"<tr><td><code>{escape(task_id)}</code></td><td>{_badge(task.get('score', 0.0), task.get('submitted', True))}</td>"
            f"<td class='num'>{solved}/{total}</td><td class='num'>{escape(stats.cost_text)}</td>"
            f"<td class='num'>{stats.prompt_tokens + stats.completion_tokens:,}</td><td class='num'>{latency}</td>"
            f"<td class='num'>{stats.parse_failures}</td><td class='num'>{stats.errors}</td></tr>"
        )
    return (
        "<table><thead><tr><th>task</th><th>score</th><th class='num'>outputs solved</th><th class='num'>cost</th>"
        "<th class='num'>tokens</th><th class='num'>mean latency</th><th class='num'>parse failures</th>"
        "<th class='num'>errors</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _task_details(run: BenchmarkRun, task_id: str, *, open_: bool) -> str:
    result = run.score["per_task"][task_id]
    truth = run.tasks.get(task_id)
    attempts = run.attempts_for(task_id)
    correct = result.get("attempt_correct", [])
    blocks = []
    for test_index in range(len(result.get("solved", []))):
        pair = truth.test[test_index] if truth is not None and test_index < len(truth.test) else None
        figures = [
            _figure(pair.input if pair else None, f"test input {test_index + 1}"),
            "<div class='arrow'>&rarr;</div>",
            _figure(pair.output if pair else None, "expected output"),
        ]
        tries = attempts[test_index] if test_index < len(attempts) else ()
        marks = correct[test_index] if test_index < len(correct) else []
        for number in range(2):
            grid = tries[number] if number < len(tries) else None
            right = bool(marks[number]) if number < len(marks) else False
            figures.append(_figure(grid, f"attempt {number + 1}", verdict=None if grid is None else right))
        blocks.append(f"<div class='pairs'>{''.join(figures)}</div>")
    programs = sorted(run.task_stats[task_id].programs, key=lambda p: p.sample_index)
    if programs:
        rows = "".join(
            f"<tr><td class='num'>{p.sample_index}</td><td class='num'>{p.train_passed}/{p.train_total}</td>"
            f"<td>{escape(', '.join(p.test_status) or '–')}</td></tr>"
            for p in programs
        )
        blocks.append(
            "<table class='programs'><thead><tr><th class='num'>program (sample)</th>"
            "<th class='num'>train pairs right</th><th>on the test inputs</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    failures = run.task_stats[task_id].failures
    if failures:
        items = "".join(
            f"<li>sample {f.sample_index}: <b>{escape(f.status.replace('_', ' '))}</b>: "
            f"<code>{escape(_shorten(f.message))}</code>"
            + (
                f"<details><summary>the reply</summary><pre>{escape(_shorten(f.reply, 2000))}</pre></details>"
                if f.reply
                else ""
            )
            + "</li>"
            for f in failures
        )
        blocks.append(f"<ul class='failures'>{items}</ul>")
    if not result.get("submitted", True):
        blocks.append("<p class='muted'>No entry in the submission: scored 0.</p>")
    state = " open" if open_ else ""
    return (
        f"<details class='task'{state}><summary><code>{escape(task_id)}</code> "
        f"{_badge(result.get('score', 0.0), result.get('submitted', True))}</summary>{''.join(blocks)}</details>"
    )


def _figure(grid: Grid | None, caption: str, *, verdict: bool | None = None) -> str:
    from arcforge.task.pictures import grid_svg

    css = "" if verdict is None else (" right" if verdict else " wrong")
    mark = (
        ""
        if verdict is None
        else (" <b class='ok'>&#10003; right</b>" if verdict else " <b class='bad'>&#10007; wrong</b>")
    )
    if grid is None:
        body = (
            "<span class='none'>no attempt</span>"
            if caption.startswith("attempt")
            else "<span class='none'>n/a</span>"
        )
        size = ""
    else:
        cell = max(3, min(28, 136 // max(grid.height, grid.width)))
        body = grid_svg(grid, cell=cell, line=1 if cell >= 6 else 0)
        size = f" <span class='muted'>{grid.height}&times;{grid.width}</span>"
    return f"<figure class='{css.strip()}'><div class='pic'>{body}</div><figcaption>{escape(caption)}{size}{mark}</figcaption></figure>"


def _badge(score: float, submitted: bool) -> str:
    if not submitted:
        return "<span class='badge b-none'>missing</span>"
    if score >= 1:
        return "<span class='badge b-ok'>solved</span>"
    if score > 0:
        return f"<span class='badge b-part'>{score:.0%}</span>"
    return "<span class='badge b-bad'>unsolved</span>"


def _latency(run: BenchmarkRun) -> str:
    median = run.median_latency_s
    return "–" if median is None else f"{median:.1f}s"


def _shorten(text: Any, limit: int = 400) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"
