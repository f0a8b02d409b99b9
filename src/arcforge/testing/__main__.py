"""``python -m arcforge.testing [--reply TEXT] [--port N]``: serve a scripted server from this process."""

from __future__ import annotations

from arcforge.testing.scripted_server import serve_forever

raise SystemExit(serve_forever())
