"""`arcforge report`: report.md and a self-contained report.html (checked in Chromium by a screenshot)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from arcforge.cli import main
from arcforge.engine import RunDirectory
from arcforge.pipelines.benchmark import BenchmarkOptions, finish_benchmark

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"

IN_A = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
OUT_A = [[2, 1, 2], [1, 1, 1], [2, 1, 2]]
IN_B = [[3, 0], [0, 3]]
OUT_B = [[3, 3, 0, 0], [3, 3, 0, 0], [0, 0, 3, 3], [0, 0, 3, 3]]


def _dataset_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    tasks = {
        "aaa11111": {"train": [{"input": IN_A, "output": OUT_A}], "test": [{"input": IN_A, "output": OUT_A}]},
        "bbb22222": {
            "train": [{"input": IN_B, "output": OUT_B}],
            "test": [{"input": IN_B, "output": OUT_B}, {"input": [[4]], "output": [[4, 4], [4, 4]]}],
        },
        "ccc33333": {
            "train": [{"input": [[1]], "output": [[2]]}],
            "test": [{"input": [[5]], "output": [[6]]}],
        },
    }
    for task_id, data in tasks.items():
        (folder / f"{task_id}.json").write_text(json.dumps(data))
    return folder


def _direct_run(tmp_path: Path, name: str, model: str, records: list[dict]) -> Path:
    from arcforge.datasets import load_dataset

    folder = _dataset_folder(tmp_path) if not (tmp_path / "data").exists() else tmp_path / "data"
    dataset = load_dataset(str(folder))
    run = RunDirectory.create(tmp_path / name, command="benchmark direct", config={"model": model})
    for record in records:
        run.append({"kind": "direct", "task_version": 0, "model": model, **record})
    run.close()
    options = BenchmarkOptions(mode="direct", model=model, samples=2, dataset_spec=str(folder))
    finish_benchmark(run, list(dataset.tasks), options=options, dataset=dataset)
    return run.path


def _record(task_id: str, sample: int, attempts, *, status: str = "ok", error=None, cost=0.002) -> dict:
    return {
        "key": f"{task_id}:v0:s{sample}",
        "task_id": task_id,
        "sample_index": sample,
        "status": status,
        "attempts": attempts,
        "error": error,
        "cost_usd": cost,
        "latency_s": 2.0 + sample,
        "usage": {"prompt_tokens": 300, "completion_tokens": 120},
    }


@pytest.fixture()
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    first = _direct_run(
        tmp_path,
        "run-good",
        "model-good",
        [
            _record("aaa11111", 0, [[OUT_A]]),
            _record("aaa11111", 1, [[IN_A]]),
            _record("bbb22222", 0, [[OUT_B], [[[4]]]]),
            _record("bbb22222", 1, [[[[3, 3], [3, 3]]], [[[4, 4], [4, 4]]]]),
            _record("ccc33333", 0, None, status="parse_failure", error="no_grid: <script>alert(1)</script>"),
            _record("ccc33333", 1, None, status="error", error="ModelTimeoutError: no answer in 60 s"),
        ],
    )
    second = _direct_run(
        tmp_path,
        "run-cheap",
        "model-cheap",
        [
            _record("aaa11111", 0, [[IN_A]], cost=0.0001),
            _record("aaa11111", 1, [[IN_A]], cost=0.0001),
            _record("bbb22222", 0, [[OUT_B], []], cost=0.0001),
            _record("bbb22222", 1, [[OUT_B], []], cost=0.0001),
            _record("ccc33333", 0, [[[[6]]]], cost=0.0001),
            _record("ccc33333", 1, [[[[6]]]], cost=0.0001),
        ],
    )
    return first, second


def test_single_run_report_markdown_and_html(two_runs, capsys):
    first, _ = two_runs
    assert main(["report", str(first), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    markdown = Path(paths["markdown"]).read_text()
    html = Path(paths["html"]).read_text()
    assert Path(paths["html"]).parent == first
    # first run: aaa solved (1), bbb 2/2 via attempt 2 of test 2 (1), ccc failed (0) -> 2/3
    assert "| model-good (direct) | 66.7% |" in markdown
    assert "| `bbb22222` | 100% | 2/2 |" in markdown
    assert "parse_failure" in markdown and "&lt;script&gt;" in markdown
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") >= 3 * 2 + 4 * 2  # inputs and expected outputs, plus attempts
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "parse failure" in html and "ModelTimeoutError" in html
    assert "17% <span class='muted'>(1)</span>" in html  # parse-failure rate: 1 of 6 samples
    score = json.loads((first / "score.json").read_text())
    assert score["parse_failures"] == 1 and score["errors"] == 1


def test_several_runs_plot_and_who_solved_what(two_runs, tmp_path, capsys):
    out = tmp_path / "compare"
    assert main(["report", *map(str, two_runs), "--out", str(out)]) == 0
    assert "report of 2 run(s)" in capsys.readouterr().out
    markdown = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "## Who solved what" in markdown
    assert "| `ccc33333` | ✗ | ✓ |" in markdown
    assert "| `bbb22222` | ✓ | 50% |" in markdown
    assert "data:image/png;base64," in html
    png = (out / "accuracy_cost.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_report_of_a_folder_that_is_not_a_finished_benchmark(tmp_path, capsys):
    RunDirectory.create(tmp_path / "half", command="benchmark direct", config={})
    assert main(["report", str(tmp_path / "half")]) == 1
    err = capsys.readouterr().err
    assert "no score.json" in err and "arcforge benchmark direct --resume" in err
    RunDirectory.create(tmp_path / "gen", command="generate code", config={})
    assert main(["report", str(tmp_path / "half"), str(tmp_path / "gen")]) == 2  # kinds are reported apart
    assert "separately" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing")]) == 1
    assert "not a run directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 1
    assert "not a run directory" in capsys.readouterr().err


def test_generate_run_report_yield_costs_and_verified_programs(tmp_path, capsys):
    """A real generate run against the scripted server (right, wrong, hostile and prose replies), before
    and after `arcforge verify`."""
    from generation_replies import (
        OTHER_TASKS,
        TILE_TASK,
        generate_code_args,
        responder_for,
        standard_answers,
        training,
    )

    from arcforge.testing import ScriptedServer

    ids = [TILE_TASK, *OTHER_TASKS]
    run = tmp_path / "gen"
    with ScriptedServer(
        responder=responder_for([training().get(t) for t in ids], standard_answers())
    ) as server:
        argv = generate_code_args(
            server.base_url, "--task-ids", json.dumps(ids), "--out", str(run), "--samples", "2"
        )
        assert main([*argv, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--json"]) == 0
    before = Path(json.loads(capsys.readouterr().out)["markdown"]).read_text()
    assert "Not verified yet" in before and "| openai:any (generate code) | 8 | not verified |" in before
    assert main(["verify", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    markdown, html = Path(paths["markdown"]).read_text(), Path(paths["html"]).read_text()
    assert Path(paths["html"]).parent == run
    # 8 samples, 2 verified (the tile task's), 4 tasks, $0.01 a sample: $0.04 per verified sample
    assert (
        "| openai:any (generate code) | 8 | 2 (25.0%) | 1/4 | $0.0800 | $0.0400 | 8,000 / 1,600 | 4,800 |"
        in markdown
    )
    assert f"| `{TILE_TASK}` | 2 | 2 | 0 | 0 | 2/2 (100%) | $0.0200 |" in markdown
    assert f"| `{OTHER_TASKS[2]}` | 2 | 0 | 2 | 0 | 0/2 (0%) |" in markdown and "no_code" in markdown
    assert "Verification outcomes:" in markdown and "verified 2" in markdown
    assert "def solve(grid):" in markdown and "middle = [row[::-1] * 3 for row in grid]" in markdown
    assert "os.system" not in markdown  # the hostile program is not verified, so not shown as one
    assert html.count("<svg") >= 2 * (len(training().get(TILE_TASK).train) + 1)  # the tile task's pairs
    assert "middle = [row[::-1] * 3 for row in grid]" in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.browser
def test_report_html_shows_the_grids_in_chromium(two_runs, tmp_path):
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    out = tmp_path / "compare"
    assert main(["report", *map(str, two_runs), "--out", str(out)]) == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((out / "report.html").as_uri())
            # every grid picture is drawn with a real size
            sizes = page.eval_on_selector_all(
                "figure .pic svg",
                "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
            )
            assert len(sizes) >= 20
            assert all(w > 20 and h > 20 for w, h in sizes)
            # the plot image decoded
            assert page.eval_on_selector("img.plot", "img => img.complete && img.naturalWidth") > 300
            # right and wrong attempts are marked
            assert page.locator("figure.right").count() >= 3
            assert page.locator("figure.wrong").count() >= 3
            assert page.get_by_text("Who solved what").is_visible()
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
            page.screenshot(path=str(ARTIFACTS / "report-top.png"))
            page.locator("#run-0 h3", has_text="Attempts").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "report-attempts.png"))
            page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "report-attempts.png").stat().st_size > 10_000


def test_report_without_the_dataset_still_shows_the_attempts(two_runs, tmp_path, capsys):
    import shutil

    first, _ = two_runs
    shutil.rmtree(tmp_path / "data")  # the ground truth is gone: no expected outputs to draw
    assert main(["report", str(first)]) == 0
    capsys.readouterr()
    html = (first / "report.html").read_text()
    assert html.count("<span class='none'>n/a</span>") == 2 * 4  # input and expected, for 4 test inputs
    assert html.count("<svg") == 6  # the attempts that were submitted (2 per test input of aaa and bbb)
    assert "66.7%" in html


def _scripted_benchmark(out: Path, model: str, costs: list[float | None]) -> Path:
    """A real `benchmark direct` run against the scripted server; the n-th reply costs ``costs[n]``
    (None: the server reports no cost, and the `openai:` model has no price)."""
    from arcforge.testing import ScriptedServer, reply

    calls = iter(costs)

    def responder(body: dict):
        return reply("Test 1 output:\n```json\n[[0]]\n```", cost=next(calls, None))

    with ScriptedServer(responder=responder) as server:
        argv = ["benchmark", "direct", "--model", model, "--base-url", server.base_url, "--no-cache"]
        ids = json.dumps(["13e47133", "136b0064"])
        argv += [
            "--dataset",
            "arc-agi-2/evaluation",
            "--task-ids",
            ids,
            "--concurrency",
            "1",
            "--out",
            str(out),
        ]
        assert main([*argv, "--no-progress"]) == 0
    return out


def test_unpriced_run_reports_unknown_cost_never_zero(tmp_path, capsys):
    """Issue 13: a model without a price has an unknown cost in report.md, report.html and the plot."""
    unpriced = _scripted_benchmark(tmp_path / "unpriced", "openai:unpriced", [])
    priced = _scripted_benchmark(tmp_path / "priced", "openai:priced", [0.01] * 10)
    mixed = _scripted_benchmark(tmp_path / "mixed", "openai:mixed", [0.0123])
    capsys.readouterr()
    out = tmp_path / "compare"
    assert main(["report", str(unpriced), str(priced), str(mixed), "--out", str(out)]) == 0
    markdown = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| openai:unpriced (direct) |"))
    assert "| unknown | unknown |" in row and "$0.0000" not in row
    priced_row = next(line for line in markdown.splitlines() if line.startswith("| openai:priced (direct) |"))
    assert "| $0.0400 | $0.0200 |" in priced_row  # two tasks, two samples each, $0.01 a reply
    mixed_row = next(line for line in markdown.splitlines() if line.startswith("| openai:mixed (direct) |"))
    assert "| ≥ $0.0123 (3 records of unknown cost) | unknown |" in mixed_row
    assert "Not plotted (cost unknown): openai:unpriced (direct), openai:mixed (direct)." in markdown
    assert "Not plotted (cost unknown): openai:unpriced (direct)" in html
    assert (out / "accuracy_cost.png").read_bytes().startswith(b"\x89PNG")
    # the single-run report: the cost card and the per-task table
    assert main(["report", str(unpriced)]) == 0
    single_md = (unpriced / "report.md").read_text()
    single_html = (unpriced / "report.html").read_text()
    assert "| `13e47133` |" in single_md and "$0.0000" not in single_md
    task_row = next(line for line in single_md.splitlines() if line.startswith("| `13e47133` |"))
    assert "| unknown |" in task_row
    assert "unknown per task" in single_html and "$0.0000" not in single_html


def test_unpriced_generate_run_reports_unknown_cost(tmp_path, capsys):
    """A `generate code` run of an unpriced `openai:` model: its report says unknown, never $0."""
    from generation_replies import TILE_TASK, generate_code_args

    from arcforge.testing import ScriptedServer, reply

    run = tmp_path / "gen"
    program = "```python\ndef solve(grid):\n    return grid\n```"
    with ScriptedServer(responder=lambda body: reply(program)) as server:
        argv = generate_code_args(server.base_url, "--task-ids", json.dumps([TILE_TASK]), "--out", str(run))
        assert main([*argv, "--samples", "2", "--no-progress"]) == 0
    assert main(["verify", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    markdown, html = Path(paths["markdown"]).read_text(), Path(paths["html"]).read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| openai:any (generate code) |"))
    assert "| unknown |" in row and "$0.0000" not in markdown
    assert "unknown" in html and "$0.0000" not in html


def test_a_task_with_some_unpriced_replies_shows_its_known_cost_as_a_lower_bound(tmp_path, capsys):
    """A task row never shows the known part of its cost as if it were the whole."""
    import itertools

    from generation_replies import TILE_TASK, generate_code_args

    from arcforge.testing import ScriptedServer, reply

    run = tmp_path / "gen"
    program = "```python\ndef solve(grid):\n    return grid\n```"
    priced = itertools.cycle([True, False])
    with ScriptedServer(
        responder=lambda body: reply(program, cost=0.001) if next(priced) else reply(program)
    ) as server:
        argv = generate_code_args(server.base_url, "--task-ids", json.dumps([TILE_TASK]), "--out", str(run))
        assert main([*argv, "--samples", "2", "--concurrency", "1", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    markdown, html = Path(paths["markdown"]).read_text(), Path(paths["html"]).read_text()
    task_row = next(line for line in markdown.splitlines() if line.startswith(f"| `{TILE_TASK}` |"))
    assert "≥ $0.0010 (1 record of unknown cost)" in task_row, task_row
    assert "≥ $0.0010 (1 record of unknown cost)" in html
