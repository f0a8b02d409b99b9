"""``arcforge report RUN_DIR [RUN_DIR ...]``: Markdown and HTML reports of benchmark or generate runs."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write report.md and a self-contained report.html for benchmark or generate runs",
        description=(
            "Write report.md and report.html (grids as pictures, no outside files) for one or more "
            "benchmark run directories (with several: an accuracy-against-cost plot and a table of who "
            "solved what), or for generate runs (yield per task and status, cost and tokens per verified "
            "sample, the verified programs with their grids)."
        ),
    )
    parser.add_argument(
        "run_dirs", nargs="+", metavar="RUN_DIR", help="benchmark or generate run directories"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="folder for the report (default: the run directory; reports/compare-<time>/ for several runs)",
    )
    parser.add_argument("--json", action="store_true", help="print the report's paths as JSON")
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from arcforge.pipelines.report import write_report

    files = write_report(args.run_dirs, out=args.out)
    if args.json:
        print(json.dumps({"markdown": str(files.markdown), "html": str(files.html), "runs": files.runs}))
    else:
        print(f"report of {files.runs} run(s):\n  {files.html}\n  {files.markdown}")
    return 0
