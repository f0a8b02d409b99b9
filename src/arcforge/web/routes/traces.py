"""Reasoning traces: list (best score first), add, edit, delete, vote, and a live event stream per task.

Who may change what is the store's rule (author's account or a moderator), checked again there; the
routes add the HTTP side: a session is needed for every change (401 without), and each change wakes
the task's live streams. A trace is sent with its raw ``text`` and its ``html``, rendered from
Markdown and sanitised on the server; the page shows one or the other, never unsanitised markup.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import HTTPException, Path, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StrictInt

from arcforge.limits import TRACE_MAX_CHARS
from arcforge.web.deps import AppContext, Ctx, Member, Viewer, api_router

router = api_router(tags=["traces"])

MAX_TRACE_CHARS = TRACE_MAX_CHARS  # defined once, in arcforge.limits
STREAM_MAX_AGE_S = 600.0
KEEPALIVE_S = 15.0
TaskId = Annotated[str, Path(min_length=1, max_length=128)]


def trace_json(trace: Any, *, ctx: AppContext, viewer: Any) -> dict[str, Any]:
    can_edit = viewer is not None and (
        viewer.role == "moderator" or (trace.user_id is not None and trace.user_id == viewer.id)
    )
    return {
        "id": trace.id,
        "public_id": trace.public_id,
        "task_id": trace.task_id,
        "task_version": trace.task_version,
        "author": trace.author,
        "author_kind": "model" if trace.author_kind == "model" else "human",
        "assisted": trace.author_kind == "model_assisted",
        "model": trace.model,
        "text": trace.text,
        "html": ctx.renderer.render(trace.text),
        "score": trace.score,
        "up": trace.up,
        "down": trace.down,
        "my_vote": trace.my_vote,
        "can_edit": can_edit,
        # no votes on one's own trace (the store refuses them with 403); the page hides its buttons
        "can_vote": viewer is not None and not (trace.user_id is not None and trace.user_id == viewer.id),
        "created_at": trace.created_at.isoformat(),
        "updated_at": trace.updated_at.isoformat(),
    }


class NewTrace(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TRACE_CHARS)
    version: StrictInt | None = Field(default=None, ge=0)


class EditTrace(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TRACE_CHARS)


class Vote(BaseModel):
    value: StrictInt = Field(ge=-1, le=1, description="+1 up, -1 down, 0 withdraws the vote")


@router.get("/tasks/{task_id}/traces", summary="The task's traces, best score first")
def list_traces(task_id: TaskId, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    traces = ctx.store.list_traces(task_id, viewer=user)
    return {"task_id": task_id, "traces": [trace_json(t, ctx=ctx, viewer=user) for t in traces]}


@router.post("/tasks/{task_id}/traces", status_code=201, summary="Add a trace (an account is needed)")
def add_trace(task_id: TaskId, body: NewTrace, ctx: Ctx, user: Member) -> dict[str, Any]:
    ctx.catalog.versions(task_id)  # 404 for an unknown task
    trace = ctx.store.add_trace(task_id, body.text, user=user, task_version=body.version)
    ctx.events.notify(task_id)
    return {"trace": trace_json(trace, ctx=ctx, viewer=user), "created": trace.user_id == user.id}


@router.get("/traces/{trace_id}", summary="One trace")
def get_trace(trace_id: int, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    return {"trace": trace_json(ctx.store.get_trace(trace_id, viewer=user), ctx=ctx, viewer=user)}


@router.put("/traces/{trace_id}", summary="Edit a trace (its author or a moderator)")
def edit_trace(trace_id: int, body: EditTrace, ctx: Ctx, user: Member) -> dict[str, Any]:
    trace = ctx.store.edit_trace(trace_id, body.text, user=user)
    ctx.events.notify(trace.task_id)
    return {"trace": trace_json(trace, ctx=ctx, viewer=user)}


@router.delete("/traces/{trace_id}", summary="Delete a trace (its author or a moderator)")
def delete_trace(trace_id: int, ctx: Ctx, user: Member) -> dict[str, Any]:
    task_id = ctx.store.get_trace(trace_id).task_id
    ctx.store.delete_trace(trace_id, user=user)
    ctx.events.notify(task_id)
    return {"deleted": trace_id}


@router.put("/traces/{trace_id}/vote", summary="Vote +1 or -1, or withdraw with 0 (one vote per account)")
def vote(trace_id: int, body: Vote, ctx: Ctx, user: Member) -> dict[str, Any]:
    if body.value == 0:
        trace = ctx.store.withdraw_vote(trace_id, user=user)
    else:
        trace = ctx.store.vote(trace_id, user=user, value=body.value)
    ctx.events.notify(trace.task_id)
    return {"trace": trace_json(trace, ctx=ctx, viewer=user)}


@router.get(
    "/tasks/{task_id}/events", summary="Server-sent events: 'traces' whenever the task's traces change"
)
async def events(task_id: TaskId, request: Request, ctx: Ctx) -> StreamingResponse:
    def fingerprint() -> int:
        return hash(tuple((t.id, t.score, t.updated_at) for t in ctx.store.list_traces(task_id)))

    if ctx.events.full:
        raise HTTPException(
            503, "too many live pages open on this server: try again later", headers={"Retry-After": "30"}
        )

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        entry = ctx.events.subscribe(task_id)
        if entry is None:
            return
        wake = entry[1]
        try:
            last = await asyncio.to_thread(fingerprint)
            yield "retry: 2000\nevent: ready\ndata: {}\n\n"
            deadline = loop.time() + STREAM_MAX_AGE_S
            quiet_since = loop.time()
            while not ctx.events.closing and loop.time() < deadline:
                try:
                    await asyncio.wait_for(wake.wait(), timeout=ctx.config.live_poll_s)
                except TimeoutError:
                    pass
                wake.clear()
                if ctx.events.closing or await request.is_disconnected():
                    break
                current = await asyncio.to_thread(fingerprint)
                if current != last:
                    last = current
                    quiet_since = loop.time()
                    yield f"event: traces\ndata: {json.dumps({'task_id': task_id})}\n\n"
                elif loop.time() - quiet_since > KEEPALIVE_S:
                    quiet_since = loop.time()
                    yield ": keep-alive\n\n"
        finally:
            ctx.events.unsubscribe(task_id, entry)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})
