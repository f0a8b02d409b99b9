"""``arcforge report``: ``report.md`` and a self-contained ``report.html`` for benchmark or generate runs.

:func:`write_report` reads each run directory (:mod:`arcforge.pipelines.report_data`), writes the
Markdown report (tables only, readable in a terminal or on a forge) and the HTML one (the same tables
plus grid pictures, :mod:`arcforge.pipelines.report_html`). With several runs both also get a
per-task table of who solved what, and the HTML an accuracy-against-cost plot
(:mod:`arcforge.pipelines.report_plot`). Files are written through a temporary name and renamed, so a
reader never sees half a report. Generate runs (code, reasoning) get their own report: yield per task
and per status, cost and tokens per verified sample, the verified programs with their grids
(:mod:`arcforge.pipelines.report_generate`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from arcforge.errors import UsageError
from arcforge.pipelines.report_data import BenchmarkRun, load_benchmark_run

__all__ = ["ReportFiles", "default_report_dir", "render_markdown", "write_report"]


@dataclass(frozen=True)
class ReportFiles:
    """Where the report went."""

    markdown: Path
    html: Path
    runs: int


def default_report_dir(run_dirs: Sequence[str | Path], *, now: datetime | None = None) -> Path:
    """The run directory itself for one run; ``reports/compare-<UTC time>/`` for several."""
    if len(run_dirs) == 1:
        return Path(run_dirs[0])
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path("reports") / f"compare-{stamp}"


def write_report(run_dirs: Sequence[str | Path], *, out: str | Path | None = None) -> ReportFiles:
    """Write ``report.md`` and ``report.html`` for ``run_dirs`` into ``out`` and return their paths."""
    if not run_dirs:
        raise UsageError("give at least one run directory (arcforge report RUN_DIR [RUN_DIR ...])")
    benchmarks = [_is_benchmark(Path(path)) for path in run_dirs]
    if not any(benchmarks):
        return _write_generate_report(run_dirs, out)
    if not all(benchmarks):
        raise UsageError("report benchmark runs and generate runs separately: their reports differ")
    runs = [load_benchmark_run(path) for path in run_dirs]
    folder = Path(out) if out is not None else default_report_dir(run_dirs)
    folder.mkdir(parents=True, exist_ok=True)
    from arcforge.pipelines.report_html import render_html

    plot = None
    if len(runs) > 1:
        from arcforge.pipelines.report_plot import accuracy_cost_png

        plot = accuracy_cost_png(runs)
        _write(folder / "accuracy_cost.png", plot)
    markdown = folder / "report.md"
    html = folder / "report.html"
    _write(markdown, render_markdown(runs, plot_name="accuracy_cost.png" if plot else None).encode("utf-8"))
    _write(html, render_html(runs, plot_png=plot).encode("utf-8"))
    return ReportFiles(markdown=markdown, html=html, runs=len(runs))


def _is_benchmark(path: Path) -> bool:
    """A benchmark run (finished or not); anything else is reported as a generate run."""
    if (path / "score.json").is_file():
        return True
    try:
        command = json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("command")
    except (OSError, ValueError, AttributeError):
        return False
    return str(command or "").startswith("benchmark")


def _write_generate_report(run_dirs: Sequence[str | Path], out: str | Path | None) -> ReportFiles:
    """report.md and report.html of generate runs (:mod:`arcforge.pipelines.report_generate`)."""
    from arcforge.pipelines.report_generate import generate_html, generate_markdown, load_generate_run
    from arcforge.pipelines.report_html import _CSS

    runs = [load_generate_run(path) for path in run_dirs]
    folder = Path(out) if out is not None else default_report_dir(run_dirs)
    folder.mkdir(parents=True, exist_ok=True)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    intro = (
        f"{len(runs)} run(s), generated {generated}. A sample is verified when its program reproduces every "
        "train and test output in the sandbox (`arcforge verify`); yield is verified samples over samples."
    )
    lines = ["# arcforge generate report", "", intro, "", *generate_markdown(runs, _md)]
    markdown, html = folder / "report.md", folder / "report.html"
    _write(markdown, ("\n".join(lines) + "\n").encode("utf-8"))
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>arcforge generate report</title><style>{_CSS}</style></head><body>"
        f"<header><h1>arcforge generate report</h1><p>{intro.replace('`', '')}</p></header>"
        f"<main>{generate_html(runs)}</main></body></html>"
    )
    _write(html, page.encode("utf-8"))
    return ReportFiles(markdown=markdown, html=html, runs=len(runs))


def render_markdown(runs: Sequence[BenchmarkRun], *, plot_name: str | None = None) -> str:
    """The Markdown report: a summary table, who solved what (several runs), and per-task tables."""
    lines = [
        "# arcforge benchmark report",
        "",
        f"{len(runs)} run(s), generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Scored by the ARC "
        "Prize rule: a test output is solved when either of its two attempts matches exactly; a task scores the "
        "fraction of its test outputs solved; the score is the mean over tasks (missing tasks count 0). "
        "Pictures of every grid are in `report.html`.",
        "",
    ]
    with_oracle = any(run.oracle for run in runs)
    heads = [
        "run",
        "score (per task)",
        "95% CI",
        "per output",
        *(["oracle (any of K)"] if with_oracle else []),
        "tasks",
        "cost",
        "cost/task",
        "tokens in / out",
        "median latency",
        "parse failures",
        "errors",
    ]
    lines += ["| " + " | ".join(heads) + " |", "|---|" + "---:|" * (len(heads) - 1)]
    for run in runs:
        low, high = run.score.get("score_ci95", [0, 1])
        oracle = f"{run.oracle['score']:.1%} (pass@{run.oracle.get('k', '?')})" if run.oracle else "–"
        latency = "–" if run.median_latency_s is None else f"{run.median_latency_s:.1f}s"
        cells = [
            _md(run.label),
            f"{run.score.get('score', 0):.1%}",
            f"[{low:.1%}, {high:.1%}]",
            f"{run.score.get('score_per_output', 0):.1%}",
            *([oracle] if with_oracle else []),
            str(len(run.task_ids)),
            run.cost_text,
            run.cost_per_task_text,
            f"{run.prompt_tokens:,} / {run.completion_tokens:,}",
            latency,
            f"{run.parse_failure_rate:.0%} ({run.parse_failures})",
            str(run.errors),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if with_oracle:
        lines += [
            "",
            "The oracle counts a test output solved when any of the K programs is right on the hidden "
            "answer: an upper bound, not a score.",
        ]
    if len(runs) > 1:
        if plot_name:
            lines += ["", "## Accuracy against cost", "", f"![score against cost per task]({plot_name})"]
            left_out = [_md(r.label) for r in runs if r.cost_per_task is None]
            if left_out:
                lines += ["", "Not plotted (cost unknown): " + ", ".join(left_out) + "."]
        lines += [
            "",
            "## Who solved what",
            "",
            "| task | " + " | ".join(_md(r.label) for r in runs) + " |",
            "|---|" + "---:|" * len(runs),
        ]
        for task_id in sorted({t for run in runs for t in run.task_ids}):
            cells = []
            for run in runs:
                if task_id not in run.score.get("per_task", {}):
                    cells.append("–")
                else:
                    value = run.task_score(task_id)
                    cells.append("✓" if value >= 1 else f"{value:.0%}" if value > 0 else "✗")
            lines.append(f"| `{task_id}` | " + " | ".join(cells) + " |")
    for run in runs:
        lines += [
            "",
            f"## {_md(run.label)}",
            "",
            f"Run `{run.run_id}` on {_md(run.dataset)}, status {run.status}, folder `{run.path}`.",
            "",
            "| task | score | outputs solved | cost | tokens | parse failures | errors | failures |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for task_id in run.task_ids:
            result = run.score["per_task"][task_id]
            stats = run.task_stats[task_id]
            solved = result.get("solved", [])
            notes = "; ".join(
                f"s{f.sample_index} {f.status}: {_md(f.message[:80])}" for f in stats.failures[:3]
            )
            if not result.get("submitted", True):
                notes = "missing from the submission" + (f"; {notes}" if notes else "")
            lines.append(
                f"| `{task_id}` | {result.get('score', 0):.0%} | {sum(solved)}/{len(solved)} | {stats.cost_text} "
                f"| {stats.prompt_tokens + stats.completion_tokens:,} | {stats.parse_failures} | {stats.errors} "
                f"| {notes} |"
            )
        from arcforge.pipelines.refine_report import refine_markdown  # budget curve etc. (refined runs)

        lines += refine_markdown(run.path, run.score, run.tasks)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipes, no newlines, no raw HTML)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
