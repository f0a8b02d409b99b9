"""``arcforge verify RUN_DIR``: run every generated program on every train and test pair in the sandbox."""

from __future__ import annotations

import argparse
from typing import Any

from arcforge.cli._sandbox_options import add_library_option, add_wall_option, libraries_from, wall_from
from arcforge.cli._task_options import add_json_option
from arcforge.cli._validators import positive_int

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a run's samples: programs on every train and test pair, reasoning traces by their "
        "predicted test outputs (appends to RUN_DIR/verification.jsonl)",
        description="Run every program of a code run in the sandbox on every train and test pair, and check "
        "the predicted test outputs of a reasoning run. A sample is verified only when all its pairs pass. "
        "Results are appended as they come: a stopped verify continues where it was.",
    )
    parser.add_argument(
        "run_dir",
        metavar="RUN_DIR",
        help="a run directory made by `arcforge generate` or `benchmark code`; or, with --dataset, PROGRAMS: "
        "a folder of <task_id>.py (or <task_id>/<name>.py) or a .jsonl of {task_id, code, source?} records",
    )
    parser.add_argument(  # a corpus in (arcforge.pipelines.corpus)
        "--dataset", metavar="SPEC", help="take PROGRAMS in as a corpus of solvers for this dataset's tasks"
    )
    parser.add_argument(
        "--out", metavar="RUN_DIR", help="the run folder a corpus becomes (default: runs/corpus-...)"
    )
    add_library_option(parser)
    parser.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="sandbox processes (default: one per core, plus one)",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run the programs on a Ray cluster: HOST:PORT of its head, or auto (one sandbox pool per "
        "node, --workers per node; results land in RUN_DIR as here; see docs/scale.md)",
    )
    add_wall_option(parser, "--timeout")  # --timeout: the spelling before --wall-s, still accepted
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="verify every sample again (default: continue, verifying only what verification.jsonl lacks)",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help="no progress bar (default: shown when stderr is a terminal)",
    )
    add_json_option(parser)
    parser.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from arcforge.cli._terminal import printable
    from arcforge.pipelines.corpus import verify_programs
    from arcforge.pipelines.summaries import format_verification
    from arcforge.sandbox import Limits

    if args.ray:
        from arcforge.distributed import verify_on_ray
        from arcforge.errors import UsageError

        if args.dataset or libraries_from(args):
            raise UsageError("--ray verifies a run folder: take corpora (--dataset) and --library locally")
        intake = None
        summary = asyncio.run(
            verify_on_ray(
                args.run_dir,
                args.ray,
                workers_per_node=args.workers,
                limits=Limits(wall_s=wall_from(args)),
                progress=False if args.json else args.progress,
                fresh=args.fresh,
            )
        )
    else:
        intake, summary = asyncio.run(
            verify_programs(
                args.run_dir,
                dataset=args.dataset,
                out=args.out,
                libraries=libraries_from(args),
                workers=args.workers,
                limits=Limits(wall_s=wall_from(args)),
                progress=False if args.json else args.progress,
                fresh=args.fresh,
            )
        )
    if args.json:
        print(json.dumps({**summary.to_dict(), **({"corpus": intake.to_dict()} if intake else {})}, indent=2))
    else:
        # keys and corpus file names are the user's data, shown escaped like any other foreign text
        print(printable("\n".join([*(intake.describe() if intake else []), format_verification(summary)])))
    return 0
