"""The discussion page: talk a task through with a model, run code in the sandbox, save a trace.

Pages: ``/discuss/{task_id}`` and the original system's ``/apps/discuss_interface.html?task=ID``.
The API lives under ``/api/discuss`` and is built with :func:`~arcforge.web.deps.api_router`, so
every write carries the CSRF token and is rate limited like the rest of the app; everything but the
options needs an account, since conversations, spending and runs belong to a user.

A reply is a POST whose response is a stream of server-sent events (see
:mod:`arcforge.web.discussion.chat`); the page reads it with ``fetch`` (so the CSRF header goes
with it) and stops it by aborting the fetch, which cancels the upstream model request. Model calls,
keys and costs stay on the server; the model sees the task without its test outputs
(:mod:`arcforge.web.discussion.context`). Code runs in the sandbox and is judged by the testing
page's rule (:mod:`arcforge.web.discussion.runner`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, StrictInt

from arcforge.limits import TRACE_MAX_CHARS
from arcforge.store.discussion_extras import clear_conversation, is_cleared, message_counts
from arcforge.task.encoding import DEFAULT_ENCODING, ENCODINGS
from arcforge.web.deps import AppContext, Ctx, Member, Viewer, api_router
from arcforge.web.discussion.chat import ReplyRequest, start_stream
from arcforge.web.discussion.context import build_messages, in_context
from arcforge.web.discussion.options import TEMPERATURE_MAX, describe_models
from arcforge.web.discussion.service import Discussion, DiscussionService, discussion_lifespan
from arcforge.web.routes.pages import page
from arcforge.web.visibility import access_for, record_shown, visible_task

router = api_router(tags=["discussion"], lifespan=discussion_lifespan)
pages = APIRouter(include_in_schema=False)

MAX_CONTEXT_CHARS = 400_000
MAX_TRACE_CHARS = TRACE_MAX_CHARS  # defined once, in arcforge.limits
TaskId = Annotated[str, Path(min_length=1, max_length=128)]


@pages.get("/discuss/{task_id}")
def discuss_page(task_id: TaskId) -> FileResponse:
    return page("discuss.html")


@pages.get("/apps/discuss_interface.html")
def discuss_interface() -> FileResponse:
    return page("discuss.html")


# -- values ------------------------------------------------------------------------------------------
def message_json(message: Any, ctx: AppContext) -> dict[str, Any]:
    usage = message.usage or {}
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "html": ctx.renderer.render(message.content),
        "model": message.model,
        "cost_usd": message.cost_usd,
        "outcome": usage.get("outcome", "ok") if message.role == "assistant" else None,
        "error": usage.get("error"),
        "created_at": message.created_at.isoformat(),
    }


def conversation_json(conversation: Any, *, count: int | None = None) -> dict[str, Any]:
    data = {
        "id": conversation.id,
        "task_id": conversation.task_id,
        "version": conversation.task_version,
        "model": conversation.model,
        "created_at": conversation.created_at.isoformat(),
    }
    if count is not None:
        data["messages"] = count
    return data


def visible(messages: list[Any]) -> list[Any]:
    return [m for m in messages if not is_cleared(m) and m.content.strip()]


# -- options and conversations ----------------------------------------------------------------------
@router.get("/discuss/config", summary="Models the page may use, parameter bounds, encodings, spending")
def config(ctx: Ctx, user: Viewer, service: Discussion) -> dict[str, Any]:
    options = service.options
    return {
        "models": [m.to_dict() for m in describe_models(options, ctx.settings)],
        "temperature": {"min": 0.0, "max": TEMPERATURE_MAX},
        "max_tokens": {"min": 1, "max": options.max_tokens},
        "encodings": [{"name": e.name, "description": e.description} for e in ENCODINGS.values()],
        "default_encoding": DEFAULT_ENCODING,
        "daily_limit_usd": options.daily_spend_usd,
        "spent_today_usd": None if user is None else ctx.store.spend_today(user=user),
        "max_message_chars": options.max_message_chars,
        "max_code_chars": options.max_code_chars,
        "run_seconds": options.run_wall_s,
    }


class NewConversation(BaseModel):
    version: StrictInt = Field(default=0, ge=0, le=1_000_000)
    model: str = Field(min_length=1, max_length=255)


@router.get("/discuss/tasks/{task_id}/conversations", summary="Your conversations about a task")
def list_conversations(task_id: TaskId, ctx: Ctx, user: Member) -> dict[str, Any]:
    found = ctx.store.list_conversations(user=user, task_id=task_id)
    counts = message_counts(ctx.store, [c.id for c in found], user=user)
    return {"task_id": task_id, "conversations": [conversation_json(c, count=counts[c.id]) for c in found]}


@router.post("/discuss/tasks/{task_id}/conversations", status_code=201, summary="Start a conversation")
def start_conversation(
    task_id: TaskId, body: NewConversation, ctx: Ctx, user: Member, service: Discussion
) -> dict[str, Any]:
    service.check_model(body.model)
    ctx.catalog.get(task_id, body.version)  # 404 for an unknown task or version
    conversation = ctx.store.start_conversation(
        user=user, task_id=task_id, model=body.model, task_version=body.version
    )
    return {"conversation": conversation_json(conversation, count=0)}


@router.get("/discuss/conversations/{conversation_id}", summary="One of your conversations with its messages")
def get_conversation(conversation_id: int, ctx: Ctx, user: Member) -> dict[str, Any]:
    conversation = ctx.store.get_conversation(conversation_id, user=user)
    messages = visible(ctx.store.list_messages(conversation_id, user=user))
    return {
        "conversation": conversation_json(conversation, count=len(messages)),
        "messages": [message_json(m, ctx) for m in messages],
    }


@router.post("/discuss/conversations/{conversation_id}/clear", summary="Clear a conversation (costs stay)")
def clear(conversation_id: int, ctx: Ctx, user: Member) -> dict[str, Any]:
    return {"cleared": clear_conversation(ctx.store, conversation_id, user=user)}


@router.get("/discuss/conversations/{conversation_id}/export", summary="A conversation as a JSON download")
def export(conversation_id: int, ctx: Ctx, user: Member) -> Response:
    conversation = ctx.store.get_conversation(conversation_id, user=user)
    messages = visible(ctx.store.list_messages(conversation_id, user=user))
    data = {
        "format": "arcforge-conversation/1",
        "exported_at": datetime.now(UTC).isoformat(),
        "user": user.name,
        **conversation_json(conversation),
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "model": m.model,
                "cost_usd": m.cost_usd,
                "usage": {k: v for k, v in (m.usage or {}).items()},
                "created_at": m.created_at.isoformat(),
            }
            for m in messages
        ],
    }
    name = f"arcforge-conversation-{conversation.task_id}-{conversation.id}.json"
    return Response(
        json.dumps(data, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- replies -----------------------------------------------------------------------------------------
class NewMessage(BaseModel):
    content: str = Field(default="", max_length=100_000)
    model: str = Field(min_length=1, max_length=255)
    temperature: float = Field(default=0.7, ge=0.0, le=TEMPERATURE_MAX)
    max_tokens: StrictInt = Field(default=1024, ge=1)
    encoding: str = Field(default=DEFAULT_ENCODING, max_length=40)


def _prepare(
    conversation_id: int, body: NewMessage, ctx: AppContext, user: Any, service: DiscussionService
) -> tuple[Any, list[dict[str, str]], dict[str, Any] | None]:
    """Checks, stores the user's message and builds the request (runs in a worker thread)."""
    options = service.options
    service.check_model(body.model)
    if body.max_tokens > options.max_tokens:
        raise HTTPException(400, f"max_tokens must be at most {options.max_tokens} on this server")
    if body.encoding not in ENCODINGS:
        raise HTTPException(400, f"unknown encoding {body.encoding!r}: use one of {', '.join(ENCODINGS)}")
    if len(body.content) > options.max_message_chars:
        raise HTTPException(400, f"a message has at most {options.max_message_chars} characters")
    conversation = ctx.store.get_conversation(conversation_id, user=user)
    task = _visible(ctx, ctx.catalog.get(conversation.task_id, conversation.task_version), user)
    service.check_budget(ctx.store, user)
    history = visible(ctx.store.list_messages(conversation_id, user=user))
    stored = None
    if body.content.strip():
        message = ctx.store.add_message(conversation_id, user=user, role="user", content=body.content)
        history.append(message)
        stored = message_json(message, ctx)
    elif not in_context(history) or in_context(history)[-1].role != "user":
        raise HTTPException(400, "write a message first (an empty one only retries an unanswered message)")
    messages = build_messages(task, history, encoding=body.encoding)
    if sum(len(m["content"]) for m in messages) > MAX_CONTEXT_CHARS:
        raise HTTPException(400, "this conversation is too long for a model: clear it or start a new one")
    return conversation, messages, stored


