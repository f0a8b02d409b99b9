"""Text for people about runs: what a generation wrote and cost, and the verification table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arcforge.engine import RunSummary
    from arcforge.pipelines.verify import VerifySummary

__all__ = ["describe_generation", "format_verification"]


def describe_generation(summary: RunSummary, *, verb: str) -> str:
    """A few lines for people: where the run is, what was written, what it cost, what to do next."""
    statuses = (
        ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items())) or "nothing new"
    )
    lines = [
        f"{verb}: {summary.completed} record(s) written ({statuses}), {summary.skipped} already done, "
        f"{summary.total} in all",
        f"tokens: {summary.prompt_tokens} prompt + {summary.completion_tokens} completion; "
        f"cost: ${summary.cost_usd:.4f}; {summary.elapsed_s:.1f} s",
        f"run directory: {summary.path}",
    ]
    if summary.stopped == "interrupted":
        lines.append(f"interrupted: continue with `arcforge {verb} --resume {summary.path}`")
    elif summary.stopped == "max_cost":
        lines.append(
            f"stopped at --max-cost: continue with `arcforge {verb} --resume {summary.path} --max-cost USD`"
        )
    elif verb.endswith("code"):
        lines.append(f"next: arcforge verify {summary.path}")
    return "\n".join(lines)


def format_verification(summary: VerifySummary) -> str:
    """The summary table by outcome, for people."""
    rows = [(outcome, count) for outcome, count in summary.by_outcome.items()]
    width = max([len("outcome"), *(len(outcome) for outcome, _ in rows)])
    lines = [f"{'outcome':<{width}}  {'samples':>7}  {'share':>6}", f"{'-' * width}  {'-' * 7}  {'-' * 6}"]
    for outcome, count in rows:
        share = count / summary.samples if summary.samples else 0.0
        lines.append(f"{outcome:<{width}}  {count:>7}  {share:>6.1%}")
    lines.append(f"{'total':<{width}}  {summary.samples:>7}")
    lines.append("")
    lines.append(
        f"verified: {summary.verified} of {summary.samples} sample(s); "
        f"{summary.tasks_verified} of {summary.tasks} task(s) have a verified program "
        f"({summary.elapsed_s:.1f} s)"
    )
    if summary.by_outcome.get("unknown"):
        lines.append(
            "unknown: every pair with an output passed, but the run holds no test output to check "
            "(benchmark runs leave them out); `arcforge sandbox run` checks one program against the dataset"
        )
    lines.append(f"details: {summary.path / 'verification.jsonl'}")
    return "\n".join(lines)
