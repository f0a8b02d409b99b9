"""The browser tests' helpers: the server they drive, screenshots, and small actions on the testing page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
TASKS = ROOT / "tests" / "web" / "fixtures" / "tasks"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@dataclass
class Server:
    url: str
    db_url: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(home: Path, *, dataset: str = str(TASKS), runs: str | None = None) -> Server:
    """``arcforge serve`` on a free loopback port with its store in ``home`` (and the runs viewer over
    the ``runs`` folder when given)."""
    port = _free_port()
    db_url = f"sqlite:///{home / 'arcforge.db'}"
    env = {**os.environ, "ARCFORGE_HOME": str(home), "ARCFORGE_WEB_AUTH_PER_MINUTE": "1000"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arcforge",
            "serve",
            "--port",
            str(port),
            "--dataset",
            dataset,
            "--db",
            db_url,
            "--log-level",
            "warning",
            "--backup-hours",
            "0",
            *(["--runs", runs] if runs else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return Server(url, db_url, process)
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("arcforge serve did not start for the browser tests")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def watch_errors(page: Any, errors: list[str]) -> None:
    """Collect the page's uncaught errors, unhandled rejections and console errors into ``errors``."""
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PASSWORD = "browser password"


def output_grid(page: Any) -> list[list[int]]:
    """The output grid as the page shows it, read from the cells' colour classes."""
    rows: list[list[int]] = page.evaluate(
        """() => {
          const grid = document.querySelector('#output-host .grid');
          const h = Number(grid.dataset.height), w = Number(grid.dataset.width);
          const rows = Array.from({length: h}, () => new Array(w).fill(-1));
          for (const cell of grid.querySelectorAll('.cell')) {
            rows[Number(cell.dataset.r)][Number(cell.dataset.c)] = Number(/c(\\d)/.exec(cell.className)[1]);
          }
          return rows;
        }"""
    )
    return rows


def cell(page: Any, row: int, column: int, *, where: str = "output") -> Any:
    return page.locator(f"#{where}-host .cell[data-r='{row}'][data-c='{column}']")


def drag(page: Any, start: tuple[int, int], end: tuple[int, int], *, where: str = "output") -> None:
    a = cell(page, *start, where=where).bounding_box()
    b = cell(page, *end, where=where).bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def resize(page: Any, size: str) -> None:
    page.fill("#resize-input", size)
    page.click("#resize-form button")


def sign_up(page: Any, name: str) -> None:
    page.click("#signup")
    page.fill("#auth-name", name)
    page.fill("#auth-password", PASSWORD)
    page.click("#auth-submit")
    page.wait_for_selector("#who")


def add_trace(page: Any, text: str) -> Any:
    page.fill("#trace-text", text)
    page.click("#trace-form button[type=submit]")
    item = page.locator("#trace-list .trace").filter(has_text=text.splitlines()[0][:20])
    item.first.wait_for()
    return item.first


FIXTURES = ROOT / "tests" / "e2e" / "fixtures" / "tasks"  # the web tests' tasks plus a 30x30 one
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
VIEWPORTS = {"390": PHONE, "1440": LAPTOP}
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def undo_depth(page: Any) -> bool:
    """Whether the page's Undo button is enabled (there is history to undo)."""
    return not page.is_disabled("#undo")


def sideways_overflow(page: Any) -> int:
    """How many px the page scrolls sideways (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (axe is injected from the local npm copy)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ['violations'] });
          return result.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
        }"""
    )
    return list(found)


def focus_grid_by_keyboard(page: Any, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the output grid has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.evaluate("!!document.activeElement.closest('#output-host .grid')"):
            return
        page.keyboard.press(key)
    raise AssertionError("Tab never reached the output grid")