@router.post(
    "/discuss/conversations/{conversation_id}/messages",
    summary="Send a message; the reply streams back as server-sent events (start, delta, done or error)",
)
async def send_message(
    conversation_id: int, body: NewMessage, ctx: Ctx, user: Member, service: Discussion
) -> Response:
    service.claim_stream(user.id)
    try:
        conversation, messages, stored = await run_in_threadpool(
            _prepare, conversation_id, body, ctx, user, service
        )
    except BaseException:
        service.release_stream(user.id)
        raise

    def record(*, text: str, cost_usd: float, usage: dict[str, Any]) -> dict[str, Any]:
        message = ctx.store.add_message(
            conversation.id,
            user=user,
            role="assistant",
            content=text,
            model=body.model,
            cost_usd=max(0.0, cost_usd),
            usage=usage,
        )
        return message_json(message, ctx)

    return start_stream(
        ReplyRequest(
            model=body.model,
            messages=messages,
            temperature=body.temperature,
            max_tokens=body.max_tokens,
            settings=ctx.settings,
            base_url=service.options.base_url,
            record=record,
            redact=service.redact,
            on_finish=lambda: service.release_stream(user.id),
            start={"conversation_id": conversation.id, "model": body.model, "user_message": stored},
        )
    )


# -- code and traces ---------------------------------------------------------------------------------
class RunBody(BaseModel):
    code: str = Field(min_length=1, max_length=50_000)


