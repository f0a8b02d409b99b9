"""The HTML pages: the testing page at ``/`` and at the original system's path.

Pages are static files under ``web/static`` (no templates: nothing user-controlled is ever put into
HTML on the server); their scripts are ES modules under ``/static/js``. Another page (the discussion
page) adds a route here or its own router that returns :func:`page` of its file.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


def page(name: str) -> FileResponse:
    """A page from the static folder, never cached (so a new release shows at once)."""
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/")
def index() -> FileResponse:
    return page("testing.html")


@router.get("/apps/testing_interface.html")
def testing_interface() -> FileResponse:
    return page("testing.html")
