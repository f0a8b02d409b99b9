"""``arcforge export RUN_DIR --format chat-jsonl|parquet [--augment d8,colors]``: fine-tuning records."""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._task_options import add_json_option

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write fine-tuning records (OpenAI chat format) of a run's verified samples",
        description="Write the verified samples of a generate-code run as fine-tuning records, with lineage. "
        "Run `arcforge verify RUN_DIR` first.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a verified run directory")
    parser.add_argument(
        "--format",
        default="chat-jsonl",
        choices=("chat-jsonl", "parquet", "tasks"),
        help="chat-jsonl (default): one {messages, metadata} object per line; parquet: a table; tasks: "
        "with --hindsight, the tasks a code run's failing programs solve (RUN_DIR/hindsight/)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="where to write (default: RUN_DIR/export.chat.jsonl or RUN_DIR/export.parquet)",
    )
    parser.add_argument(
        "--augment",
        metavar="LIST",
        help="also export each sample through these transforms, re-verified: d8 (7 symmetries), "
        "colors (a colour permutation), or names such as rot90,flip_lr,colors:12->21",
    )
    parser.add_argument(
        "--conversations",
        action="store_true",
        help="a refined sample (--refine) as its whole revision conversation, one multi-turn row "
        "(default: the task request and the final program)",
    )
    parser.add_argument(
        "--hindsight",
        action="store_true",
        help="with --format tasks: each clean program that fails its task gives the task it solves",
    )
    add_json_option(parser)
    parser.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.pipelines.export import export_run

    if args.format == "tasks" or args.hindsight:  # new tasks from a code run (arcforge.synthesis)
        from arcforge.cli._synthesis import export_hindsight

        return export_hindsight(args)

    summary = asyncio.run(
        export_run(
            args.run_dir,
            format=args.format,
            out=args.out,
            augment=args.augment,
            conversations=args.conversations,
        )  # fmt: skip
    )
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    print(
        f"exported {summary.records} record(s) from {summary.verified_samples} verified sample(s)"
        + (f", {summary.augmented} by augmentation" if args.augment else "")
    )
    if summary.rejected:
        shown = ", ".join(f"{name}: {count}" for name, count in sorted(summary.rejected.items()))
        print(f"augmented programs that failed re-verification (not written): {shown}")
    if summary.explanations_dropped:  # arcforge.pipelines.augment_text found no faithful rewrite
        print(f"augmented rows written without their explanation: {summary.explanations_dropped}")
    print(f"file: {summary.path}")
    return 0
