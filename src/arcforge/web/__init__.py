"""The web app: people solve ARC tasks in the browser and contribute traces, votes and variations.

Build it with :func:`create_app` (see :mod:`arcforge.web.app`); serve it with ``arcforge serve``.
"""

from arcforge.web.app import create_app

__all__ = ["create_app"]
