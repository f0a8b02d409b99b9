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


def test_an_option_given_on_resume_counts_even_when_it_equals_the_default(tmp_path):
    """Options start UNSET: `--concurrency 4` (the default) on resume replaces the run's 2."""
    from arcforge.cli import build_parser
    from arcforge.cli._run_options import UNSET, resolve_run
    from arcforge.engine import RunDirectory

    run = RunDirectory.create(tmp_path / "run", command="generate code", config={"kind": "code"})
    run.write_manifest(options={"model": "openai:any", "concurrency": 2, "no_cache": True, "price": [3, 15]})
    fresh = build_parser().parse_args(["generate", "code", "--model", "m"])
    assert fresh.concurrency is UNSET and fresh.max_cost is UNSET
    assert resolve_run(fresh) is None and fresh.concurrency == 4 and fresh.no_cache is False
    bare = build_parser().parse_args(["generate", "code", "--resume", str(run.path)])
    resumed = resolve_run(bare)
    assert resumed is not None and resumed.run_id == run.run_id
    assert (bare.concurrency, bare.no_cache, bare.price, bare.model) == (2, True, (3, 15), "openai:any")
    explicit = build_parser().parse_args(
        ["generate", "code", "--resume", str(run.path), "--concurrency", "4"]
    )
    resolve_run(explicit)
    assert explicit.concurrency == 4 and explicit.given_options == ["concurrency"]


def test_price_must_be_two_numbers(capsys):
    import pytest

    from arcforge.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["generate", "code", "--model", "m", "--price", "3"])
    assert exited.value.code == 2 and "IN:OUT" in capsys.readouterr().err
