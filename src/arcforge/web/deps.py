"""What every router shares: the app context, who is asking, and the guards on writes.

Routers get the :class:`AppContext` with ``Depends(context)``, the viewer with
``Depends(current_user)`` (None when not logged in), and refuse with ``Depends(require_user)`` (401)
or ``Depends(require_moderator)`` (403). :func:`api_router` makes a router whose every write
(POST/PUT/PATCH/DELETE) is rate limited per account, or per address when nobody is logged in. CSRF
is checked for every write under ``/api/`` by :class:`CsrfMiddleware`, so a new router cannot forget it.
A page added later (the discussion page) builds its router with :func:`api_router` and gets all of this.

Store errors map to HTTP statuses in :func:`install_error_handlers`, so routes simply call the store.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from arcforge.errors import ArcforgeError, InvalidTaskError, UnknownTaskError, UsageError
from arcforge.settings import Settings
from arcforge.store import Store, User
from arcforge.store.errors import (
    AttemptLimitReached,
    Conflict,
    InvalidInput,
    NotAuthorized,
    NotFound,
    PayloadTooLarge,
)
from arcforge.web.catalog import TaskCatalog
from arcforge.web.config import WebConfig
from arcforge.web.events import EventHub
from arcforge.web.render import TraceRenderer
from arcforge.web.security import BODY_BYTES_KEY, LoginGuard, RateLimiter
from arcforge.web.sessions import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, TokenSigner

__all__ = [
    "CLIENT_COOKIE",
    "AppContext",
    "Guards",
    "Ctx",
    "Member",
    "Moderator",
    "Viewer",
    "CsrfMiddleware",
    "api_router",
    "client_id",
    "context",
    "current_user",
    "install_error_handlers",
    "require_moderator",
    "require_user",
]

CLIENT_COOKIE = "arcforge_client"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Guards:
    """The budgets beyond the request rate: bytes written per account and per address, anonymous
    attempts per address and per address and task, and the per-account log-in delays."""

    account_bytes: RateLimiter
    address_bytes: RateLimiter
    anon_attempts: RateLimiter
    anon_task_attempts: RateLimiter
    logins: LoginGuard

    @classmethod
    def from_config(cls, config: WebConfig) -> Guards:
        def hourly(amount: int) -> RateLimiter:
            return RateLimiter(per_minute=amount / 60.0, burst=amount)

        return cls(
            account_bytes=hourly(config.write_bytes_per_hour),
            address_bytes=hourly(config.address_write_bytes_per_hour),
            anon_attempts=hourly(config.anon_attempts_per_hour),
            anon_task_attempts=hourly(config.anon_task_attempts_per_hour),
            logins=LoginGuard(free=config.login_free_failures, max_s=config.login_max_delay_s),
        )


@dataclass(frozen=True)
class AppContext:
    """Everything a route needs, built once by ``create_app`` and kept on ``app.state.ctx``."""

    settings: Settings
    config: WebConfig
    store: Store
    catalog: TaskCatalog
    signer: TokenSigner
    renderer: TraceRenderer
    events: EventHub
    write_limiter: RateLimiter
    auth_limiter: RateLimiter
    guards: Guards = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "guards", Guards.from_config(self.config))


async def context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def client_address(request: Request) -> str:
    """The address a per-address limit is kept for: the IPv4 address, or an IPv6 address's /64 (one
    machine usually holds a whole /64, so rotating within it does not buy a fresh budget)."""
    host = request.client.host if request.client else "unknown"
    if ":" in host:
        try:
            network = ipaddress.IPv6Network(f"{host.split('%')[0]}/64", strict=False)
        except ValueError:
            return host
        return str(network)
    return host


Ctx = Annotated[AppContext, Depends(context)]


def current_user(request: Request, ctx: Ctx) -> User | None:
    """The logged-in account (a store ``User``) or None; looked up in the store on every request."""
    cached: User | None | bool = getattr(request.state, "user", False)
    if cached is None or isinstance(cached, User):
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    user = ctx.store.user_for_session(token) if token else None
    request.state.user = user
    return user


Viewer = Annotated[User | None, Depends(current_user)]


async def require_user(user: Viewer) -> User:
    if user is None:
        raise HTTPException(401, "log in first: this needs an account (POST /api/auth/login)")
    return user


Member = Annotated[User, Depends(require_user)]


async def require_moderator(user: Member) -> User:
    if user.role != "moderator":
        raise HTTPException(403, "only a moderator may do this")
    return user


Moderator = Annotated[User, Depends(require_moderator)]


def client_id(request: Request) -> str | None:
    """The anonymous solver id from its cookie (set by GET /api/session), or None."""
    value = request.cookies.get(CLIENT_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isalnum() else None


def new_client_id() -> str:
    return secrets.token_hex(16)


def _body_size(request: Request) -> int:
    """The request body's size: its Content-Length, or what the body limit middleware counted."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        return int(declared)
    counted = request.scope.get(BODY_BYTES_KEY, 0)
    return counted if isinstance(counted, int) else 0


async def rate_limit_writes(request: Request, ctx: Ctx, user: Viewer) -> None:
    """Refuses (429) a write beyond the per-account (or per-address) rate, or beyond the bytes an
    account and an address may write per hour."""
    if request.method in SAFE_METHODS:
        return
    address = client_address(request)
    key = f"user:{user.id}" if user is not None else f"ip:{address}"
    wait = ctx.write_limiter.allow(key)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many changes: wait {wait:.1f} s and try again",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    size = _body_size(request)
    budgets = [(ctx.guards.address_bytes, f"ip:{address}", "this address")]
    if user is not None:
        budgets.append((ctx.guards.account_bytes, f"user:{user.id}", "your account"))
    for limiter, budget_key, who in budgets:
        wait = limiter.allow(budget_key, cost=max(1, size))
        if wait > 0:
            raise HTTPException(
                429,
                f"{who} has written its hourly budget of bytes: wait {wait:.0f} s and try again",
                headers={"Retry-After": str(int(wait) + 1)},
            )


def api_router(**kwargs: Any) -> APIRouter:
    """A router under ``/api`` whose writes are rate limited (CSRF is checked by the middleware)."""
    dependencies = list(kwargs.pop("dependencies", []))
    return APIRouter(prefix="/api", dependencies=[Depends(rate_limit_writes), *dependencies], **kwargs)


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class CsrfMiddleware:
    """Refuses (403) any write under ``/api/`` without a matching, signed CSRF cookie and header.

    A present ``Origin`` header must also name this server's host, so a cross-site form post fails
    even before the token check.
    """

    def __init__(self, app: ASGIApp, *, signer: TokenSigner) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin and origin.split("://", 1)[-1] != host:
            await _deny(send, "cross-origin write refused")
            return
        if not self.signer.csrf_ok(request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER)):
            await _deny(
                send,
                "missing or wrong CSRF token: GET /api/session, then send its cookie's value as X-CSRF-Token",
            )
            return
        await self.app(scope, receive, send)


async def _deny(send: Any, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


_STATUS = (
    (NotAuthorized, 403),
    (NotFound, 404),
    (PayloadTooLarge, 413),
    (AttemptLimitReached, 409),
    (Conflict, 409),
    (InvalidInput, 400),
    (InvalidTaskError, 400),
    (UnknownTaskError, 404),
    (UsageError, 400),
)


def install_error_handlers(app: FastAPI) -> None:
    """Store and domain errors become JSON ``{"detail": message}`` with a fitting status."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    app.add_exception_handler(ArcforgeError, handle)
