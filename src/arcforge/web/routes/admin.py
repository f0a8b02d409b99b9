"""Health and the full export.

The export holds every task version *with* its test outputs and every solver's attempts and action
logs, so only moderators may download it (``arcforge db export`` gives the same on the command line).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response

from arcforge.web.deps import Ctx, Moderator, api_router

router = api_router(tags=["admin"])


@router.get("/health", summary="Liveness: the store answers and the dataset is loaded")
def health(ctx: Ctx) -> dict[str, Any]:
    users = ctx.store.count_users()
    return {"status": "ok", "dataset": ctx.catalog.name, "tasks": len(ctx.catalog.ids()), "users": users}


@router.get("/export", summary="Everything as JSON: tasks and versions, traces, votes, attempts (moderators)")
def export(ctx: Ctx, user: Moderator) -> Response:
    data = ctx.store.export_all()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(data, separators=(",", ":"), default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="arcforge-export-{stamp}.json"'},
    )
