"""The discussion page with the bundled model (the default of ``settings.discuss_models``): the
pipeline runs offline end to end. The tiny model is wrong on ARC; only the plumbing is checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_discuss_api import TASK, events_of, serve

from arcforge.models.local import shared_local_servers

pytestmark = [pytest.mark.local_model, pytest.mark.slow]


def test_a_reply_from_the_bundled_model_streams_and_is_stored(tmp_path: Path) -> None:
    environ = {"ARCFORGE_DISCUSS_MODELS": "local", "ARCFORGE_DISCUSS_BASE_URL": "", "HF_HUB_OFFLINE": "1"}
    site = serve(tmp_path, environ)
    discuss = next(site)
    try:
        api = discuss.client("local-user")
        config = api.get("/api/discuss/config").json()
        assert [(m["id"], m["available"]) for m in config["models"]] == [("local", True)]
        created = api.post(f"/api/discuss/tasks/{TASK}/conversations", {"model": "local"})
        conversation = created.json()["conversation"]["id"]
        body = {
            "content": "Which colours do the outputs use?",
            "model": "local",
            "temperature": 0,
            "max_tokens": 16,
        }
        api.http.timeout = 300
        with api.http.stream(
            "POST", f"/api/discuss/conversations/{conversation}/messages", json=body, headers=api._headers()
        ) as response:
            assert response.status_code == 200
            events = list(events_of(response))
        assert events[0][0] == "start" and events[-1][0] == "done", events[-1]
        assert any(name == "delta" for name, _ in events)
        done = events[-1][1]["message"]
        assert done["content"].strip() and done["model"] == "local" and done["cost_usd"] == 0.0
        stored = api.get(f"/api/discuss/conversations/{conversation}").json()["messages"]
        assert [m["role"] for m in stored] == ["user", "assistant"]
        assert discuss.model.chat_requests == []  # the scripted server was not involved
    finally:
        shared_local_servers().stop_all()
        site.close()


def test_sigterm_to_serve_stops_the_bundled_models_server(tmp_path: Path) -> None:
    import os
    import signal

    from web_helpers import start_server, stop_server

    server = start_server(
        tmp_path,
        extra_env={
            "ARCFORGE_DISCUSS_MODELS": "local",
            "ARCFORGE_DISCUSS_BASE_URL": "",
            "HF_HUB_OFFLINE": "1",
        },
    )
    try:
        api = server.client()
        api.signup("local-user")
        api.http.timeout = 300
        conversation = api.post(f"/api/discuss/tasks/{TASK}/conversations", {"model": "local"}).json()
        body = {"content": "Hi", "model": "local", "temperature": 0, "max_tokens": 4}
        reply = api.post(f"/api/discuss/conversations/{conversation['conversation']['id']}/messages", body)
        assert reply.status_code == 200
        children = [  # started from a worker thread: look in every thread's children
            pid
            for task in Path(f"/proc/{server.process.pid}/task").iterdir()
            for pid in (task / "children").read_text().split()
        ]
        llama = [
            int(pid) for pid in children if b"llama_cpp.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(llama) == 1
    finally:
        stop_server(server)  # SIGTERM, as systemd or docker stop it
    try:
        os.kill(llama[0], 0)
    except ProcessLookupError:
        return
    os.killpg(llama[0], signal.SIGKILL)
    raise AssertionError("the bundled model's server outlived arcforge serve")
