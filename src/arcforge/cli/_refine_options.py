"""The refinement options of ``generate code`` and ``benchmark code`` (``--refine R`` and its budgets), and
``--show-prompt``, which prints the requests a run would send (the first task's, and the revision
template) without calling a model."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from arcforge.cli._validators import money, non_negative_int, positive_int

if TYPE_CHECKING:
    from arcforge.pipelines.refine import RefineOptions
    from arcforge.task.model import Task

__all__ = ["REFINE_OPTIONS", "add_refine_options", "refine_from_args", "show_prompt"]

# run-defining: kept in the manifest and restored on --resume (cli/_run_options.RUN_OPTIONS lists them)
REFINE_OPTIONS = ("refine", "refine_width", "max_calls_per_task", "max_cost_per_task")


def add_refine_options(parser: argparse.ArgumentParser) -> None:
    from arcforge.pipelines.refine import DEFAULT_WIDTH

    group = parser.add_argument_group("refinement search (docs/benchmark.md, Refinement)")
    group.add_argument(
        "--refine",
        type=non_negative_int,
        default=0,
        metavar="R",
        help="revision rounds after the initial samples: programs failing a train pair are shown their "
        "wrong outputs and revised (default 0: one-shot)",
    )
    group.add_argument(
        "--refine-width",
        type=positive_int,
        default=DEFAULT_WIDTH,
        metavar="W",
        help=f"programs revised per task and round: the W best by train accuracy (default {DEFAULT_WIDTH})",
    )
    group.add_argument(
        "--max-calls-per-task",
        type=positive_int,
        metavar="N",
        help="model calls per task, initial samples included (default: no limit)",
    )
    group.add_argument(
        "--max-cost-per-task",
        type=money,
        metavar="USD",
        help="no more revisions of a task once it has cost this much (checked before each round)",
    )
    group.add_argument(
        "--show-prompt",
        action="store_true",
        help="print the first task's request and the revision template, then exit (no model call)",
    )


def refine_from_args(args: argparse.Namespace) -> RefineOptions | None:
    """The search's options, or None for a one-shot run (``--refine 0``)."""
    from arcforge.pipelines.refine import RefineOptions

    if not getattr(args, "refine", 0):
        return None
    options = RefineOptions(
        rounds=args.refine,
        width=args.refine_width,
        max_calls_per_task=args.max_calls_per_task,
        max_cost_per_task=args.max_cost_per_task,
    )
    options.check_samples(args.samples)  # before a run folder is made
    return options


def show_prompt(args: argparse.Namespace, tasks: list[Task], *, agent: str) -> None:
    """Print what the run would send: the first task's messages and, with ``--refine``, the revision turn."""
    from arcforge.errors import UsageError
    from arcforge.pipelines.refine_feedback import refine_template
    from arcforge.prompts import build_messages
    from arcforge.prompts.library_doc import run_template

    if not tasks:
        raise UsageError("the task selection is empty: nothing to show (check --task-ids / --max-tasks)")
    doc_libraries: Sequence[str] = ()
    if getattr(args, "library_doc", False):  # --library-doc (cli/_library_options.py)
        from arcforge.cli._library_options import library_settings

        doc_libraries = library_settings(args)[0]
    template = run_template(agent, args.template, doc_libraries)
    messages = build_messages(agent, tasks[0], encoding=args.encoding, template=template)
    print(f"# template {template.name} (sha256 {template.sha256[:12]}), task {tasks[0].id}, {args.encoding}")
    _print_messages(messages)
    if getattr(args, "refine", 0):
        revise = refine_template()
        print(f"\n# then, per revision: the reply, and template {revise.name} (sha256 {revise.sha256[:12]})")
        print(
            f"\n--- user (revision request; $placeholders are filled per program) ---\n{revise.user.strip()}"
        )


def _print_messages(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        print(f"\n--- {message['role']} ---\n{message['content']}")
