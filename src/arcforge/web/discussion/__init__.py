"""The discussion page's server side: options, the model context, streamed replies and the code runner.

The routes are in :mod:`arcforge.web.routes.discuss`; this package holds what they use:
:mod:`.options` (bounds and allowed models from settings), :mod:`.context` (what a model is told),
:mod:`.chat` (one streamed reply, cancellable), :mod:`.runner` (the sandbox and the judging rule) and
:mod:`.service` (the per-app state on ``app.state.discussion``).
"""
