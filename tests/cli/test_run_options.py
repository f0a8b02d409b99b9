"""Options shared by the commands that make run directories."""

from __future__ import annotations


def test_resume_keeps_the_budget_of_the_run(tmp_path):
    """--max-cost is part of what a run was started with: a bare --resume must not drop it."""
    from arcforge.cli import build_parser
    from arcforge.cli._run_options import fill_from_manifest
    from arcforge.engine import RunDirectory

    run = RunDirectory.create(tmp_path / "run", command="generate code", config={"kind": "code"})
    run.write_manifest(options={"model": "openai:any", "max_cost": 0.05})
    args = build_parser().parse_args(["generate", "code", "--resume", str(run.path)])
    fill_from_manifest(args, str(run.path))
    assert args.max_cost == 0.05
    raised = build_parser().parse_args(["generate", "code", "--resume", str(run.path), "--max-cost", "1"])
    fill_from_manifest(raised, str(run.path))
    assert raised.max_cost == 1.0
