"""Text for people about runs: what a generation wrote and cost, and the verification table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arcforge.engine import RunSummary
    from arcforge.pipelines.verify import VerifySummary

__all__ = ["describe_generation", "format_cost", "format_verification", "summary_json"]


def format_cost(cost: float | None, digits: int = 4) -> str:
    """``$0.0123``, or ``unknown`` for a cost nobody knows (never $0)."""
    return "unknown" if cost is None else f"${cost:.{digits}f}"


def summary_json(summary: RunSummary) -> dict[str, Any]:
    """What ``generate --json`` prints."""
    return {
        "run_dir": str(summary.path),
        "run_id": summary.run_id,
        "total": summary.total,
        "skipped": summary.skipped,
        "written": summary.completed,
        "retried": summary.retried,
        "by_status": summary.statuses,
        "prompt_tokens": summary.prompt_tokens,
        "completion_tokens": summary.completion_tokens,
        "cost_usd": summary.cost_usd,
        "cost_unknown_records": summary.cost_unknown,
        "stopped": summary.stopped,
    }


def describe_generation(summary: RunSummary, *, verb: str) -> str:
    """A few lines for people: where the run is, what was written, what it cost, what to do next."""
    retried = f", {summary.retried} asked again" if summary.retried else ""
    statuses = (
        ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items())) or "nothing new"
    )
    lines = [
        f"{verb}: {summary.completed} record(s) written ({statuses}), {summary.skipped} already done{retried}, "
        f"{summary.total} in all",
        f"tokens: {summary.prompt_tokens} prompt + {summary.completion_tokens} completion; "
        f"cost: {format_cost(summary.cost_usd)}; {summary.elapsed_s:.1f} s",
        f"run directory: {summary.path}",
    ]
    if summary.stopped == "interrupted":
        lines.append(f"interrupted: continue with `arcforge {verb} --resume {summary.path}`")
    elif summary.stopped == "max_cost":
        lines.append(
            f"stopped at --max-cost: continue with `arcforge {verb} --resume {summary.path} --max-cost USD`"
        )
    elif summary.stopped == "cost_unknown":
        lines.append("stopped: the reply's cost is unknown, so --max-cost cannot be kept (see the error)")
    elif verb.startswith("generate"):
        lines.append(f"next: arcforge verify {summary.path}")
    return "\n".join(lines)


TIMED_OUT_SHOWN = 10  # timed-out samples the text summary names (--json names all)


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
    spent = format_cost(summary.cost_usd)
    per = summary.cost_per_verified_usd
    tokens = summary.tokens_per_verified
    lines.append(
        f"yield: {summary.verified / summary.samples:.1%} of samples; " if summary.samples else "yield: -; "
    )
    cost_text = (
        "cost unknown (the model has no price: give one with --price IN:OUT when generating)"
        if summary.cost_usd is None
        else f"cost {spent} in all, {format_cost(per) if per is not None else '-'} per verified sample"
    )
    lines[-1] += f"{cost_text}; {f'{tokens:,.0f}' if tokens is not None else '-'} tokens per verified sample"
    if summary.by_outcome.get("unknown"):
        lines.append(
            "unknown: every pair with an output passed, but the run holds no test output to check "
            "(benchmark runs leave them out); `arcforge sandbox run` checks one program against the dataset"
        )
    if summary.timed_out:
        shown = ", ".join(summary.timed_out[:TIMED_OUT_SHOWN])
        more = len(summary.timed_out) - TIMED_OUT_SHOWN
        lines.append(
            f"timed out ({len(summary.timed_out)}): {shown}{f', and {more} more (--json lists all)' if more > 0 else ''}; "
            "give slow programs more time with --wall-s S"
        )
    lines.append(f"details: {summary.path / 'verification.jsonl'}")
    return "\n".join(lines)
