"""After ``arcforge traces import`` of the original traces_store.json, task 00576224's page lists them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import Server, screenshot, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def imported_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    shared = (
        Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "original" / "traces_store.json"
    )
    if not shared.is_file():
        pytest.skip(f"{shared} is absent: the original system's fixtures live only in the workspace")
    home = tmp_path_factory.mktemp("imported")
    env = {**os.environ, "ARCFORGE_HOME": str(home)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "arcforge",
            "traces",
            "import",
            str(shared),
            "--db",
            f"sqlite:///{home / 'arcforge.db'}",
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    server = start_server(home, dataset="arc-agi-2/training")  # the default of `arcforge serve`
    yield server, shared
    stop_server(server)


def test_imported_traces_show_on_the_task_page_labelled_by_author(
    browser: Any, imported_server: tuple[Server, Path]
) -> None:
    server, shared = imported_server
    expected = json.loads(shared.read_text())["00576224"]
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/apps/testing_interface.html?task=00576224")
        page.wait_for_selector("body.ready")
        page.wait_for_selector("#trace-list .trace")
        authors = page.locator("#trace-list .trace .author").all_text_contents()
        assert sorted(authors) == sorted(e["username"] for e in expected)
        models = sum("/" in e["username"] for e in expected)
        assert page.locator("#trace-list .trace .badge.model").count() == models
        screenshot(page, "imported-traces")
    finally:
        context.close()
