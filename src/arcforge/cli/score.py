"""``arcforge score SUBMISSION --dataset SPEC``: score any ARC Prize / Kaggle submission file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arcforge.pipelines.scorecard import Scorecard


_SHOWN_WARNINGS = 20


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from arcforge.cli._task_options import add_task_options

    parser = subparsers.add_parser(
        "score",
        help="score a submission.json by the ARC Prize rule (missing tasks count as 0)",
        description=(
            "Score a submission in the ARC Prize / Kaggle format "
            '{"task_id": [{"attempt_1": grid, "attempt_2": grid}, ...]} against a dataset with test outputs. '
            "The task list comes from the dataset (narrowed by the task options): a task the submission "
            "leaves out scores 0; tasks the dataset lacks are ignored with a warning. A malformed attempt "
            "is a wrong attempt, attempt_3+ and extra entries are ignored, duplicate keys are resolved "
            "last-wins: each with a warning naming task, entry and attempt (--strict refuses instead)."
        ),
    )
    parser.add_argument("submission", metavar="SUBMISSION", help="path of the submission.json to score")
    add_task_options(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse a submission with any malformed attempt, extra key, extra entry or duplicate key "
        "(by default each is a wrong or ignored attempt with a warning, and the rest still scores)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (with a warnings list) instead of a summary",
    )
    parser.set_defaults(handler=run_score)


def run_score(args: argparse.Namespace) -> int:
    from arcforge.cli._task_options import tasks_from_args
    from arcforge.pipelines.scorecard import score_entries
    from arcforge.pipelines.submission import load_submission

    submission = load_submission(args.submission, strict=args.strict)
    dataset, tasks = tasks_from_args(args)
    card = score_entries(submission.entries, tasks, source=args.submission, strict=args.strict)
    warnings = [*submission.warnings, *card.warnings]
    if card.unknown_task_ids:
        shown = ", ".join(card.unknown_task_ids[:10]) + (" ..." if len(card.unknown_task_ids) > 10 else "")
        warnings.append(
            f"{len(card.unknown_task_ids)} task(s) in the submission are not among the "
            f"{len(tasks)} selected task(s) of {dataset.name} and were ignored: {shown}"
        )
        if len(card.unknown_task_ids) == len(submission.entries):
            warnings.append(
                f"none of the submission's tasks is in {dataset.name}, so it scores 0: "
                "check --dataset (the default is arc-agi-2/evaluation)"
            )
    _print_warnings(warnings, to_json=args.json)
    if args.json:
        payload = {"dataset": dataset.name, "submission": args.submission, **card.to_json()}
        payload["warnings"] = warnings
        print(json.dumps(payload, indent=2))
        return 0
    print(format_scorecard(card, dataset_name=dataset.name))
    return 0


def _print_warnings(warnings: list[str], *, to_json: bool) -> None:
    """Each warning on stderr (the first 20, then a count, unless --json lists them all)."""
    from arcforge.cli._terminal import printable

    shown = warnings if len(warnings) <= _SHOWN_WARNINGS else warnings[: _SHOWN_WARNINGS - 1]
    for warning in shown:
        print(f"arcforge: warning: {printable(warning)}", file=sys.stderr)
    if len(shown) < len(warnings):
        where = "the JSON's warnings list" if to_json else "--json"
        print(f"arcforge: warning: ... and {len(warnings) - len(shown)} more (see {where})", file=sys.stderr)


def format_scorecard(card: Scorecard, *, dataset_name: str) -> str:
    """A few lines for people: both averages with their 95% intervals, and what was missing."""
    result = card.result
    low, high = result.score_ci
    low_o, high_o = result.score_per_output_ci
    lines = [
        f"dataset {dataset_name}: {result.task_count} task(s), {result.outputs} test output(s)",
        f"score (per task, official):  {result.score:.4f} = {result.tasks_solved:.4g}/{result.task_count} tasks"
        f"   95% CI [{low:.3f}, {high:.3f}]",
        f"score (per output, Kaggle):  {result.score_per_output:.4f} = {result.outputs_solved}/{result.outputs} "
        f"outputs   95% CI [{low_o:.3f}, {high_o:.3f}]",
    ]
    missing = result.missing_tasks
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        lines.append(f"missing from the submission (scored 0): {len(missing)} task(s): {shown}")
    return "\n".join(lines)
