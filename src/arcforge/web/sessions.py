"""Signed session and CSRF tokens.

A session cookie is ``base64url(json) . base64url(hmac-sha256)``: the JSON holds the account id, the
issue and expiry times and a random nonce. Nothing secret is in it and nothing in it is trusted
before the signature checks out; the account's name and role are looked up in the store on every
request, so a deleted account or a changed role takes effect at once. Being signed rather than kept in
a table, a session works unchanged across several server workers behind one database.

CSRF uses a *signed double-submit* token: the page reads the ``arcforge_csrf`` cookie (not HttpOnly)
and echoes it in the ``X-CSRF-Token`` header of every write; the server checks that both are equal
and that the token carries its signature, so a cookie planted by another site cannot be forged.
SameSite=Lax on both cookies is the second line of defence.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "Session", "TokenSigner"]

SESSION_COOKIE = "arcforge_session"
CSRF_COOKIE = "arcforge_csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    """A verified session: who, and until when."""

    user_id: int
    issued_at: float
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Makes and checks session and CSRF tokens with one secret key (separate HMAC domains)."""

    def __init__(self, key: bytes, *, session_max_age_s: int) -> None:
        self._key = key
        self._max_age = session_max_age_s

    def _mac(self, domain: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{domain}:{payload}".encode(), hashlib.sha256).digest())

    # sessions ---------------------------------------------------------------------------------
    def make_session(self, user_id: int, *, now: float | None = None) -> str:
        issued = time.time() if now is None else now
        body = {
            "uid": int(user_id),
            "iat": int(issued),
            "exp": int(issued + self._max_age),
            "n": secrets.token_hex(8),
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._mac('session', payload)}"

    def read_session(self, token: str | None, *, now: float | None = None) -> Session | None:
        """The session a cookie holds, or None when absent, tampered with or expired."""
        if not token or len(token) > 512 or token.count(".") != 1:
            return None
        payload, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac("session", payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            session = Session(int(body["uid"]), float(body["iat"]), float(body["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        current = time.time() if now is None else now
        return session if session.expires_at > current else None

    # CSRF -------------------------------------------------------------------------------------
    def make_csrf(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{self._mac('csrf', nonce)}"

    def csrf_ok(self, cookie: str | None, header: str | None) -> bool:
        """True when the header equals the cookie and the token is one this server signed."""
        if not cookie or not header or len(cookie) > 200 or not hmac.compare_digest(cookie, header):
            return False
        nonce, _, mac = cookie.partition(".")
        return bool(nonce) and hmac.compare_digest(mac, self._mac("csrf", nonce))
