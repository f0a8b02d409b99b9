"""The discussion page's per-app state: its options, the code runner, and who is streaming now.

One :class:`DiscussionService` lives on ``app.state.discussion``, made from the app's settings by
:func:`discussion_lifespan` (which the discussion router carries, so FastAPI runs it with the app's
own lifespan; it also closes the service) or, in an app run without its lifespan, on first use by
:func:`discussion_service`, the FastAPI dependency the routes take. Nothing is
global: two apps in one process have two services.

Spending: :meth:`DiscussionService.check_budget` refuses a request once the user's messages of the
current UTC day cost ``daily_spend_usd`` or more. A user streams one reply at a time
(:meth:`claim_stream`), so parallel requests cannot overrun the limit either (per server process).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request

from arcforge.settings import Settings
from arcforge.web.discussion.context import redact, secret_values
from arcforge.web.discussion.options import DiscussOptions, discuss_options
from arcforge.web.discussion.runner import CodeRunner

__all__ = ["DiscussionService", "Discussion", "discussion_lifespan", "discussion_service"]


class DiscussionService:
    """Options, the code runner and the stream and run claims of one app."""

    def __init__(self, settings: Settings, options: DiscussOptions) -> None:
        self.settings = settings
        self.options = options
        self.runner = CodeRunner(
            workers=options.sandbox_workers, wall_s=options.run_wall_s, libraries=options.libraries
        )
        self._secrets = secret_values(settings.environ)
        self._lock = threading.Lock()
        self._streaming: set[int] = set()
        self._running: set[int] = set()

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def check_model(self, model: str) -> None:
        if model not in self.options.models:
            allowed = ", ".join(self.options.models)
            raise HTTPException(400, f"model {model!r} is not offered here: choose one of {allowed}")

    def check_budget(self, store: Any, user: Any) -> float:
        """Today's spending so far; raises 429 when the daily limit is used up."""
        spent = float(store.spend_today(user=user))
        limit = self.options.daily_spend_usd
        if spent >= limit:
            now = datetime.now(UTC)
            reset = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
            hours, rest = divmod(int((reset - now).total_seconds()), 3600)
            raise HTTPException(
                429,
                f"daily spending limit reached: you have used ${spent:.4f} of your ${limit:.2f} for model "
                f"requests today; it resets at 00:00 UTC (in {hours} h {rest // 60} min)",
            )
        return spent

    def _claim(self, which: set[int], user_id: int, what: str) -> None:
        with self._lock:
            if user_id in which:
                raise HTTPException(409, f"{what} is already in progress for you: wait for it or stop it")
            which.add(user_id)

    def claim_stream(self, user_id: int) -> None:
        self._claim(self._streaming, user_id, "a model reply")

    def release_stream(self, user_id: int) -> None:
        with self._lock:
            self._streaming.discard(user_id)

    def claim_run(self, user_id: int) -> None:
        self._claim(self._running, user_id, "a run of your code")

    def release_run(self, user_id: int) -> None:
        with self._lock:
            self._running.discard(user_id)

    async def close(self) -> None:
        await self.runner.close()
        # the bundled model's server (started on first use) goes with the app: its atexit hook does not
        # run when uvicorn ends the process by re-raising SIGTERM after the shutdown
        from arcforge.models.local import shared_local_servers

        await asyncio.to_thread(shared_local_servers().stop_all)


async def discussion_service(request: Request) -> DiscussionService:
    """The app's service, made on first use from its settings (on the event loop: no race)."""
    state = request.app.state
    service = getattr(state, "discussion", None)
    if service is None:
        settings = state.ctx.settings
        service = state.discussion = DiscussionService(settings, discuss_options(settings))
    return service


Discussion = Annotated[DiscussionService, Depends(discussion_service)]


@asynccontextmanager
async def discussion_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Builds the service at start-up (so a malformed setting stops the server at once, in one line)
    and closes its sandbox when the app stops."""
    ctx = getattr(app.state, "ctx", None)
    if ctx is not None and getattr(app.state, "discussion", None) is None:
        app.state.discussion = DiscussionService(ctx.settings, discuss_options(ctx.settings))
    try:
        yield
    finally:
        service = getattr(app.state, "discussion", None)
        if service is not None:
            await service.close()
