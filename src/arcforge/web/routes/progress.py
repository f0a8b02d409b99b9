"""Progress and people: the limits the pages enforce, "my tasks", and a user's profile.

- ``GET /api/limits``: user name rules, password and trace lengths, from :mod:`arcforge.limits` (the
  same values the store and the API enforce).
- ``GET /api/me/progress``: every task the viewer (an account, or the anonymous solver cookie) attempted,
  as solved, attempted (attempts left) or unsolved (attempts used up), with attempts used, active time
  and where to continue. No test output is ever part of it.
- ``GET /api/users/{name}``: an account's public profile: its traces and the votes they received.
- Pages: ``/my-tasks`` and ``/users/{name}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from arcforge.limits import NAME_MAX_CHARS, limits_json
from arcforge.store import ATTEMPT_LIMIT
from arcforge.store.attempts import MAX_ACTION_LOG_BYTES
from arcforge.store.progress import TaskProgress, solver_progress, user_traces
from arcforge.web.deps import AppContext, Ctx, Viewer, api_router, client_id
from arcforge.web.lineage import lineages
from arcforge.web.routes.auth import user_json
from arcforge.web.routes.pages import page

router = api_router(tags=["progress"])
pages = APIRouter(include_in_schema=False)
UserName = Annotated[str, Path(min_length=1, max_length=NAME_MAX_CHARS)]


@router.get("/limits", summary="The limits every form and the API share (names, passwords, traces)")
def limits() -> dict[str, Any]:
    # the action-log cap belongs to the store's attempts (issue 12); the page trims its log to fit it
    return {**limits_json(), "action_log": {"max_bytes": MAX_ACTION_LOG_BYTES}}


def _task_entry(ctx: AppContext, item: TaskProgress) -> dict[str, Any] | None:
    try:
        task_id, number, _total = ctx.catalog.resolve(item.task_id)
        tests = len(ctx.catalog.get(task_id, 0).test)
    except Exception:  # a task no longer served (dataset changed): leave it out of the list
        return None
    _count_by_test_input(ctx, task_id, item)
    solved = len(item.solved) >= tests
    spent = any(item.used.get(i, 0) >= ATTEMPT_LIMIT and i not in item.solved for i in range(tests))
    status = "solved" if solved else "unsolved" if spent else "attempted"
    # continue where the work stopped: the first input neither solved nor spent, else the last one tried
    open_inputs = [i for i in range(tests) if i not in item.solved and item.used.get(i, 0) < ATTEMPT_LIMIT]
    test = open_inputs[0] if open_inputs else item.last_test
    query = f"?task={task_id}" + (f"&version={item.last_version}" if item.last_version else "")
    query += f"&test={test}" if test else ""
    return {
        **item.to_dict(),
        "number": number,
        "tests": tests,
        "attempt_limit": ATTEMPT_LIMIT,
        "status": status,
        "continue_url": f"/{query}",
    }


def _count_by_test_input(ctx: AppContext, task_id: str, item: TaskProgress) -> None:
    """Count each attempt against the original's test input it is a version of (issue 12: one budget
    per test input across versions; a swap moves test inputs, so the index alone is not enough)."""
    lineage_set = lineages(ctx.catalog, task_id)
    originals = lineage_set.of(0).test if 0 in lineage_set.by_version else ()
    used: dict[int, int] = {}
    solved: set[int] = set()
    for (version, index), (count, ok) in item.slots.items():
        lineage = lineage_set.by_version.get(version)
        origin = lineage.test[index] if lineage is not None and index < len(lineage.test) else None
        if origin is None or origin not in originals:
            continue  # a pair that was a train pair of the original: its answer is no secret
        original = originals.index(origin)
        used[original] = used.get(original, 0) + count
        if ok:
            solved.add(original)
    item.used, item.solved = used, solved


def _progress(ctx: AppContext, user: Any, solver: str | None) -> dict[str, Any]:
    items = solver_progress(ctx.store, user_id=user.id if user else None, client_id=None if user else solver)
    entries = [e for e in (_task_entry(ctx, i) for i in items) if e is not None]
    tried = {e["task_id"] for e in entries}
    fresh = next((i for i in ctx.catalog.ids() if i not in tried), None)
    counts = {s: sum(e["status"] == s for e in entries) for s in ("solved", "attempted", "unsolved")}
    return {
        "user": user_json(user),
        "total_tasks": len(ctx.catalog.ids()),
        "counts": {**counts, "not_started": len(ctx.catalog.ids()) - len(entries)},
        "tasks": entries,
        "next_unstarted": fresh,
    }


@router.get("/me/progress", summary="The viewer's tasks: solved, attempted, unsolved, with attempts and time")
async def my_progress(request: Request, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    return await run_in_threadpool(_progress, ctx, user, client_id(request))


def _profile(ctx: AppContext, name: str, viewer: Any) -> dict[str, Any]:
    user = ctx.store.get_user(name)  # NotFound -> 404
    traces = [t.to_dict() for t in user_traces(ctx.store, user.id)]
    return {
        "user": {"name": user.name, "role": user.role, "since": user.created_at.isoformat()},
        "is_me": viewer is not None and viewer.id == user.id,
        "traces": traces,
        "votes_received": {
            "up": sum(t["up"] for t in traces),
            "down": sum(t["down"] for t in traces),
            "score": sum(t["score"] for t in traces),
        },
    }


@router.get("/users/{name}", summary="A user's public profile: traces and the votes they received")
async def profile(name: UserName, ctx: Ctx, user: Viewer) -> dict[str, Any]:
    return await run_in_threadpool(_profile, ctx, name, user)


@pages.get("/my-tasks")
def my_tasks_page() -> FileResponse:
    return page("mytasks.html")


@pages.get("/users/{name}")
def profile_page(name: UserName) -> FileResponse:
    return page("profile.html")
