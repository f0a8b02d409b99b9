"""``arcforge models list|check|chat`` run as real processes against the scripted server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.testing import ScriptedServer, error, reply


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    environ["ARCFORGE_HOME"] = str(tmp_path / "home")
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "arcforge", "models", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


def test_check_reports_two_retries_after_two_429s(tmp_path) -> None:
    with ScriptedServer(
        [error(429, retry_after=1), error(429, retry_after=1), reply("ok", cost=0.0002)]
    ) as server:
        done = _run(tmp_path, "check", "openai:any", "--base-url", server.base_url, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True and result["retries"] == 2 and result["error"] is None
    assert result["latency_s"] >= 2.0
    assert result["cost"] == pytest.approx(0.0002)
    assert result["usage"]["prompt_tokens"] == 10
    assert len(server.chat_requests) == 3
    assert server.chat_requests[0].json["max_tokens"] == 16


def test_check_reports_the_error_and_fails(tmp_path) -> None:
    with ScriptedServer([error(404, "model 'nope' does not exist")]) as server:
        as_json = _run(tmp_path, "check", "openai:nope", "--base-url", server.base_url, "--json")
        server.push(error(404, "model 'nope' does not exist"))
        as_text = _run(tmp_path, "check", "openai:nope", "--base-url", server.base_url)
    assert as_json.returncode == 1
    result = json.loads(as_json.stdout)
    assert result["ok"] is False and "does not exist" in result["error"] and result["retries"] == 0
    assert as_text.returncode == 1 and "FAILED" in as_text.stderr and "Traceback" not in as_text.stderr


def test_check_never_uses_the_cache(tmp_path) -> None:
    with ScriptedServer([reply("one"), reply("two")]) as server:
        for _ in range(2):
            assert _run(tmp_path, "check", "openai:any", "--base-url", server.base_url).returncode == 0
    assert len(server.chat_requests) == 2


def test_list_shows_ids_providers_prices_and_keys(tmp_path) -> None:
    done = _run(tmp_path, "list", "--json", env={"OPENROUTER_API_KEY": "sk-or-set"})
    assert done.returncode == 0, done.stderr
    rows = {row["id"]: row for row in json.loads(done.stdout)["models"]}
    assert {"CLAUDE", "GEMINI_PRO", "GEMINI_FLASH", "GPT", "CODER", "PHI", "QWEN", "local"} <= set(rows)
    assert rows["GPT"]["key_set"] is True and rows["GPT"]["key_env"] == "OPENROUTER_API_KEY"
    assert rows["local"]["key_set"] is None and rows["CLAUDE"]["input_price"] > 0
    text = _run(tmp_path, "list")
    assert "OPENROUTER_API_KEY NOT SET" in text.stdout and "local" in text.stdout
    assert "sk-or-set" not in done.stdout


def test_chat_prints_the_reply_and_streams(tmp_path) -> None:
    with ScriptedServer([reply("Hello there!"), reply("streamed hello", chunk_delay_s=0.01)]) as server:
        plain = _run(
            tmp_path, "chat", "openai:any", "Say hello", "--base-url", server.base_url, "--system", "terse"
        )
        streamed = _run(
            tmp_path,
            "chat",
            "openai:any",
            "-",
            "--base-url",
            server.base_url,
            "--stream",
            "--temperature",
            "0.2",
            stdin="Say hello again",
        )
    assert plain.returncode == 0 and plain.stdout == "Hello there!\n"
    assert streamed.returncode == 0 and streamed.stdout == "streamed hello\n"
    first, second = (r.json for r in server.chat_requests)
    assert first["messages"] == [
        {"role": "system", "content": "terse"},
        {"role": "user", "content": "Say hello"},
    ]
    assert second["messages"][-1]["content"] == "Say hello again" and second["temperature"] == 0.2


def test_a_key_in_dotenv_works_and_stays_out_of_output_and_cache(tmp_path) -> None:
    key = "sk-or-dotenv-5544332211"
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={key}\n")
    with ScriptedServer([error(401, f"User not found for key {key}"), reply("hi")]) as server:
        failed = _run(tmp_path, "chat", "CLAUDE", "hello", "--base-url", server.base_url)
        worked = _run(tmp_path, "chat", "CLAUDE", "hello", "--base-url", server.base_url, "--json")
    assert failed.returncode == 1 and key not in failed.stderr and "[redacted]" in failed.stderr
    assert worked.returncode == 0 and json.loads(worked.stdout)["text"] == "hi"
    assert server.chat_requests[1].headers["authorization"] == f"Bearer {key}"
    stored = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("cache.db*"))
    assert stored and key.encode() not in stored


def test_missing_key_and_unknown_model_are_one_line_errors(tmp_path) -> None:
    missing = _run(tmp_path, "chat", "GPT", "hello")
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "OPENROUTER_API_KEY is not set" in missing.stderr
    unknown = _run(tmp_path, "check", "GTP")
    assert (
        unknown.returncode == 2
        and "unknown model 'GTP'" in unknown.stderr
        and "Traceback" not in unknown.stderr
    )
    bad_option = _run(tmp_path, "chat", "GPT", "hi", "--temperature", "hot")
    assert bad_option.returncode == 2 and "not a number" in bad_option.stderr


def test_an_empty_prompt_is_a_usage_error_and_sends_nothing(tmp_path) -> None:
    with ScriptedServer([reply("never")]) as server:
        done = _run(
            tmp_path, "chat", "openai:any", "  ", "--base-url", server.base_url, env={"OPENAI_API_KEY": "k"}
        )
        empty_stdin = _run(
            tmp_path,
            "chat",
            "openai:any",
            "-",
            "--base-url",
            server.base_url,
            env={"OPENAI_API_KEY": "k"},
            stdin="",
        )
        assert server.requests == []
    for result in (done, empty_stdin):
        assert (
            result.returncode == 2 and "prompt is empty" in result.stderr and "Traceback" not in result.stderr
        )
