"""Tasks for the page: the list, search by id prefix, one task by id or number, its versions, and attempts.

A task as the page gets it holds the train pairs and the test *inputs* only. A test output reaches
the page as ``answer`` in the viewer's status for that input, and a swap version's train pair that is
a test output shows its output, only to an entitled viewer (:mod:`arcforge.web.visibility`: a
moderator, or an account whose attempts on that input are used up or solved); everyone else gets
``output: null`` with the reason (``withheld``). Attempts are checked on the server (height, width,
every cell), counted per account (or per anonymous solver cookie) and per test input across every
version of the task, and stored with their action logs. Anonymous attempts are rate limited per
address and per address and task; they are told correct or incorrect, never the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, StrictInt

from arcforge.web.deps import AppContext, Ctx, Viewer, api_router, client_address, client_id
from arcforge.web.visibility import access_for, public_pairs, record_shown

router = api_router(tags=["tasks"])

MAX_ACTIONS = 5000


def status_json(status: Any, *, counts_against: str, signed_in: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "index": status.test_index,
        "used": status.used,
        "remaining": status.remaining,
        "solved": status.solved,
        "done": status.solved or status.remaining <= 0,
        "last_correct": status.last_correct,
        "counts_against": counts_against,
        "answer_shown_when": "now"
        if status.answer is not None
        else "after your attempts here are used up or it is solved"
        if signed_in
        else "never while signed out: sign in to see answers",
    }
    if status.answer is not None:
        data["answer"] = status.answer
    return data


@router.get("/tasks", summary="Task ids and numbers, optionally those starting with a prefix")
def list_tasks(
    ctx: Ctx,
    prefix: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 10_000,
) -> dict[str, Any]:
    ids = ctx.catalog.ids()
    found = ctx.catalog.search(prefix, limit=limit) if prefix else list(enumerate(ids, start=1))[:limit]
    return {
        "dataset": ctx.catalog.name,
        "total": len(ids),
        "tasks": [{"number": n, "id": i} for n, i in found],
    }


@router.get("/tasks/{ref}", summary="A task (train pairs and test inputs) with the viewer's attempt status")
def get_task(
    ref: Annotated[str, Path(max_length=128)],
    request: Request,
    ctx: Ctx,
    user: Viewer,
    version: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    task_id, number, total = ctx.catalog.resolve(ref)
    versions = ctx.catalog.versions(task_id)
    task = ctx.catalog.get(task_id, version)
    info = next(v for v in versions if v.version == version)
    solver = None if user else client_id(request)
    guarded = access_for(ctx, task_id, user, solver)
    lineage = guarded.lineage(task)
    statuses = ctx.store.attempt_statuses(task, user=user, client_id=solver, budgets=guarded.budgets(lineage))
    train, test, withheld = public_pairs(task, lineage.train, guarded.access)
    shown = guarded.access.shown_train(lineage.train)
    record_shown(ctx, user, task_id, shown, via=f"train pairs of v{version}")
    for status in statuses:
        if status.answer is not None:
            record_shown(ctx, user, task_id, [lineage.test[status.test_index]], via=f"answer on v{version}")
    ids = ctx.catalog.ids()
    return {
        "id": task_id,
        "number": number,
        "total": total,
        "prev": ids[(number - 2) % total],
        "next": ids[number % total],
        "version": version,
        "retired": info.retired,
        "signers": list(info.signers),
        "source": info.source,
        "provenance": None
        if info.parent_version is None
        else {"parent_version": info.parent_version, "transform": info.transform},
        "versions": [v.to_dict() for v in versions],
        "train": train,
        "test": test,
        "withheld": withheld,
        "attempts": [
            status_json(s, counts_against=lineage.test[s.test_index].name, signed_in=user is not None)
            for s in statuses
        ],
    }


@router.get("/tasks/{task_id}/versions", summary="Every version of a task with signers and provenance")
def list_versions(task_id: str, ctx: Ctx) -> dict[str, Any]:
    return {"id": task_id, "versions": [v.to_dict() for v in ctx.catalog.versions(task_id)]}


class AttemptBody(BaseModel):
    test_index: StrictInt = Field(ge=0, le=100)
    grid: list[list[StrictInt]] = Field(min_length=1, max_length=30)
    actions: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_ACTIONS)


@router.post("/tasks/{task_id}/versions/{version}/attempts", summary="Submit an answer for one test input")
def submit_attempt(
    task_id: str,
    version: int,
    body: AttemptBody,
    request: Request,
    ctx: Ctx,
    user: Viewer,
) -> dict[str, Any]:
    task = ctx.catalog.get(task_id, version)
    solver = client_id(request)
    if user is None:
        if solver is None:
            raise HTTPException(400, "no solver id: load the page (GET /api/session) or log in first")
        _limit_anonymous(ctx, request, task_id)
    guarded = access_for(ctx, task_id, user, solver)
    lineage = guarded.lineage(task)
    if not 0 <= body.test_index < len(lineage.test):
        raise HTTPException(400, f"task {task_id} v{version} has no test input {body.test_index}")
    origin = lineage.test[body.test_index]
    status = ctx.store.submit_attempt(
        task,
        test_index=body.test_index,
        grid=body.grid,
        user=user,
        client_id=solver,
        action_log=body.actions,
        budget=guarded.lineages.budget(origin),
        origin=origin.name,
    )
    if status.answer is not None:
        record_shown(ctx, user, task_id, [origin], via=f"answer on v{version}")
    return {
        "correct": bool(status.last_correct),
        "status": status_json(status, counts_against=origin.name, signed_in=user is not None),
    }


def _limit_anonymous(ctx: AppContext, request: Request, task_id: str) -> None:
    """Anonymous attempts: a budget per address, and per address and task (fresh cookies share them)."""
    address = client_address(request)
    for key, limiter, what in (
        (f"anon:{address}", ctx.guards.anon_attempts, "attempts from this address"),
        (
            f"anon:{address}:{task_id}",
            ctx.guards.anon_task_attempts,
            f"attempts on {task_id} from this address",
        ),
    ):
        wait = limiter.allow(key)
        if wait > 0:
            raise HTTPException(
                429,
                f"too many anonymous {what}: wait {wait:.0f} s, or sign in",
                headers={"Retry-After": str(int(wait) + 1)},
            )
