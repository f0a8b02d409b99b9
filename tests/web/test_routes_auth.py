"""Accounts and the write guards: sessions, CSRF, cookies, rate limits, body size."""

from __future__ import annotations

from typing import Any

from web_helpers import PASSWORD, Api, AppHarness

from arcforge.web.config import WebConfig


def test_session_sets_csrf_and_solver_cookies(harness: AppHarness) -> None:
    api = harness.client()
    response = api.get("/api/session")
    assert response.json()["user"] is None
    assert api.http.cookies.get("arcforge_csrf")
    assert api.http.cookies.get("arcforge_client")


def test_signup_sets_an_httponly_lax_session_cookie_and_logs_in(harness: AppHarness) -> None:
    api = harness.client()
    response = api.post("/api/auth/signup", {"name": "alice", "password": PASSWORD})
    assert response.status_code == 201
    set_cookie = [
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "arcforge_session" in v
    ][0]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Secure" not in set_cookie
    assert api.get("/api/session").json()["user"] == {"id": 1, "name": "alice", "role": "contributor"}


def test_secure_cookie_option(make_harness: Any) -> None:
    harness = make_harness(WebConfig(secure_cookies=True))
    client = harness.client().http
    client.cookies.clear()
    response = client.get("/api/session")
    assert all("Secure" in v for k, v in response.headers.multi_items() if k == "set-cookie")


def test_login_logout_and_the_old_cookie_stops_working(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("bob")
    api.post("/api/auth/logout")
    assert api.get("/api/session").json()["user"] is None
    assert api.login("bob", "wrong password").status_code == 401
    assert api.login("bob").status_code == 200
    token = api.http.cookies.get("arcforge_session")
    assert api.post("/api/auth/logout").status_code == 200
    thief = harness.client()
    thief.http.cookies.set("arcforge_session", token)
    assert thief.get("/api/session").json()["user"] is None


def test_signup_refuses_a_taken_or_bad_name_and_a_short_password(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("carol")
    assert api.post("/api/auth/signup", {"name": "CAROL", "password": PASSWORD}).status_code == 409
    assert api.post("/api/auth/signup", {"name": "no spaces", "password": PASSWORD}).status_code == 400
    assert api.post("/api/auth/signup", {"name": "dave", "password": "short"}).status_code == 400
    assert api.post("/api/auth/signup", {"name": "x" * 41, "password": PASSWORD}).status_code == 422


def test_every_write_needs_the_csrf_header(harness: AppHarness) -> None:
    api = harness.client()
    api.signup("erin")
    http = api.http
    assert http.post("/api/tasks/a1b2c3d4/traces", json={"text": "no token"}).status_code == 403
    bad = {"X-CSRF-Token": "0" * 32 + ".forged"}
    assert http.post("/api/tasks/a1b2c3d4/traces", json={"text": "bad token"}, headers=bad).status_code == 403
    # a token that is not the cookie's is refused even when well formed
    other = harness.client().http.cookies.get("arcforge_csrf")
    assert http.post("/api/auth/logout", headers={"X-CSRF-Token": other}).status_code == 403
    good = {"X-CSRF-Token": http.cookies.get("arcforge_csrf")}
    cross = {**good, "Origin": "http://evil.example"}
    assert (
        http.post("/api/tasks/a1b2c3d4/traces", json={"text": "cross site"}, headers=cross).status_code == 403
    )
    same = {**good, "Origin": harness.url}
    assert (
        http.post("/api/tasks/a1b2c3d4/traces", json={"text": "same site"}, headers=same).status_code == 201
    )


def test_writes_are_rate_limited_per_account(make_harness: Any) -> None:
    harness = make_harness(WebConfig(writes_per_minute=12))
    api = harness.client()
    api.signup("fast")
    codes = [api.post("/api/tasks/a1b2c3d4/traces", {"text": f"trace {i}"}).status_code for i in range(20)]
    assert codes.count(201) >= 5 and 429 in codes
    refused = api.post("/api/tasks/a1b2c3d4/traces", {"text": "one more"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert api.get("/api/tasks/a1b2c3d4/traces").status_code == 200  # reads are not limited


def test_log_in_attempts_are_rate_limited_per_address(make_harness: Any) -> None:
    harness = make_harness(WebConfig(auth_per_minute=6))
    api = harness.client()
    codes = [api.login("nobody", "wrong password").status_code for _ in range(12)]
    assert codes[0] == 401 and codes[-1] == 429


def test_a_body_over_the_limit_is_refused_before_it_is_read(make_harness: Any) -> None:
    harness = make_harness(WebConfig(max_body_bytes=2000))
    api = harness.client()
    api.signup("big")
    response = api.post("/api/tasks/a1b2c3d4/traces", {"text": "x" * 5000})
    assert response.status_code == 413
    assert api.post("/api/tasks/a1b2c3d4/traces", {"text": "small"}).status_code == 201


def test_long_fields_are_refused(api: Api) -> None:
    api.signup("writer")
    from arcforge.limits import TRACE_MAX_CHARS

    too_long = {"text": "y" * (TRACE_MAX_CHARS + 1)}
    assert api.post("/api/tasks/a1b2c3d4/traces", too_long).status_code == 422


def test_secret_key_is_made_once_and_kept(harness: AppHarness) -> None:
    key_file = harness.home / "web-secret.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(key_file.read_text()) == 64
