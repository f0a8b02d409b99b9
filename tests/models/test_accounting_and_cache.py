"""Accounting (tokens, reasoning, cost, latency) and the SQLite cache and log, keys kept out of both."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from model_helpers import FAST, KEY, user

from arcforge.models import ChatRequest, MissingKeyError, ProviderError, open_client
from arcforge.models.cache import ResponseCache
from arcforge.settings import load_settings
from arcforge.testing import ScriptedServer, error, reply


def _stored_bytes(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


async def test_reasoning_tokens_and_the_providers_cost(settings, limits) -> None:
    step = reply(
        "answer",
        reasoning="first I look",
        prompt_tokens=120,
        completion_tokens=40,
        reasoning_tokens=25,
        cost=0.00123,
    )
    with ScriptedServer([step]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            completion = await client.complete(ChatRequest(user()))
    assert completion.text == "answer"
    assert completion.reasoning == "first I look"
    assert completion.usage.to_dict() == {
        "prompt_tokens": 120,
        "completion_tokens": 40,
        "reasoning_tokens": 25,
    }
    assert completion.cost_usd == pytest.approx(0.00123)
    assert completion.latency_s > 0 and not completion.cached
    assert completion.provider_model == "scripted-model"


async def test_reasoning_content_field_and_cost_from_registry_prices(
    settings, limits, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.toml").write_text(
        '[models.priced]\nprovider = "vllm"\nmodel = "my-model"\ninput_price = 2.0\noutput_price = 8.0\n'
    )
    step = reply(
        "x", reasoning="deep", reasoning_field="reasoning_content", prompt_tokens=1000, completion_tokens=500
    )
    with ScriptedServer([step]) as server:
        async with open_client(
            "priced", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            completion = await client.complete(ChatRequest(user()))
    assert completion.reasoning == "deep"
    assert completion.cost_usd == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6)
    assert server.chat_requests[0].json["model"] == "my-model"


async def test_cache_hit_costs_nothing_and_sends_nothing(settings, limits) -> None:
    with ScriptedServer(
        [reply("first", cost=0.5), reply("second", cost=0.5), reply("third", cost=0.5)]
    ) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            fresh = await client.complete(ChatRequest(user("same"), temperature=0.7))
            hit = await client.complete(ChatRequest(user("same"), temperature=0.7))
            other_sample = await client.complete(ChatRequest(user("same"), temperature=0.7, sample_index=1))
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, use_cache=False
        ) as client:
            bypass = await client.complete(ChatRequest(user("same"), temperature=0.7))
        # a new client (a rerun) still finds the answer on disk
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            rerun = await client.complete(ChatRequest(user("same"), temperature=0.7, sample_index=1))
            refreshed = await client.complete(ChatRequest(user("same"), temperature=0.7))
    assert (fresh.text, fresh.cost_usd, fresh.cached) == ("first", 0.5, False)
    assert (hit.text, hit.cost_usd, hit.cached, hit.retries) == ("first", 0.0, True, 0)
    assert hit.usage == fresh.usage
    assert (other_sample.text, other_sample.cached) == ("second", False)
    assert (bypass.text, bypass.cached) == ("third", False)
    assert (rerun.text, rerun.cached, rerun.cost_usd) == ("second", True, 0.0)
    assert (refreshed.text, refreshed.cached) == ("third", True)  # --no-cache still records the fresh answer
    assert len(server.chat_requests) == 3
    assert all("sample_index" not in r.json for r in server.chat_requests)


async def test_different_parameters_are_different_cache_entries(settings, limits) -> None:
    with ScriptedServer(responder=lambda request: reply(f"t={request.get('temperature')}")) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            cold = await client.complete(ChatRequest(user(), temperature=0.0))
            warm = await client.complete(ChatRequest(user(), temperature=1.0))
            short = await client.complete(ChatRequest(user(), temperature=1.0, max_tokens=5))
    assert (cold.text, warm.text, short.text) == ("t=0.0", "t=1.0", "t=1.0")
    assert not short.cached and len(server.chat_requests) == 3


async def test_log_records_requests_outcomes_and_never_the_key(settings, limits) -> None:
    echo = f"Incorrect API key provided: {KEY}"
    with ScriptedServer([reply("ok", cost=0.01), error(401, echo)]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            await client.complete(ChatRequest(user("good")))
            await client.complete(ChatRequest(user("good")))
            with pytest.raises(ProviderError) as caught:
                await client.complete(ChatRequest(user("bad")))
    # the key went to the provider, as it must ...
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    # ... and nowhere else
    assert KEY not in str(caught.value) and "[redacted]" in str(caught.value)
    assert KEY.encode() not in _stored_bytes(settings.cache_path)
    cache = ResponseCache(settings.cache_path)
    rows = cache.log_rows()
    cache.close()
    assert [(r["status"], r["cached"]) for r in rows] == [("ok", 0), ("ok", 1), ("error", 0)]
    assert '"content":"good"' in rows[0]["request"] and rows[0]["cost_usd"] == 0.01
    assert "chatcmpl-scripted" in rows[0]["response"]
    assert "401" in rows[2]["error"] and KEY not in rows[2]["error"]
    with sqlite3.connect(settings.cache_path) as db:
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 1


async def test_a_key_from_dotenv_is_used_and_never_stored(tmp_path, limits) -> None:
    dotenv_key = "sk-from-dotenv-0123456789"
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={dotenv_key}\n")
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path / "home")}, dotenv_path=tmp_path / ".env")
    with ScriptedServer([reply("via dotenv", cost=0.002)]) as server:
        async with open_client("GPT", settings=settings, base_url=server.base_url, limits=limits) as client:
            completion = await client.complete(ChatRequest(user()))
    assert completion.text == "via dotenv"
    sent = server.chat_requests[0]
    assert sent.headers["authorization"] == f"Bearer {dotenv_key}"
    assert sent.json["model"] == "openai/gpt-5" and sent.json["usage"] == {"include": True}
    assert dotenv_key.encode() not in _stored_bytes(settings.cache_path)


async def test_a_dummy_short_key_does_not_corrupt_cached_answers(tmp_path, limits) -> None:
    # local OpenAI-compatible servers take any key: "x", "EMPTY", "ollama"; the key "x" must not be
    # redacted out of the stored JSON ("text" -> "te[redacted]t"), or every cache hit fails
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": "x"})
    with ScriptedServer([reply("the next text")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            fresh = await client.complete(ChatRequest(user("same")))
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            hit = await client.complete(ChatRequest(user("same")))
    assert (fresh.text, hit.text, hit.cached) == ("the next text", "the next text", True)
    assert len(server.chat_requests) == 1


async def test_missing_key_names_the_variable(tmp_path) -> None:
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path)}, dotenv_path=None)
    with pytest.raises(MissingKeyError) as caught:
        async with open_client("CLAUDE", settings=settings):
            pass
    message = str(caught.value)
    assert "OPENROUTER_API_KEY is not set" in message and "\n" not in message
    assert caught.value.variable == "OPENROUTER_API_KEY"


async def test_base_url_override_makes_the_key_optional(tmp_path, limits) -> None:
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path)}, dotenv_path=None)
    with ScriptedServer([reply("no key needed")]) as server:
        async with open_client(
            "openai:m", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            completion = await client.complete(ChatRequest(user(), max_tokens=3, reasoning_effort="low"))
    assert completion.text == "no key needed"
    sent = server.chat_requests[0]
    assert "authorization" not in sent.headers
    assert sent.json["max_tokens"] == 3 and sent.json["reasoning_effort"] == "low"


async def test_fast_options_do_not_leak_between_tests(settings, limits) -> None:
    with ScriptedServer([error(500), reply("ok")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits, options=FAST
        ) as client:
            assert (await client.complete(ChatRequest(user()))).retries == 1


async def test_an_unusable_cache_path_is_a_one_line_error(tmp_path) -> None:
    from arcforge.models import ModelError

    settings = load_settings(
        {"ARCFORGE_HOME": str(tmp_path), "ARCFORGE_CACHE": str(tmp_path)}, dotenv_path=None
    )
    with pytest.raises(ModelError, match="cannot open the response cache .*ARCFORGE_CACHE"):
        async with open_client("openai:any", settings=settings, base_url="http://127.0.0.1:9/v1"):
            pass


def test_a_cache_file_from_an_older_arcforge_is_upgraded_in_place(tmp_path):
    """The first released log table had no token columns; opening such a file must add them, not fail."""
    import sqlite3

    from arcforge.models.cache import ResponseCache

    path = tmp_path / "cache.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, created_at TEXT NOT NULL,"
        " completion TEXT NOT NULL);"
        "CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, model TEXT NOT NULL,"
        " created_at TEXT NOT NULL, cached INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, request TEXT,"
        " response TEXT, latency_s REAL, retries INTEGER, cost_usd REAL);"
        "INSERT INTO log (key, model, created_at, cached, status) VALUES ('k', 'm', 't', 0, 'ok');"
    )
    old.commit()
    old.close()
    cache = ResponseCache(path)
    cache.close()
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(log)")}
    assert {"prompt_tokens", "completion_tokens", "reasoning_tokens"} <= columns
    assert sqlite3.connect(path).execute("SELECT count(*) FROM log").fetchone()[0] == 1


async def test_an_unreadable_cache_entry_is_asked_again_and_replaced(settings, limits) -> None:
    with ScriptedServer([reply("first"), reply("again")]) as server:
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            await client.complete(ChatRequest(user("same")))
        with sqlite3.connect(settings.cache_path) as db:  # as an older arcforge wrote it with a short key
            db.execute("""UPDATE responses SET completion = '{"te[redacted]t": "first"}'""")
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            asked = await client.complete(ChatRequest(user("same")))
        async with open_client(
            "openai:any", settings=settings, base_url=server.base_url, limits=limits
        ) as client:
            hit = await client.complete(ChatRequest(user("same")))
    assert (asked.text, asked.cached) == ("again", False)
    assert (hit.text, hit.cached) == ("again", True)
    assert len(server.chat_requests) == 2
