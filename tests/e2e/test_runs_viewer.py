"""The runs viewer in Chromium: a generate run, a benchmark run and a refined run, all made against the
scripted server (programs run in the real sandbox), served by ``arcforge serve --runs`` and by
``arcforge view``. Screenshots of every page go to ``test-artifacts/screenshots/runs-*.png``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, TASKS, _free_port, screenshot

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "web")
)  # the run builders live beside the API tests
from runs_helpers import (  # noqa: E402
    PROSE_TASK,
    SYNTHETIC_ID,
    TILE_TASK,
    WRONG_TASK,
    benchmark_run,
    generate_run,
    refined_run,
    small_dataset,
    synthetic_run,
    tasks_run,
)  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _start(argv: list[str], home: Path, url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ARCFORGE_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "arcforge", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/runs", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"arcforge {argv[0]} did not start")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("viewer")
    folder = root / "runs"
    dataset = small_dataset(root / "data")
    made = {
        "generate": generate_run(folder / "generate"),
        "benchmark": benchmark_run(folder / "benchmark", dataset),
        "refined": refined_run(folder / "refined", dataset),
        "made": tasks_run(root / "made" / "tasks", dataset).parent,  # apart: the list test counts 3 runs
    }
    return {"root": root, "folder": folder, **made}


@pytest.fixture(scope="module")
def served(runs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``arcforge serve --runs runs/`` on loopback (the full app: testing page, accounts)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        "serve",
        "--port",
        str(port),
        "--dataset",
        str(TASKS),
        "--runs",
        str(runs["folder"]),
        "--db",
        f"sqlite:///{runs['root'] / 'store.db'}",
        "--log-level",
        "warning",
        "--backup-hours",
        "0",
    ]
    process = _start(argv, runs["root"] / "home", url)
    ids = {run["folder"]: run["id"] for run in httpx.get(f"{url}/api/runs").json()["runs"]}
    yield {"url": url, "ids": ids}
    _stop(process)


@pytest.fixture(scope="module")
def browser(runs: dict[str, Any]) -> Iterator[Any]:
    """Chromium, started after the runs are made (Playwright's sync API holds an event loop that the
    commands making the runs would otherwise find running)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on(  # a refused API call (401 before signing in) is logged by Chromium; the page handles it
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    yield opened
    context.close()
    assert not errors, errors


def _ready(page: Any) -> None:
    page.wait_for_selector("body.ready", timeout=15_000)


def _row(page: Any, table: str, attribute: str, value: str) -> Any:
    return page.locator(f"#{table} tbody tr[data-{attribute}='{value}']")


def test_generate_run_list_summary_task_program_and_grids(page: Any, served: dict[str, Any]) -> None:
    page.goto(f"{served['url']}/runs")
    _ready(page)
    assert page.locator("#runs-table tbody tr").count() == 3
    row = _row(page, "runs-table", "run", served["ids"]["generate"])
    assert "generate code" in row.inner_text() and "2 verified" in row.inner_text()
    page.fill("#run-filter", "scripted-bench")
    assert page.locator("#runs-table tbody tr").count() == 1
    page.fill("#run-filter", "")
    screenshot(page, "runs-list")

    row.locator("a.run-link").click()
    _ready(page)
    assert page.locator("#stat-samples .stat-value").inner_text() == "6"
    assert page.locator("#stat-verified .stat-value").inner_text() == "2"
    assert "yield 33.3%" in page.locator("#stat-verified").inner_text()
    assert page.locator("#stat-cost .stat-value").inner_text() == "$0.0600"
    assert "parse_failure 2" in page.locator("#by-status").inner_text().replace("\n", " ")
    assert page.locator("#tasks-table tbody tr").count() == 3
    page.click("#tasks-table th[data-key='verified']")  # sorted by the server: most verified first
    page.wait_for_selector(f"#tasks-table tbody tr:first-child[data-task='{TILE_TASK}']")
    page.focus("#tasks-table th[data-key='samples']")  # sorting works from the keyboard too
    page.keyboard.press("Enter")
    page.wait_for_selector("#tasks-table th[data-key='samples'][aria-sort='descending']")
    page.click("#manifest summary")
    assert '"command": "generate code"' in page.locator("#manifest pre").inner_text()
    screenshot(page, "runs-generate-summary")

    page.click(f"#tasks-table a:text('{TILE_TASK}')")
    _ready(page)
    sample = page.locator(".sample").first
    assert "verified" in sample.locator(".sample-head").inner_text()
    code = sample.locator("pre.code")
    assert (
        "def solve(grid):" in code.inner_text() and code.locator(".tok-keyword").first.inner_text() == "def"
    )
    assert code.locator(".tok-comment").inner_text() == "# tile, mirror the middle band"
    assert (
        sample.locator(".verdict-row[data-status='passed']").count()
        == sample.locator(".verdict-row").count()
        >= 3
    )
    assert sample.locator(".verdict-row .grid").count() == 2 * sample.locator(".verdict-row").count()
    assert page.locator("#task-pairs .grid").count() >= 6
    assert page.locator("details.prompt").first.get_attribute("open") is None  # the prompt starts collapsed
    assert page.locator("#testing-link").get_attribute("href") == f"/?task={TILE_TASK}"
    assert page.locator("#traces-link").get_attribute("href") == f"/?task={TILE_TASK}#pane-traces"
    screenshot(page, "runs-generate-task")

    page.goto(f"{served['url']}/runs/{served['ids']['generate']}/tasks/{WRONG_TASK}")
    _ready(page)
    wrong = page.locator(".sample").first
    assert wrong.locator(".verdict-row[data-status='failed']").count() >= 1
    assert wrong.locator(".cell.diff").count() > 0  # differing cells are marked
    assert "cell(s) differ" in wrong.locator(".program-output figcaption").first.inner_text()
    screenshot(page, "runs-generate-wrong")
    page.goto(f"{served['url']}/runs/{served['ids']['generate']}/tasks/{PROSE_TASK}")
    _ready(page)
    assert "no_code" in page.locator(".sample .failure-box").first.inner_text()
    assert "can't see any pattern" in page.locator(".sample details.reply pre").first.inner_text()


def test_benchmark_run_scores_and_a_task(page: Any, served: dict[str, Any]) -> None:
    page.goto(f"{served['url']}/runs/{served['ids']['benchmark']}")
    _ready(page)
    assert page.locator("#stat-score .stat-value").inner_text() == "50.0%"
    assert "95% CI" in page.locator("#stat-score").inner_text()
    assert "solved" in _row(page, "tasks-table", "task", "flip").inner_text()
    assert "unsolved" in _row(page, "tasks-table", "task", "recolor").inner_text()
    screenshot(page, "runs-benchmark-summary")
    page.click("#tasks-table a:text('flip')")
    _ready(page)
    right = page.locator(".sample").first
    test_pair = right.locator(".verdict-row[data-split='test']")
    assert test_pair.get_attribute("data-status") == "passed" and test_pair.locator(".grid").count() == 2
    screenshot(page, "runs-benchmark-task")


def test_refined_run_lineage_tree(page: Any, served: dict[str, Any]) -> None:
    run = served["ids"]["refined"]
    page.goto(f"{served['url']}/runs/{run}")
    _ready(page)
    assert page.locator("#rounds tr").count() == 4  # a header and rounds 0, 1, 2
    page.goto(f"{served['url']}/runs/{run}/tasks/recolor")
    _ready(page)
    first = page.locator("#submitted .verdict-row[data-attempt='1']")
    assert "right" in first.inner_text() and "train-perfect" in first.inner_text()  # selection.json's reason
    tree = page.locator("#lineage")
    assert tree.locator(".node").count() == 5
    deepest = tree.locator("ul.tree > li > ul > li > ul > li .node")
    assert deepest.count() == 1 and "round 2 · train 2/2" in deepest.inner_text()
    deepest.click()
    revised = page.locator(".sample.flash")
    assert "revises" in revised.inner_text() and "round 2" in revised.inner_text()
    revised.locator("details.feedback summary").click()
    assert "Example" in revised.locator("details.feedback pre").inner_text()
    screenshot(page, "runs-refined-task")


def test_compare_two_runs_from_the_list(page: Any, served: dict[str, Any]) -> None:
    page.goto(f"{served['url']}/runs")
    _ready(page)
    for folder in ("benchmark", "refined"):
        _row(page, "runs-table", "run", served["ids"][folder]).locator("input.pick").check()
    page.click("#compare-selected")
    _ready(page)
    page.wait_for_selector("#compare-table")
    ids = served["ids"]
    first_is_benchmark = page.locator("#run-a").input_value() == ids["benchmark"]
    counts = page.locator("#compare-counts").inner_text().replace("\n", " ").lower()
    assert "both 1" in counts and "neither 0" in counts
    assert ("only b 1" if first_is_benchmark else "only a 1") in counts
    assert _row(page, "compare-table", "task", "flip").get_attribute("data-verdict") == "both"
    page.click("#verdict-filters button[data-verdict='both']")
    assert page.locator("#compare-table tbody tr").count() == 1
    screenshot(page, "runs-compare")


def test_arcforge_view_serves_the_viewer_alone(page: Any, runs: dict[str, Any]) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(
        ["view", str(runs["refined"]), "--port", str(port), "--no-browser"], runs["root"] / "home2", url
    )
    try:
        page.goto(f"{url}/")
        _ready(page)
        assert page.url.endswith("/runs") and page.locator("#runs-table tbody tr").count() == 1
        assert page.locator("#account").inner_text() == ""  # no store, no accounts
        page.locator("#runs-table a.run-link").click()
        _ready(page)
        page.click("#tasks-table a:text('recolor')")
        _ready(page)
        assert page.locator("#testing-link").count() == 0 and page.locator(".sample").count() == 5
        screenshot(page, "runs-view-alone")
    finally:
        _stop(process)


def _in_process(app: Any) -> tuple[str, Any, Any]:
    import threading

    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def test_off_loopback_the_page_asks_a_moderator_to_sign_in(
    page: Any, runs: dict[str, Any], tmp_path: Path
) -> None:
    from arcforge.settings import load_settings
    from arcforge.store import open_store
    from arcforge.web import create_app
    from arcforge.web.routes.runs import install_runs_viewer

    settings = load_settings({"ARCFORGE_HOME": str(tmp_path / "home")}, dotenv_path=None)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_user("boss", "moderator password", role="moderator")
    app = create_app(settings, store=store, dataset=None)
    install_runs_viewer(app, [runs["folder"]], host="0.0.0.0")  # as if listening on every address
    url, server, thread = _in_process(app)
    try:
        page.goto(f"{url}/runs")
        _ready(page)
        assert "moderators only" in page.locator("#sign-in-needed").inner_text().lower()
        assert page.locator("#runs-table").count() == 0
        screenshot(page, "runs-sign-in-needed")
        page.click("#login")
        page.fill("#auth-name", "boss")
        page.fill("#auth-password", "moderator password")
        page.click("#auth-submit")
        page.wait_for_selector("#runs-table tbody tr")
        assert (
            page.locator("#runs-table tbody tr").count() == 3 and "boss" in page.locator("#who").inner_text()
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_a_running_runs_page_shows_new_records(page: Any, tmp_path: Path) -> None:
    import json

    from arcforge.web.routes.runs import create_viewer_app

    run = synthetic_run(tmp_path / "live" / "run", 40, tasks=4)
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "status": "running", "ended_at": None}))
    url, server, thread = _in_process(create_viewer_app([tmp_path / "live"]))
    try:
        page.goto(f"{url}/runs/{SYNTHETIC_ID}")
        _ready(page)
        assert page.locator("#stat-samples .stat-value").inner_text() == "40"
        with (run / "records.jsonl").open("a") as handle:
            for number in range(5):
                handle.write(
                    json.dumps({"key": f"late:v0:s{number}", "task_id": "late", "status": "ok"}) + "\n"
                )
        from playwright.sync_api import expect

        expect(page.locator("#stat-samples .stat-value")).to_have_text(
            "45", timeout=10_000
        )  # polled every 3 s
        assert page.locator("#tasks-table tbody tr[data-task='late']").count() == 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_generate_tasks_run_shows_the_made_task(page: Any, runs: dict[str, Any]) -> None:
    from arcforge.web.routes.runs import create_viewer_app

    url, server, thread = _in_process(create_viewer_app([runs["made"]]))
    try:
        page.goto(f"{url}/runs")
        _ready(page)
        assert "1 task(s) made" in page.locator("#runs-table tbody tr").inner_text()
        page.locator("#runs-table a.run-link").click()
        _ready(page)
        assert page.locator("#stat-accepted .stat-value").inner_text() == "1"
        assert "identity 1" in page.locator("#by-synthesis").inner_text().replace("\n", " ")
        page.click("#tasks-table a:text('flip')")
        _ready(page)
        block = page.locator(".sample .synthesis")
        assert "accepted" in block.locator("h3").inner_text() and block.locator(".grid").count() == 8
        assert "generate_input" in page.locator(".sample pre.code").inner_text()
        screenshot(page, "runs-tasks-made")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
