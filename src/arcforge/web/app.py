"""The app factory: ``create_app(settings, store=..., dataset=...)`` builds one FastAPI app, no globals.

Everything a route needs is built here and kept on ``app.state.ctx`` (:class:`AppContext`): the store
(opened from ``settings.db_url`` unless given, and then closed with the app), the task catalog (the
dataset plus the store's versions), the cookie signer with the secret key from ``settings.home``, the
trace renderer, the live-event hub and the rate limiters. Middleware, outermost first: security
headers, the request body limit, the CSRF check on writes. Debug mode is never on; errors from the
store become JSON with a fitting status (see :mod:`arcforge.web.deps`).

:func:`app_from_environment` is the zero-argument factory that ``arcforge serve --workers N`` hands
to uvicorn (each worker process builds its own app from the same environment).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from arcforge.settings import Settings, load_settings
from arcforge.web.catalog import TaskCatalog
from arcforge.web.config import WebConfig, load_secret_key, web_config_from_settings
from arcforge.web.deps import AppContext, CsrfMiddleware, install_error_handlers
from arcforge.web.events import EventHub
from arcforge.web.render import TraceRenderer
from arcforge.web.routes import admin, auth, discuss, pages, tasks, traces, variations
from arcforge.web.routes.pages import STATIC_DIR
from arcforge.web.routes.progress import pages as progress_pages
from arcforge.web.routes.progress import router as progress_router
from arcforge.web.security import BodyLimitMiddleware, RateLimiter, SecurityHeadersMiddleware
from arcforge.web.sessions import TokenSigner

__all__ = ["DEFAULT_DATASET", "app_from_environment", "create_app"]

# People solve and explain *training* tasks: traces written on evaluation tasks would leak into the
# benchmark that measures models on them.
DEFAULT_DATASET = "arc-agi-2/training"
NO_DATASET = ""
ROUTERS = (
    auth.router,
    tasks.router,
    traces.router,
    variations.router,
    admin.router,
    pages.router,
    discuss.router,
    discuss.pages,
    progress_router,  # issue 18: limits, my tasks, profiles
    progress_pages,
)


def _load(dataset: Any) -> Any:
    if dataset is None or dataset == NO_DATASET:
        return None
    if isinstance(dataset, (str, os.PathLike)):
        from arcforge.datasets import load_dataset

        return load_dataset(dataset)
    return dataset


def create_app(
    settings: Settings,
    *,
    store: Any = None,
    dataset: Any = DEFAULT_DATASET,
    config: WebConfig | None = None,
) -> FastAPI:
    """A new app. ``store``: an open store (default: opened from ``settings.db_url``, closed at shutdown).
    ``dataset``: a ``Dataset``, a dataset name or path, or None to serve only the store's tasks.
    ``config``: limits and cookie options (default: from ``settings.environ``)."""
    from arcforge.store import open_store

    config = config or web_config_from_settings(settings)
    owns_store = store is None
    store = open_store(settings.db_url) if owns_store else store
    signer = TokenSigner(load_secret_key(settings))
    ctx = AppContext(
        settings=settings,
        config=config,
        store=store,
        catalog=TaskCatalog(_load(dataset), store),
        signer=signer,
        renderer=TraceRenderer(),
        events=EventHub(),
        write_limiter=RateLimiter(
            per_minute=config.writes_per_minute, burst=max(10, config.writes_per_minute // 4)
        ),
        auth_limiter=RateLimiter(
            per_minute=config.auth_per_minute, burst=max(5, config.auth_per_minute // 3)
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            ctx.events.close()
            if owns_store and hasattr(store, "close"):
                store.close()

    app = FastAPI(
        title="arcforge",
        summary="Solve ARC tasks, write reasoning traces, vote, and sign variations.",
        version=_version(),
        debug=False,
        docs_url=None,  # served below from local files: no CDN, works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _serve_offline_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(CsrfMiddleware, signer=signer)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=config.max_body_bytes,
        path_limits=((r"/api/tasks/[^/]+/versions/\d+/attempts", config.attempt_max_body_bytes),),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _serve_offline_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI 5 (it reads OpenAPI 3.1) from the files the fastapi-offline package ships,
    so the page works with no network; only the files are used, the app stays a plain FastAPI."""
    import importlib.util
    from pathlib import Path

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        return
    files = Path(spec.origin).parent / "static"
    app.mount("/static/swagger", StaticFiles(directory=str(files)), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="arcforge API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
        )


def _version() -> str:
    from arcforge import __version__

    return __version__


def app_from_environment() -> FastAPI:
    """The app for ``arcforge serve`` workers: settings from the environment, the dataset from
    ``ARCFORGE_SERVE_DATASET`` (empty: the store's tasks only)."""
    settings = load_settings()
    spec = settings.environ.get("ARCFORGE_SERVE_DATASET", DEFAULT_DATASET)
    app = create_app(settings, dataset=spec or None)
    runs = [folder for folder in settings.environ.get("ARCFORGE_SERVE_RUNS", "").split(os.pathsep) if folder]
    if runs:  # the runs viewer (arcforge serve --runs DIR)
        from arcforge.web.routes.runs import install_runs_viewer

        host = settings.environ.get("ARCFORGE_SERVE_HOST", "0.0.0.0")  # noqa: S104 - unknown: the strict rule
        install_runs_viewer(app, runs, host=host, cache_dir=settings.home / "viewer-index")
    return app
