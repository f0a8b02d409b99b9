"""Health, the full export and the research export of attempts.

Both exports hold test outputs (task versions with them; a correct attempt's grid *is* one, and an
action log can rebuild it), so only moderators may download them. Each attempt says the version it
was made on (``task_version``, ``test_index``) and the budget it counted against
(``counts_against``: the root version and test input, ``v0:test:1``; one budget per test input across
every version), its place in that budget (``attempt_number``), and ``answer_seen``: whether the
account had been shown that test output before (None for attempts older than the record).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response

from arcforge.errors import ArcforgeError
from arcforge.web.deps import AppContext, Ctx, Moderator, api_router
from arcforge.web.lineage import Lineages, lineages

router = api_router(tags=["admin"])


@router.get("/health", summary="Liveness: the store answers and the dataset is loaded")
def health(ctx: Ctx) -> dict[str, Any]:
    users = ctx.store.count_users()
    return {"status": "ok", "dataset": ctx.catalog.name, "tasks": len(ctx.catalog.ids()), "users": users}


@router.get("/export", summary="Everything as JSON: tasks and versions, traces, votes, attempts (moderators)")
def export(ctx: Ctx, user: Moderator) -> Response:
    data = ctx.store.export_all()
    budgets = _budget_names(ctx, data["attempts"])
    for attempt in data["attempts"]:
        attempt["counts_against"], attempt["attempt_number"] = budgets[attempt["id"]]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="arcforge-export-{stamp}.json"'},
    )


def _budget_names(ctx: AppContext, attempts: list[dict[str, Any]]) -> dict[int, tuple[str | None, int]]:
    """Per attempt id: the budget it counted against and its number in that budget (per solver)."""
    known: dict[str, Lineages | None] = {}
    counted: dict[tuple[str, str, str], int] = {}
    found: dict[int, tuple[str | None, int]] = {}
    for attempt in attempts:
        task_id = attempt["task_id"]
        if task_id not in known:
            try:
                known[task_id] = lineages(ctx.catalog, task_id)
            except ArcforgeError:  # a task no longer served: its attempts keep their own slot
                known[task_id] = None
        lineage_set = known[task_id]
        lineage = lineage_set.by_version.get(attempt["task_version"]) if lineage_set else None
        index = attempt["test_index"]
        name = lineage.test[index].name if lineage and index < len(lineage.test) else None
        solver = f"user:{attempt['account']}" if attempt["account"] else f"client:{attempt['client_id']}"
        slot = (task_id, name or f"v{attempt['task_version']}:test:{index}", solver)
        counted[slot] = counted.get(slot, 0) + 1
        found[attempt["id"]] = (name, counted[slot])
    return found


@router.get(
    "/export/attempts",
    summary="Attempts with action logs for research, one JSON object a line (moderators)",
)
def export_attempts(ctx: Ctx, user: Moderator) -> Response:
    attempts = ctx.store.export_all()["attempts"]
    budgets = _budget_names(ctx, attempts)
    lines = []
    for attempt in attempts:
        attempt["counts_against"], attempt["attempt_number"] = budgets[attempt["id"]]
        lines.append(json.dumps(attempt, separators=(",", ":"), default=str))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(
        "".join(line + "\n" for line in lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="arcforge-attempts-{stamp}.jsonl"'},
    )
