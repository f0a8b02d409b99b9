"""Settings, read once from the environment, ``.env`` and defaults, then passed explicitly.

Nothing reads ``os.environ`` behind the caller's back: commands call :func:`load_settings` once and
hand the :class:`Settings` to the stores, clients and apps they build. ``.env`` (python-dotenv) is read
into :attr:`Settings.environ` without touching ``os.environ``, so API keys from it never leak into
child processes that inherit the environment.

Environment variables:

- ``ARCFORGE_HOME``: arcforge's data folder (default ``~/.local/share/arcforge``)
- ``ARCFORGE_DB``: the trace store URL (default SQLite ``ARCFORGE_HOME/arcforge.db``)
- ``ARCFORGE_CACHE``: the response cache path (default ``ARCFORGE_HOME/cache.db``)
- ``ARCFORGE_DISCUSS_MODELS``: comma list of models the discussion page may use (default ``local``)
- ``ARCFORGE_DAILY_SPEND_USD``: each web user's daily model spending limit (default 1.0)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "load_settings"]


@dataclass(frozen=True)
class Settings:
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

    @property
    def runs_dir(self) -> Path:
        return Path("runs")


def load_settings(
    environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Settings from ``environ`` (default: the process environment) over ``.env`` over defaults."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    home = Path(merged.get("ARCFORGE_HOME") or Path.home() / ".local" / "share" / "arcforge").expanduser()
    db_url = merged.get("ARCFORGE_DB") or f"sqlite:///{home / 'arcforge.db'}"
    cache_path = Path(merged.get("ARCFORGE_CACHE") or home / "cache.db").expanduser()
    models = tuple(m.strip() for m in merged.get("ARCFORGE_DISCUSS_MODELS", "local").split(",") if m.strip())
    return Settings(
        home=home,
        db_url=db_url,
        cache_path=cache_path,
        environ=merged,
        discuss_models=models or ("local",),
        daily_spend_usd=float(merged.get("ARCFORGE_DAILY_SPEND_USD", "1.0")),
    )
