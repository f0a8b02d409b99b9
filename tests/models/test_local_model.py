"""The bundled model: installed offline into the data folder, started on first use, stopped at exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from model_helpers import user

from arcforge.models import ChatRequest, open_client
from arcforge.models.local import shared_local_servers
from arcforge.settings import load_settings

pytestmark = [pytest.mark.local_model, pytest.mark.slow]


def _processes_using(path: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_chat_local_prints_a_reply_and_leaves_no_server(tmp_path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(ARCFORGE_HOME=str(home), HF_HUB_OFFLINE="1", NO_PROXY="*")
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "models", "chat", "local", "Say hello", "--max-tokens", "16"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    model = home / "models" / "gemma-3-270m-q4_k_m.gguf"
    assert model.stat().st_size > 200_000_000
    assert _processes_using(model) == []  # the server was stopped when the command exited


def test_sigterm_during_a_local_chat_leaves_no_server(tmp_path) -> None:
    import signal
    import time

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(ARCFORGE_HOME=str(home), HF_HUB_OFFLINE="1", NO_PROXY="*")
    command = [
        sys.executable,
        "-m",
        "arcforge",
        "models",
        "chat",
        "local",
        "Tell a long story",
        "--max-tokens",
        "2000",
    ]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    model = home / "models" / "gemma-3-270m-q4_k_m.gguf"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _processes_using(model):
        time.sleep(0.2)
    assert _processes_using(model), "the bundled model's server never started"
    time.sleep(1)
    process.send_signal(signal.SIGTERM)  # kill, systemd, docker stop: not Ctrl-C
    try:
        code = process.wait(timeout=60)
    finally:
        process.stdout.close()
        process.stderr.close()
        left = _processes_using(model)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert left == []  # stopped by the atexit hook, not left running
    assert code == 143


async def test_client_completes_and_streams_with_the_bundled_model(tmp_path) -> None:
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path / "home")}, dotenv_path=None)
    try:
        async with open_client("local", settings=settings, use_cache=False) as client:
            completion = await client.complete(ChatRequest(user("Name a colour."), max_tokens=8))
            pieces = [
                event async for event in client.stream(ChatRequest(user("Count to three."), max_tokens=8))
            ]
            grid = "\n".join(" ".join(str((row * col) % 10) for col in range(30)) for row in range(30))
            long = await client.complete(ChatRequest(user(f"Grid:\n{grid}\nWhat comes next?"), max_tokens=4))
        model = tmp_path / "home" / "models" / "gemma-3-270m-q4_k_m.gguf"
        servers = _processes_using(model)
        assert len(servers) == 1  # one server, reused by every request
        peak_kb = int(
            next(
                line
                for line in Path(f"/proc/{servers[0]}/status").read_text().splitlines()
                if line.startswith("VmHWM")
            ).split()[1]
        )
    finally:
        shared_local_servers().stop_all()
    assert completion.usage.prompt_tokens > 0 and 0 < completion.usage.completion_tokens <= 8
    assert completion.cost_usd == 0.0 and completion.model == "local"
    assert pieces[-1].kind == "done" and pieces[-1].completion is not None
    assert 0 < pieces[-1].completion.usage.completion_tokens <= 8  # counted from the pieces
    assert long.usage.prompt_tokens > 1500
    # memory stays small: no logits kept for every position (1 MB per prompt token otherwise)
    assert peak_kb < 1_200_000
    assert _processes_using(model) == []


def test_chat_local_works_with_no_network(tmp_path) -> None:
    """In a network namespace with only loopback (needs `unshare -n`, i.e. root): a fresh home, offline."""
    import shutil

    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode
    ):
        pytest.skip("cannot make a network namespace here (unshare -n needs root)")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["ARCFORGE_HOME"] = str(tmp_path / "home")
    script = (
        "ip link set lo up; "
        f"{sys.executable} -c 'import socket; socket.create_connection((\"1.1.1.1\", 443), timeout=2)' "
        "2>/dev/null && echo NETWORK-REACHABLE; "
        f"{sys.executable} -m arcforge models chat local 'Say hello' --max-tokens 8"
    )
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "NETWORK-REACHABLE" not in done.stdout
    assert done.stdout.strip()
