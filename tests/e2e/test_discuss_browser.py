"""The discussion page end to end in Debian's Chromium: chat, stop, run code, save a trace, find it.

The app is served for real (uvicorn on loopback, SQLite) with the scripted OpenAI-compatible server as
the model and a fake API key in its settings. Every response the browser receives is recorded, so the
test can assert that neither the key nor the task's test output ever reaches the page: not in the
HTML, not in any response, not in local or session storage, not in a cookie. The task's test output
is unrelated to its train pairs, so the solver the "model" suggests solves the train pairs only and
the program's own test output cannot be mistaken for the answer. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher

from arcforge.settings import load_settings
from arcforge.store import open_store
from arcforge.testing import ScriptedServer, reply
from arcforge.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FAKE_KEY = "sk-or-v1-FAKE-discuss-browser-7f3a9c0e1d2b"
MODEL = "openai:scripted"
TASK_ID = "d15c0001"
TASK = {
    "train": [
        {"input": [[1, 0], [0, 1]], "output": [[2, 0], [0, 2]]},
        {"input": [[0, 1, 1], [3, 0, 1]], "output": [[0, 2, 2], [3, 0, 2]]},
    ],
    "test": [{"input": [[1, 3, 1], [0, 1, 0]], "output": [[6, 7, 8, 6], [8, 6, 7, 8]]}],
}
# every way the test output could be written in a response
HIDDEN = ("[6,7,8,6]", "[6, 7, 8, 6]", "6786", "6 7 8 6", "[8,6,7,8]", "[8, 6, 7, 8]", "8678")
SOLVER = "def solve(grid):\n    return [[2 if v == 1 else v for v in row] for row in grid]"
ANSWER = (
    "Every **blue** cell (1) becomes **red** (2); everything else stays.\n\n"
    f"```python\n{SOLVER}\n```\n\nRun it on the train pairs to check."
)
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, ScriptedServer]]:
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / f"{TASK_ID}.json").write_text(json.dumps(TASK))
    with ScriptedServer() as model:
        home = tmp_path / "home"
        settings = load_settings(
            {
                "ARCFORGE_HOME": str(home),
                "ARCFORGE_DISCUSS_MODELS": MODEL,
                "ARCFORGE_DISCUSS_BASE_URL": model.base_url,
                "ARCFORGE_DISCUSS_RUN_SECONDS": "1.5",
                "OPENAI_API_KEY": FAKE_KEY,
            },
            dotenv_path=None,
        )
        hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        store = open_store(f"sqlite:///{home / 'arcforge.db'}", password_hasher=hasher)
        app = create_app(settings, store=store, dataset=str(tasks))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}", model
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            store.close()


def test_discuss_a_task_run_the_code_and_save_a_trace(site: tuple[str, ScriptedServer]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, model = site
    model.push(reply(ANSWER, chunk_delay_s=0.04, cost=0.0004))
    model.push(reply(" ".join(f"token{i}" for i in range(600)), chunk_delay_s=0.08))
    SHOTS.mkdir(parents=True, exist_ok=True)
    responses: list[Any] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("response", lambda response: responses.append(response))
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # open the task on the testing page and follow its link to the discussion page
            page.goto(f"{url}/?task={TASK_ID}")
            expect(page.locator("#discuss-link")).to_have_attribute("href", f"/discuss/{TASK_ID}")
            page.click("#discuss-link")
            page.wait_for_url(f"{url}/discuss/{TASK_ID}")
            expect(page.locator("body.ready")).to_have_count(1)
            expect(page.locator("#train-pairs .pair")).to_have_count(2)
            expect(page.locator("#test-inputs .grid")).to_have_count(1)
            expect(page.locator("#login-hint")).to_be_visible()

            page.click("#signup")
            page.fill("#auth-name", "solver1")
            page.fill("#auth-password", "correct horse")
            page.click("#auth-submit")
            expect(page.locator("#composer")).to_be_visible()
            expect(page.locator("#model-select")).to_have_value(MODEL)

            # a streamed reply: partial text first, then the rendered Markdown with its code block
            page.fill("#message-text", "What is the rule? Give me code.")
            page.click("#send")
            streaming = page.locator(".message.streaming #streaming-text")
            expect(streaming).to_contain_text("blue")
            partial = streaming.text_content() or ""
            assert "Run it on the train pairs" not in partial  # seen before the reply was complete
            page.screenshot(path=str(SHOTS / "discuss-streaming.png"))
            reply_item = page.locator(".message.assistant").last
            expect(reply_item.locator("pre code")).to_contain_text("def solve(grid):")
            expect(page.locator(".message.streaming")).to_have_count(0)
            code_text = reply_item.locator("pre code").text_content() or ""
            assert "\n    return [[2 if v == 1" in code_text  # indentation kept
            expect(reply_item.locator("strong").first).to_have_text("blue")
            expect(page.locator("#spend")).to_contain_text("$0.0004")

            # the code block goes to the code box in one click, and solves the train pairs
            reply_item.locator(".use-code").click()
            assert page.input_value("#code").startswith("def solve(grid):\n    return")
            page.click("#run")
            expect(page.locator("#run-summary")).to_have_text("2 of 2 train pairs solved")
            expect(page.locator(".result.passed")).to_have_count(2)
            expect(page.locator(".result[data-split=test] .status")).to_have_text("output (not judged yet)")
            expect(page.locator(".result[data-split=test] .hidden-answer")).to_be_visible()
            page.screenshot(path=str(SHOTS / "discuss-run.png"), full_page=True)

            # Stop really stops: the model server sees its connection close
            page.fill("#message-text", "Now talk for a long time.")
            page.click("#send")
            expect(page.locator(".message.streaming #streaming-text")).to_contain_text("token3")
            assert model.in_flight == 1
            page.click("#stop")
            expect(page.locator(".message.assistant .badge.stopped")).to_have_count(1)
            deadline = time.monotonic() + 5
            while model.in_flight and time.monotonic() < deadline:
                time.sleep(0.05)
            assert model.in_flight == 0, "the upstream request still runs after Stop"
            page.screenshot(path=str(SHOTS / "discuss-stopped.png"))

            # a program that loops forever ends with a time-limit message
            page.fill("#code", "def solve(grid):\n    while True:\n        pass\n")
            page.click("#run")
            expect(page.locator("#run-summary")).to_have_text("0 of 2 train pairs solved")
            expect(page.locator(".result .run-error").first).to_contain_text("time limit")
            page.screenshot(path=str(SHOTS / "discuss-timeout.png"))

            # save the reasoning with the passing code as a trace, then find it on the testing page
            reply_item = page.locator(".message.assistant").first
            reply_item.locator(".use-code").click()
            page.fill("#reasoning", "Blue cells turn red, found with the model's help.")
            page.click("#save-trace")
            expect(page.locator("#save-result")).to_contain_text("model-assisted trace with its code")
            page.click("#saved-trace-link")
            page.wait_for_url(f"{url}/?task={TASK_ID}")
            trace = page.locator("#trace-list .trace").filter(has_text="found with the model's help")
            expect(trace).to_have_count(1)
            expect(trace.locator(".badge.assisted")).to_have_text("model-assisted")
            expect(trace.locator("pre code")).to_contain_text("def solve(grid):")
            page.screenshot(path=str(SHOTS / "discuss-trace-on-testing-page.png"), full_page=True)

            # back on the discussion page the conversation reopens, each message once
            page.goto(f"{url}/discuss/{TASK_ID}")
            expect(page.locator(".message.user")).to_have_count(2)
            expect(page.locator(".message.assistant")).to_have_count(2)
            page.screenshot(path=str(SHOTS / "discuss-reopened.png"), full_page=True)

            # the original system's path opens the same page
            page.goto(f"{url}/apps/discuss_interface.html?task={TASK_ID}")
            expect(page.locator("#train-pairs .pair")).to_have_count(2)
            expect(page.locator(".message.assistant")).to_have_count(2)

            # export downloads the conversation; clear empties it
            with page.expect_download() as download_info:
                page.click("#export-conversation")
            download = download_info.value
            assert download.suggested_filename == f"arcforge-conversation-{TASK_ID}-1.json"
            exported = json.loads(Path(download.path()).read_text())
            assert [m["role"] for m in exported["messages"]] == ["user", "assistant", "user", "assistant"]
            page.once("dialog", lambda dialog: dialog.accept())
            page.click("#clear-conversation")
            expect(page.locator(".message")).to_have_count(0)
            expect(page.locator("#messages .empty")).to_be_visible()

            # nothing secret in the page, its storage, its cookies or anything it received
            html = page.content()
            storage = page.evaluate(
                "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
            )
            cookies = json.dumps(context.cookies())
            bodies = []
            for response in responses:
                try:
                    bodies.append(response.body().decode("utf-8", "replace"))
                except Exception:  # noqa: BLE001 - an aborted stream has no body to read
                    bodies.append(response.url)
            assert len(bodies) > 15 and any(
                "text/event-stream" in (r.headers.get("content-type") or "") for r in responses
            )
            for text in (html, storage, cookies, *bodies):
                assert FAKE_KEY not in text and "FAKE-discuss" not in text
                for marker in HIDDEN:
                    assert marker not in text, f"the test output leaked ({marker!r})"
            assert storage == "[[],[]]"
            assert errors == []
        finally:
            browser.close()
    # the key was used where it belongs: on the server's request to the model
    assert all(r.headers["authorization"] == f"Bearer {FAKE_KEY}" for r in model.chat_requests)
    assert len(model.chat_requests) == 2
