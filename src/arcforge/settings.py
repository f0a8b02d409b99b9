"""Settings, read once from the environment, ``.env`` and defaults, then passed explicitly.

Nothing reads ``os.environ`` behind the caller's back: commands call :func:`load_settings` once and
hand the :class:`Settings` to the stores, clients and apps they build. ``.env`` (python-dotenv) is read
into :attr:`Settings.environ` without touching ``os.environ``, so API keys from it never leak into
child processes that inherit the environment.

Every ``ARCFORGE_*`` variable arcforge knows is listed in :data:`VARIABLES` (the README's table comes
from it) and read here; a variable named ``ARCFORGE_...`` that is not in the list but nearly matches one is a usage
error naming it, so a typo never silently falls back to a default. The core ones become
typed fields of :class:`Settings`; the web app's and the discussion page's limits are parsed, with
their own range checks, by :func:`arcforge.web.config.web_config_from_settings` and
:func:`arcforge.web.discussion.options.discuss_options` from :attr:`Settings.environ`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from arcforge.errors import UsageError

__all__ = ["VARIABLES", "Settings", "load_settings"]

# name -> what it sets (default); the README lists these
VARIABLES: Mapping[str, str] = {
    "ARCFORGE_HOME": "arcforge's data folder (default ~/.local/share/arcforge)",
    "ARCFORGE_DB": "the trace store URL (default SQLite ARCFORGE_HOME/arcforge.db; postgresql://... works)",
    "ARCFORGE_CACHE": "the model response cache file (default ARCFORGE_HOME/cache.db)",
    "ARCFORGE_DISCUSS_MODELS": "comma list of models the discussion page may use (default local)",
    "ARCFORGE_DAILY_SPEND_USD": "each web user's daily model spending limit in USD (default 1.0)",
    "ARCFORGE_DISCUSS_BASE_URL": "send the discussion page's model requests to this API root",
    "ARCFORGE_DISCUSS_MAX_TOKENS": "most tokens of one discussion reply (default 4096)",
    "ARCFORGE_DISCUSS_RUN_SECONDS": "wall-clock seconds for code run from the discussion page (default 2)",
    "ARCFORGE_DISCUSS_SANDBOX_WORKERS": "sandbox processes for the discussion page (default 1)",
    "ARCFORGE_DISCUSS_LIBRARIES": "solver libraries (.py files or folders, `:`-separated) the discussion page's "
    "code box can import (`serve --library`)",
    "ARCFORGE_WEB_SECRET": "the key that signs cookies (default: made once in ARCFORGE_HOME/web-secret.key)",
    "ARCFORGE_WEB_SECURE_COOKIES": "1 to mark cookies Secure (behind HTTPS; `serve --secure-cookies`)",
    "ARCFORGE_WEB_WRITES_PER_MINUTE": "writes per account (or address) per minute (default 240)",
    "ARCFORGE_WEB_AUTH_PER_MINUTE": "sign-ups and log-ins per address per minute (default 30)",
    "ARCFORGE_WEB_MAX_BODY": "largest request body in bytes (default 4 MiB)",
    "ARCFORGE_WEB_WRITE_BYTES_PER_HOUR": "bytes of writes per account per hour (default 16 MiB)",
    "ARCFORGE_WEB_ADDRESS_WRITE_BYTES_PER_HOUR": "bytes of writes per address per hour (default 32 MiB)",
    "ARCFORGE_WEB_ANON_ATTEMPTS_PER_HOUR": "anonymous attempts per address per hour (default 60)",
    "ARCFORGE_WEB_ANON_TASK_ATTEMPTS_PER_HOUR": "anonymous attempts per address and task per hour (default 8)",
    "ARCFORGE_SERVE_DATASET": "the dataset an app built by `app_from_environment` serves (set by `serve`)",
    "ARCFORGE_SERVE_RUNS": "run folders for the runs viewer of such an app (set by `serve --runs`)",
    "ARCFORGE_SERVE_HOST": "the address such an app is served on (set by `serve`)",
}


@dataclass(frozen=True)
class Settings:
    """What arcforge was configured with; build with :func:`load_settings`."""

    home: Path
    db_url: str
    cache_path: Path
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    discuss_models: tuple[str, ...] = ("local",)
    daily_spend_usd: float = 1.0

    def secret(self, name: str) -> str | None:
        """The value of an environment variable (``.env`` included), or None when unset or empty."""
        value = self.environ.get(name)
        return value or None


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Settings from ``environ`` (default: the process environment) over ``.env`` over defaults.

    Raises :class:`UsageError` for an unknown ``ARCFORGE_*`` variable or a malformed value."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    _check_names(merged)
    home = Path(merged.get("ARCFORGE_HOME") or Path.home() / ".local" / "share" / "arcforge").expanduser()
    db_url = merged.get("ARCFORGE_DB") or f"sqlite:///{home / 'arcforge.db'}"
    cache_path = Path(merged.get("ARCFORGE_CACHE") or home / "cache.db").expanduser()
    models = tuple(m.strip() for m in merged.get("ARCFORGE_DISCUSS_MODELS", "local").split(",") if m.strip())
    raw_spend = merged.get("ARCFORGE_DAILY_SPEND_USD") or "1.0"
    try:
        spend = float(raw_spend)
    except ValueError:
        raise UsageError(
            f"ARCFORGE_DAILY_SPEND_USD={raw_spend!r} is not a number; set it in USD, e.g. 1.0"
        ) from None
    return Settings(
        home=home,
        db_url=db_url,
        cache_path=cache_path,
        environ=merged,
        discuss_models=models or ("local",),
        daily_spend_usd=spend,
    )


def _check_names(environ: Mapping[str, str]) -> None:
    """An ``ARCFORGE_*`` name that is not known but nearly is (a typo) fails, naming the known one;
    others may be anything (an API key variable a models.toml entry names, say)."""
    for name in sorted(environ):
        if name.startswith("ARCFORGE_") and name not in VARIABLES:
            close = difflib.get_close_matches(name, list(VARIABLES), n=1, cutoff=0.85)
            if close:
                raise UsageError(f"unknown setting {name}: did you mean {close[0]}? (the README lists them)")
