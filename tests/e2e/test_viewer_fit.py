"""The runs viewer's pages (issue 17's) fit every screen and pass axe-core too (issue 18): the run list, a
run, a task of a run and a comparison, at 390x844 and 1440x900, with screenshots in test-artifacts/.
The runs are written directly (a refined benchmark run and a synthetic generate run): no model, no sandbox."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_helpers import (
    VIEWPORTS,
    screenshot,
    serious_axe_violations,
    sideways_overflow,
    start_server,
    stop_server,
)

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1] / "web")
)  # the run builders live beside the API tests
from runs_handmade import handmade_refined_run, small_dataset, synthetic_run  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def viewer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("viewer-fit")
    folder = root / "runs"
    dataset = small_dataset(root / "data")
    handmade_refined_run(folder / "refined", dataset)
    synthetic_run(folder / "synthetic", 40, tasks=8)
    server = start_server(root, dataset=str(dataset), runs=str(folder))
    runs = {run["folder"]: run["id"] for run in httpx.get(f"{server.url}/api/runs").json()["runs"]}
    yield {"url": server.url, "runs": runs}
    stop_server(server)


@pytest.mark.parametrize("width", ["390", "1440"])
def test_viewer_pages_fit_and_pass_axe(new_context: Any, viewer: dict[str, Any], width: str) -> None:
    refined, synthetic = viewer["runs"]["refined"], viewer["runs"]["synthetic"]
    pages = {
        "runs": "/runs",
        "run": f"/runs/{refined}",
        "run-task": f"/runs/{refined}/tasks/recolor",
        "compare": f"/runs/compare?a={refined}&b={synthetic}",
    }
    page = new_context(viewport=VIEWPORTS[width], axe=True).new_page()
    problems: dict[str, Any] = {}
    for label, path in pages.items():
        page.goto(f"{viewer['url']}{path}")
        page.wait_for_selector("body.ready", timeout=15_000)
        overflow = sideways_overflow(page)
        violations = serious_axe_violations(page)
        screenshot(page, f"viewer-{label}-{width}")
        if overflow or violations:
            problems[label] = {"sideways_px": overflow, "axe": violations}
    assert not problems, problems
