"""The web app's own knobs (limits, cookies) and its secret key.

:class:`WebConfig` is a frozen value built by :func:`web_config_from_settings` from
``settings.environ`` (so ``.env`` works), with defaults safe for a public server. The secret key that
signs CSRF cookies lives in ``settings.home/web-secret.key``: generated on first run with
:mod:`secrets`, written to a temporary file and hard-linked into place, so several workers starting at
once all end up reading the same key (the link fails for every worker but the first).

Environment variables (all optional):

- ``ARCFORGE_WEB_SECRET``: the secret key itself (hex or text; overrides the file)
- ``ARCFORGE_WEB_SECURE_COOKIES``: ``1`` to mark cookies ``Secure`` (behind HTTPS)
- ``ARCFORGE_WEB_WRITES_PER_MINUTE``: writes allowed per account (or address) per minute (default 240)
- ``ARCFORGE_WEB_AUTH_PER_MINUTE``: sign-ups and log-ins allowed per address per minute (default 30)
- ``ARCFORGE_WEB_MAX_BODY``: largest request body in bytes (default 4 MiB)
- ``ARCFORGE_WEB_WRITE_BYTES_PER_HOUR``: bytes of writes an account may send per hour (default 16 MiB)
- ``ARCFORGE_WEB_ADDRESS_WRITE_BYTES_PER_HOUR``: the same per address, logged in or not (default 32 MiB)
- ``ARCFORGE_WEB_ANON_ATTEMPTS_PER_HOUR``: anonymous attempts per address per hour (default 60)
- ``ARCFORGE_WEB_ANON_TASK_ATTEMPTS_PER_HOUR``: anonymous attempts per address and task per hour (default 8)

Limits that are not settings: an attempt's body is at most 320 KiB (its action log at most 256 KiB,
:data:`arcforge.store.attempts.MAX_ACTION_LOG_BYTES`), and log-ins for one account name wait 1 s,
2 s, 4 s, ... (at most 5 minutes) after its third failure in a row, whatever the address.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from arcforge.errors import UsageError
from arcforge.settings import Settings

__all__ = ["WebConfig", "load_secret_key", "web_config_from_settings"]

SECRET_FILE = "web-secret.key"


@dataclass(frozen=True)
class WebConfig:
    """Limits and cookie options of one app instance."""

    secure_cookies: bool = False
    session_max_age_s: int = 14 * 24 * 3600
    max_body_bytes: int = 4 * 1024 * 1024
    writes_per_minute: int = 240
    auth_per_minute: int = 30
    live_poll_s: float = 1.0
    attempt_max_body_bytes: int = 320 * 1024
    write_bytes_per_hour: int = 16 * 1024 * 1024
    address_write_bytes_per_hour: int = 32 * 1024 * 1024
    anon_attempts_per_hour: int = 60
    anon_task_attempts_per_hour: int = 8
    login_free_failures: int = 3
    login_max_delay_s: float = 300.0


def _int(environ: dict[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not an integer; set it to a whole number") from None
    if value <= 0:
        raise UsageError(f"{name}={raw!r} must be positive")
    return value


def web_config_from_settings(settings: Settings) -> WebConfig:
    """The web options read from ``settings.environ``; raises UsageError for malformed values."""
    environ = dict(settings.environ)
    return WebConfig(
        secure_cookies=environ.get("ARCFORGE_WEB_SECURE_COOKIES", "") in {"1", "true", "yes"},
        max_body_bytes=_int(environ, "ARCFORGE_WEB_MAX_BODY", WebConfig.max_body_bytes),
        writes_per_minute=_int(environ, "ARCFORGE_WEB_WRITES_PER_MINUTE", WebConfig.writes_per_minute),
        auth_per_minute=_int(environ, "ARCFORGE_WEB_AUTH_PER_MINUTE", WebConfig.auth_per_minute),
        write_bytes_per_hour=_int(
            environ, "ARCFORGE_WEB_WRITE_BYTES_PER_HOUR", WebConfig.write_bytes_per_hour
        ),
        address_write_bytes_per_hour=_int(
            environ, "ARCFORGE_WEB_ADDRESS_WRITE_BYTES_PER_HOUR", WebConfig.address_write_bytes_per_hour
        ),
        anon_attempts_per_hour=_int(
            environ, "ARCFORGE_WEB_ANON_ATTEMPTS_PER_HOUR", WebConfig.anon_attempts_per_hour
        ),
        anon_task_attempts_per_hour=_int(
            environ, "ARCFORGE_WEB_ANON_TASK_ATTEMPTS_PER_HOUR", WebConfig.anon_task_attempts_per_hour
        ),
    )


def load_secret_key(settings: Settings) -> bytes:
    """The key that signs cookies: from ``ARCFORGE_WEB_SECRET``, else ``home/web-secret.key`` (made once)."""
    given = settings.secret("ARCFORGE_WEB_SECRET")
    if given:
        if len(given) < 16:
            raise UsageError(
                "ARCFORGE_WEB_SECRET is too short: use at least 16 characters (32 random bytes best)"
            )
        return given.encode()
    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / SECRET_FILE
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".web-secret-")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 32:
        raise UsageError(f"{path} holds a short key: delete it and restart to generate a new one")
    return key.encode()
