"""Tasks for the page: the list, search by id prefix, one task by id or number, its versions, and attempts.

A task as the page gets it holds the train pairs and the test *inputs* only. A test output reaches
the page in one way: as ``answer`` in the viewer's status for that input, once the store says it may
be shown (the viewer's attempts there are used up, or it is solved). Attempts are checked on the
server (height, width, every cell), counted per account (or per anonymous solver cookie), and stored
with their action logs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, StrictInt

from arcforge.web.deps import Ctx, Viewer, api_router, client_id

router = api_router(tags=["tasks"])

MAX_ACTIONS = 5000


def status_json(status: Any) -> dict[str, Any]:
    data = {
        "index": status.test_index,
        "used": status.used,
        "remaining": status.remaining,
        "solved": status.solved,
        "done": status.solved or status.remaining <= 0,
        "last_correct": status.last_correct,
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
    statuses = ctx.store.attempt_statuses(task, user=user, client_id=None if user else client_id(request))
    ids = ctx.catalog.ids()
    public = task.without_test_outputs().to_dict(include_test_outputs=False)
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
        "train": public["train"],
        "test": public["test"],
        "attempts": [status_json(s) for s in statuses],
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
    solver = None if user else client_id(request)
    if user is None and solver is None:
        raise HTTPException(400, "no solver id: load the page (GET /api/session) or log in first")
    status = ctx.store.submit_attempt(
        task, test_index=body.test_index, grid=body.grid, user=user, client_id=solver, action_log=body.actions
    )
    return {"correct": bool(status.last_correct), "status": status_json(status)}
