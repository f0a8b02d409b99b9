"""The web app's small parts on their own: CSRF tokens, the rate limiter, the secret key, backups."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from web_helpers import fast_hasher

from arcforge.errors import UsageError
from arcforge.settings import load_settings
from arcforge.store import open_store
from arcforge.web.backups import BackupScheduler
from arcforge.web.config import load_secret_key, web_config_from_settings
from arcforge.web.security import RateLimiter
from arcforge.web.sessions import TokenSigner


def test_csrf_tokens_are_signed_and_must_match() -> None:
    signer = TokenSigner(b"k" * 32)
    token = signer.make_csrf()
    assert signer.csrf_ok(token, token)
    assert not signer.csrf_ok(token, signer.make_csrf())
    nonce = token.split(".")[0]
    forged = f"{nonce}.AAAA"
    assert not signer.csrf_ok(forged, forged)
    assert not TokenSigner(b"o" * 32).csrf_ok(token, token)
    assert not signer.csrf_ok(None, token) and not signer.csrf_ok(token, None)


def test_rate_limiter_allows_a_burst_then_the_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("a", now=0.0) == pytest.approx(1.0)
    assert limiter.allow("b", now=0.0) == 0.0  # keys are separate
    assert limiter.allow("a", now=1.0) == 0.0  # one token back after a second
    assert limiter.allow("a", now=1.0) > 0


def test_the_secret_key_is_the_same_for_every_worker_starting_at_once(tmp_path: Path) -> None:
    settings = load_settings({"ARCFORGE_HOME": str(tmp_path / "home")}, dotenv_path=None)
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_secret_key(settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == ["web-secret.key"]


def test_web_options_come_from_the_environment_and_are_checked(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ARCFORGE_HOME": str(tmp_path),
            "ARCFORGE_WEB_WRITES_PER_MINUTE": "7",
            "ARCFORGE_WEB_SECURE_COOKIES": "1",
        },
        dotenv_path=None,
    )
    config = web_config_from_settings(settings)
    assert config.writes_per_minute == 7 and config.secure_cookies
    bad = load_settings({"ARCFORGE_HOME": str(tmp_path), "ARCFORGE_WEB_MAX_BODY": "lots"}, dotenv_path=None)
    with pytest.raises(UsageError, match="ARCFORGE_WEB_MAX_BODY"):
        web_config_from_settings(bad)
    short = load_settings({"ARCFORGE_HOME": str(tmp_path), "ARCFORGE_WEB_SECRET": "short"}, dotenv_path=None)
    with pytest.raises(UsageError, match="too short"):
        load_secret_key(short)


def test_periodic_backups_are_made_and_pruned(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}", password_hasher=fast_hasher())
    try:
        store.create_user("kept", "password1")
        scheduler = BackupScheduler(store, tmp_path / "backups", interval_s=0.05, keep=2).start()
        deadline = time.monotonic() + 20
        while len(scheduler.made) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        scheduler.stop()
    finally:
        store.close()
    assert len(scheduler.made) >= 4
    left = sorted((tmp_path / "backups").glob("arcforge-*.db"))
    assert len(left) == 2
    restored = open_store(f"sqlite:///{left[-1]}", password_hasher=fast_hasher())
    try:
        assert [u.name for u in restored.list_users()] == ["kept"]
    finally:
        restored.close()


async def test_event_hub_caps_streams_and_wakes_subscribers() -> None:
    from arcforge.web.events import EventHub

    hub = EventHub(max_streams=1)
    first = hub.subscribe("t1")
    assert first is not None and hub.full and hub.subscribe("t2") is None
    hub.notify("t1")
    await asyncio.wait_for(first[1].wait(), timeout=2)
    hub.unsubscribe("t1", first)
    assert not hub.full and hub.subscribe("t2") is not None


def test_login_guard_doubles_the_wait_after_the_free_failures_and_a_success_clears_it() -> None:
    from arcforge.web.security import LoginGuard

    guard = LoginGuard(free=2, base_s=1.0, max_s=8.0)
    for _ in range(2):
        assert guard.wait("Ann", now=100.0) == 0.0
        guard.failed("ann", now=100.0)
    assert guard.wait("ANN", now=100.0) == 1.0 and guard.wait("bob", now=100.0) == 0.0
    guard.failed("ann", now=101.0)
    assert guard.wait("ann", now=101.0) == 2.0
    for _ in range(5):
        guard.failed("ann", now=102.0)
    assert guard.wait("ann", now=102.0) == 8.0  # capped
    guard.succeeded("ann")
    assert guard.wait("ann", now=102.0) == 0.0


def test_rate_limiter_costs_spend_several_tokens() -> None:
    limiter = RateLimiter(per_minute=60, burst=10)
    assert limiter.allow("k", now=0.0, cost=8) == 0.0
    assert limiter.allow("k", now=0.0, cost=4) == 2.0  # two tokens short at one a second
    assert limiter.allow("k", now=2.0, cost=4) == 0.0


def test_per_address_limits_key_ipv6_clients_by_their_64() -> None:
    from starlette.requests import Request

    from arcforge.web.deps import client_address

    def address(host: str) -> str:
        return client_address(Request({"type": "http", "client": (host, 1234), "headers": []}))

    assert address("203.0.113.7") == "203.0.113.7"
    assert address("2001:db8:1:2:aaaa::1") == address("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::1") != address("2001:db8:1:2::1")
