"""The runs viewer's reading side: run folders found under configured roots, indexed, summarised.

:class:`RunCatalog` finds runs and confines every path to its roots; :class:`RunIndex` keeps a small
SQLite index beside each run; :mod:`arcforge.viewer.summary` and :mod:`arcforge.viewer.samples` answer
the viewer's questions from it. Nothing here writes to a run's own files or imports the store or the web
app: the web routes (``arcforge.web.routes.runs``) and ``arcforge view`` sit on top.
"""

from arcforge.viewer.catalog import RunCatalog, RunFolder
from arcforge.viewer.index import RunIndex

__all__ = ["RunCatalog", "RunFolder", "RunIndex"]
