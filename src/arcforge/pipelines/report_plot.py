"""The accuracy-against-cost plot of several benchmark runs, as PNG bytes (matplotlib, Agg backend).

Each run is one point: cost per task on x, the official score on y with its 95% interval as an error
bar, labelled with the model and mode. A run whose cost is unknown (a model without a price) has no
place on the cost axis: it is left out and named in a note on the figure, never drawn at $0. The figure is built on an explicit ``Figure`` with the Agg
canvas, never through pyplot, so nothing global is touched and no display is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from arcforge.pipelines.report_data import BenchmarkRun

__all__ = ["accuracy_cost_png"]


def accuracy_cost_png(runs: Sequence[BenchmarkRun]) -> bytes:
    """A PNG of score (y) against cost per task in USD (x), one labelled point per run."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.2), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    colours = ["#1E93FF", "#F93C31", "#4FCC30", "#E53AA3", "#FF851B", "#87D8F1", "#921231", "#555555"]
    plotted = [
        (index, run, cost) for index, run in enumerate(runs) if (cost := run.cost_per_task) is not None
    ]
    for index, run, cost in plotted:
        low, high = run.score.get("score_ci95", [run.score.get("score", 0.0)] * 2)
        score = float(run.score.get("score", 0.0))
        colour = colours[index % len(colours)]
        axes.errorbar(
            [cost],
            [score],
            yerr=[[max(score - low, 0.0)], [max(high - score, 0.0)]],
            fmt="o",
            color=colour,
            ecolor=colour,
            elinewidth=1.2,
            capsize=4,
            markersize=8,
            label=run.label,
        )
        axes.annotate(run.label, (cost, score), textcoords="offset points", xytext=(8, 6), fontsize=8)
    axes.set_xlabel("cost per task (USD)")
    axes.set_ylabel("score (per task, ARC Prize rule)")
    axes.set_ylim(-0.03, 1.03)
    max_cost = max((cost for _, _, cost in plotted), default=0.0)
    axes.set_xlim(left=-max(max_cost, 0.001) * 0.05, right=max(max_cost, 0.001) * 1.25)
    axes.grid(True, alpha=0.3)
    axes.set_title("Accuracy against cost (bars: 95% CI)", fontsize=10)
    left_out = [run.label for run in runs if run.cost_per_task is None]
    if left_out:  # a run of unknown cost has no place on the cost axis: named, never put at $0
        axes.text(
            0.01,
            0.01,
            "not plotted, cost unknown: " + ", ".join(left_out),
            transform=axes.transAxes,
            fontsize=7,
            color="#555555",
            va="bottom",
        )
    if len(plotted) > 1:
        axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