def _visible(ctx: AppContext, task: Any, user: Any) -> Any:
    """The task as the viewer may show it to a model or a program: no test outputs, and none of the
    train pairs that are a test output the viewer may not see (issue 12)."""
    guarded = access_for(ctx, task.id, user, None)
    return visible_task(task, guarded.lineage(task).train, guarded.access)


def _answers(ctx: AppContext, task: Any, user: Any) -> tuple[list[Any], set[int]]:
    """The test outputs the viewer may see (None elsewhere), and the train pairs withheld from it."""
    guarded = access_for(ctx, task.id, user, None)
    lineage = guarded.lineage(task)
    statuses = ctx.store.attempt_statuses(task, user=user, budgets=guarded.budgets(lineage))
    withheld = {index for index, _ in guarded.access.withheld_train(lineage.train)}
    shown = [lineage.test[s.test_index] for s in statuses if s.answer is not None]
    record_shown(ctx, user, task.id, shown + guarded.access.shown_train(lineage.train), via="code box")
    return [s.answer for s in statuses], withheld


@router.post(
    "/discuss/tasks/{task_id}/versions/{version}/run",
    summary="Run code in the sandbox on every train and test input (test outputs only once revealed)",
)
async def run_code(
    task_id: TaskId, version: int, body: RunBody, ctx: Ctx, user: Member, service: Discussion
) -> dict[str, Any]:
    task = await run_in_threadpool(ctx.catalog.get, task_id, version)
    answers, withheld = await run_in_threadpool(_answers, ctx, task, user)
    service.claim_run(user.id)
    try:
        pairs = await service.runner.run_task(body.code, task, answers=answers, withheld=withheld)
    finally:
        service.release_run(user.id)
    train = [p for p in pairs if p["split"] == "train"]
    return {
        "pairs": pairs,
        "train_passed": sum(p["status"] == "passed" for p in train),
        "train_total": len(train),
        "seconds": service.options.run_wall_s,
    }


class TraceBody(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TRACE_CHARS)
    code: str = Field(default="", max_length=50_000)
    version: StrictInt = Field(default=0, ge=0, le=1_000_000)
    conversation_id: StrictInt | None = None


def _models_of(ctx: AppContext, conversation_id: int | None, user: Any) -> str | None:
    if conversation_id is None:
        return None
    conversation = ctx.store.get_conversation(conversation_id, user=user)
    used = [
        m.model
        for m in ctx.store.list_messages(conversation_id, user=user)
        if m.role == "assistant" and m.model
    ]
    names = list(dict.fromkeys(used or [conversation.model]))
    return ", ".join(names)[:255]


@router.post(
    "/discuss/tasks/{task_id}/traces",
    status_code=201,
    summary="Save your reasoning (with the code if it solves every train pair) as a model-assisted trace",
)
async def save_trace(
    task_id: TaskId, body: TraceBody, ctx: Ctx, user: Member, service: Discussion
) -> dict[str, Any]:
    full = await run_in_threadpool(ctx.catalog.get, task_id, body.version)
    task = await run_in_threadpool(_visible, ctx, full, user)  # a withheld pair is no oracle
    model = await run_in_threadpool(_models_of, ctx, body.conversation_id, user)
    text = body.text.strip()
    code_included, note = False, None
    if body.code.strip():
        service.claim_run(user.id)
        try:
            passed, solved = await service.runner.passes_train(body.code, task)
        finally:
            service.release_run(user.id)
        if passed:
            code_included = True
            text += (
                f"\n\n```python\n{body.code.rstrip()}\n```\n\n"
                f"_This code solves all {len(task.train)} train pairs in arcforge's sandbox._"
            )
        else:
            note = f"the code was left out: it solves {solved} of {len(task.train)} train pairs"
    trace = await run_in_threadpool(
        lambda: ctx.store.add_trace(
            task_id, text, user=user, author_kind="model_assisted", task_version=body.version, model=model
        )
    )
    ctx.events.notify(task_id)
    return {
        "trace": {
            "id": trace.id,
            "task_id": trace.task_id,
            "author": trace.author,
            "assisted": trace.author_kind == "model_assisted",
            "model": trace.model,
        },
        "code_included": code_included,
        "note": note,
        "created": trace.user_id == user.id,
    }
