"""Accounts: the session probe, sign up, log in, log out.

``GET /api/session`` is what a page calls first: it says who is logged in and sets the CSRF cookie
(and an anonymous solver id, so attempts count before anyone logs in). Sessions are the store's
random tokens (only their hash is stored), sent back in an HttpOnly, SameSite=Lax cookie; logging
out deletes the token, so a copied cookie stops working too.

Signing up or logging in claims the attempts the browser's anonymous solver cookie made while logged
out (they keep counting against the account's budget). Log-ins are limited per address (a rate) and
per account name (:class:`~arcforge.web.security.LoginGuard`: after three failures in a row each try
waits 1 s, 2 s, 4 s, ... up to 5 minutes, from any address; a success clears it).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request, Response
from pydantic import BaseModel, Field

from arcforge.limits import NAME_MAX_CHARS, PASSWORD_MAX_CHARS
from arcforge.web.deps import (
    CLIENT_COOKIE,
    AppContext,
    Ctx,
    Viewer,
    api_router,
    client_address,
    client_id,
    new_client_id,
)
from arcforge.web.sessions import CSRF_COOKIE, SESSION_COOKIE

router = api_router(tags=["accounts"])


class Credentials(BaseModel):
    name: str = Field(min_length=1, max_length=NAME_MAX_CHARS)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)


def user_json(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.name, "role": user.role}


def _cookie(
    response: Response, ctx: AppContext, name: str, value: str, *, http_only: bool, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=http_only,
        samesite="lax",
        secure=ctx.config.secure_cookies,
    )


def ensure_cookies(request: Request, response: Response, ctx: AppContext) -> None:
    """Give the browser a CSRF token and an anonymous solver id when it lacks valid ones."""
    token = request.cookies.get(CSRF_COOKIE)
    if not ctx.signer.csrf_ok(token, token):
        _cookie(
            response,
            ctx,
            CSRF_COOKIE,
            ctx.signer.make_csrf(),
            http_only=False,
            max_age=ctx.config.session_max_age_s,
        )
    if client_id(request) is None:
        _cookie(response, ctx, CLIENT_COOKIE, new_client_id(), http_only=True, max_age=365 * 24 * 3600)


@router.get("/session", summary="Who is logged in; sets the CSRF cookie")
def session(request: Request, response: Response, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    ensure_cookies(request, response, ctx)
    return {"user": user_json(user), "csrf_header": "X-CSRF-Token", "csrf_cookie": CSRF_COOKIE}


def _limit_auth(request: Request, ctx: AppContext) -> None:
    wait = ctx.auth_limiter.allow(f"auth:{client_address(request)}")
    if wait > 0:
        raise HTTPException(
            429, f"too many log-in attempts: wait {wait:.0f} s", headers={"Retry-After": str(int(wait) + 1)}
        )


def _start_session(request: Request, response: Response, ctx: AppContext, user: Any) -> None:
    ctx.store.claim_attempts(client_id(request), user)
    token = ctx.store.create_session(user.id)
    _cookie(response, ctx, SESSION_COOKIE, token, http_only=True, max_age=ctx.config.session_max_age_s)


@router.post("/auth/signup", status_code=201, summary="Create an account and log in")
def signup(body: Credentials, request: Request, response: Response, ctx: Ctx) -> dict[str, Any]:
    _limit_auth(request, ctx)
    user = ctx.store.create_user(body.name, body.password)
    _start_session(request, response, ctx, user)
    return {"user": user_json(user)}


@router.post("/auth/login", summary="Log in with name and password")
def login(body: Credentials, request: Request, response: Response, ctx: Ctx) -> dict[str, Any]:
    _limit_auth(request, ctx)
    guard = ctx.guards.logins
    wait = guard.wait(body.name)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many failed log-ins for this account: wait {wait:.0f} s and try again",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    user = ctx.store.authenticate(body.name, body.password)
    if user is None:
        guard.failed(body.name)
        raise HTTPException(401, "wrong name or password")
    guard.succeeded(body.name)
    _start_session(request, response, ctx, user)
    return {"user": user_json(user)}


@router.post("/auth/logout", summary="End this session")
def logout(request: Request, response: Response, ctx: Ctx) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        ctx.store.end_session(token)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=ctx.config.secure_cookies
    )
    return {"user": None}
