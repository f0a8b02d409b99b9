"""Cookie names and signed CSRF tokens.

Sessions are the store's random tokens (only their hash is stored; see
:meth:`arcforge.store.Store.create_session`), sent in the HttpOnly ``arcforge_session`` cookie; this
module only names that cookie.

CSRF uses a *signed double-submit* token: the page reads the ``arcforge_csrf`` cookie (not HttpOnly)
and echoes it in the ``X-CSRF-Token`` header of every write; the server checks that both are equal
and that the token carries its signature, so a cookie planted by another site cannot be forged.
SameSite=Lax on both cookies is the second line of defence.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "TokenSigner"]

SESSION_COOKIE = "arcforge_session"
CSRF_COOKIE = "arcforge_csrf"
CSRF_HEADER = "x-csrf-token"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenSigner:
    """Makes and checks CSRF tokens with the app's secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, domain: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{domain}:{payload}".encode(), hashlib.sha256).digest())

    def make_csrf(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._mac('csrf', nonce)}"

    def csrf_ok(self, cookie: str | None, header: str | None) -> bool:
        """True when the header equals the cookie and the token is one this server signed."""
        if not cookie or not header or len(cookie) > 200 or not hmac.compare_digest(cookie, header):
            return False
        nonce, _, mac = cookie.partition(".")
        return bool(nonce) and hmac.compare_digest(mac, self._mac("csrf", nonce))
