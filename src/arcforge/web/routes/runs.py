"""The runs viewer: pages under ``/runs`` and a read-only JSON API under ``/api/runs``.

Added to the app by :func:`install_runs_viewer` (``arcforge serve --runs DIR``), or served alone by
:func:`create_viewer_app` (``arcforge view RUN_DIR``). Runs hold test outputs, so when the server listens
on anything but a loopback address every API call needs a signed-in moderator (the store's accounts, via
:mod:`arcforge.web.deps`); on loopback the viewer is open to the local user. A request names a run by its
id only; :class:`arcforge.viewer.RunCatalog` maps ids to folders inside the configured roots.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from arcforge.viewer import RunCatalog, RunFolder, RunIndex
from arcforge.viewer.samples import task_detail
from arcforge.viewer.summary import TASK_SORTS, compare_runs, run_row, run_summary, task_rows
from arcforge.web.deps import current_user, require_moderator, require_user
from arcforge.web.routes.pages import STATIC_DIR, page

__all__ = ["RunsViewer", "create_viewer_app", "install_runs_viewer", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0, :: and every other address."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RunsViewer:
    catalog: RunCatalog
    public: bool  # listening on a non-loopback address: moderators only
    testing_page: bool  # the full app (links to the testing page and traces work)


def _viewer(request: Request) -> RunsViewer:
    viewer: RunsViewer | None = getattr(request.app.state, "runs_viewer", None)
    if viewer is None:
        raise HTTPException(404, "the runs viewer is off: start the server with --runs DIR")
    return viewer


async def viewer_access(request: Request) -> RunsViewer:
    """The viewer, after the sign-in rule: anyone on loopback, a moderator otherwise."""
    viewer = _viewer(request)
    if viewer.public:
        ctx = getattr(request.app.state, "ctx", None)
        if ctx is None:
            raise HTTPException(403, "the runs viewer is served to loopback only without the store")
        await require_moderator(await require_user(current_user(request, ctx)))
    return viewer


Viewer = Annotated[RunsViewer, Depends(viewer_access)]
router = APIRouter(prefix="/api/runs", tags=["runs"])
pages = APIRouter(include_in_schema=False)


def _open(viewer: RunsViewer, run_id: str) -> tuple[RunFolder, RunIndex]:
    run = viewer.catalog.get(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id!r} in the viewer's folders")
    try:
        return run, viewer.catalog.index(run)
    except (OSError, sqlite3.Error):  # removed since the folders were scanned
        raise HTTPException(404, f"run {run_id!r} is gone from the viewer's folders") from None


@router.get("", summary="Every run under the configured folders")
def list_runs(viewer: Viewer) -> dict[str, Any]:
    runs = []
    for run in viewer.catalog.scan():
        try:
            runs.append(run_row(run, viewer.catalog.index(run)))
        except (OSError, sqlite3.Error):  # removed since the folders were scanned
            continue
    return {"runs": runs, "testing_page": viewer.testing_page}


@router.get("/compare", summary="Two runs per task: solved by one, the other, both or neither")
def compare(
    viewer: Viewer, a: Annotated[str, Query(max_length=200)], b: Annotated[str, Query(max_length=200)]
) -> dict[str, Any]:
    return compare_runs(_open(viewer, a), _open(viewer, b))


@router.get("/{run_id}", summary="One run's summary: yield, cost, statuses, latency, tokens, scores")
def one_run(viewer: Viewer, run_id: str) -> dict[str, Any]:
    summary = run_summary(*_open(viewer, run_id))
    summary["testing_page"] = viewer.testing_page
    return summary


@router.get("/{run_id}/tasks", summary="One page of the run's per-task table")
def run_tasks(
    viewer: Viewer,
    run_id: str,
    sort: Annotated[str, Query(pattern="^(" + "|".join(TASK_SORTS) + ")$")] = "task",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[str, Query(max_length=100)] = "",
) -> dict[str, Any]:
    return task_rows(*_open(viewer, run_id), sort=sort, descending=desc, offset=offset, limit=limit, query=q)


@router.get(
    "/{run_id}/tasks/{task_id}", summary="One task of a run: its pairs and every sample with verdicts"
)
def run_task(
    viewer: Viewer,
    run_id: str,
    task_id: str,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    detail = task_detail(*_open(viewer, run_id), task_id, offset=offset, limit=limit)
    if detail is None:
        raise HTTPException(404, f"run {run_id!r} has no task {task_id!r}")
    detail["testing_page"] = viewer.testing_page
    return detail


@pages.get("/runs")
@pages.get("/runs/compare")
@pages.get("/runs/{run_id}")
@pages.get("/runs/{run_id}/tasks/{task_id}")
def runs_page() -> FileResponse:
    return page("runs.html")


def install_runs_viewer(
    app: FastAPI,
    roots: Sequence[str | Path],
    *,
    host: str,
    testing_page: bool = True,
    cache_dir: Path | None = None,
) -> RunCatalog:
    """Add the viewer over ``roots`` to ``app`` (served on ``host``: non-loopback needs moderators)."""
    catalog = RunCatalog(roots, cache_dir=cache_dir)
    app.state.runs_viewer = RunsViewer(
        catalog=catalog, public=not is_loopback(host), testing_page=testing_page
    )
    app.include_router(router)
    app.include_router(pages)
    return catalog


def create_viewer_app(
    roots: Sequence[str | Path], *, host: str = "127.0.0.1", cache_dir: Path | None = None
) -> FastAPI:
    """An app that serves only the viewer (``arcforge view``): no store, so loopback only."""
    from arcforge.web.security import SecurityHeadersMiddleware

    if not is_loopback(host):
        from arcforge.errors import UsageError

        raise UsageError(
            f"arcforge view serves loopback only ({host} is not): use `arcforge serve --runs DIR --host {host}`, "
            "which asks for a moderator's sign-in"
        )
    app = FastAPI(title="arcforge runs viewer", docs_url=None, redoc_url=None, debug=False)
    catalog = install_runs_viewer(app, roots, host=host, testing_page=False, cache_dir=cache_dir)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/runs")

    app.add_middleware(SecurityHeadersMiddleware)
    app.state.runs_catalog = catalog
    return app
