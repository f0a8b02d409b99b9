"""Accounts and login sessions.

Passwords are hashed with argon2id (argon2-cffi); a login against an unknown name still spends one
verification, so timing does not reveal which names exist. Names are case-insensitively unique.
Sessions are random tokens of which only the sha256 is stored: a stolen database does not yield
usable cookies. The web app may use these sessions or its own signed cookies.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, select

from arcforge.limits import NAME_PATTERN, NAME_RULE, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS
from arcforge.store import schema
from arcforge.store.db import Database, inserted_id, utcnow
from arcforge.store.errors import Conflict, InvalidInput, NotFound
from arcforge.store.values import ROLES, User

__all__ = ["MIN_PASSWORD_LENGTH", "NAME_PATTERN", "UsersMixin", "user_from_row"]

# the limits live in arcforge.limits (one definition for the store, the API and the pages)
MIN_PASSWORD_LENGTH = PASSWORD_MIN_CHARS
MAX_PASSWORD_LENGTH = PASSWORD_MAX_CHARS
_u = schema.users
_s = schema.sessions


def user_from_row(row: Any) -> User:
    return User(id=row.id, name=row.name, role=row.role, created_at=row.created_at)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UsersMixin:
    _db: Database
    _hasher: PasswordHasher

    @functools.cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("arcforge-no-such-user")

    def create_user(self, name: str, password: str, *, role: str = "contributor") -> User:
        """A new account; raises :class:`InvalidInput` for a bad name, password or role and
        :class:`Conflict` when the name (case-insensitively) is taken."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise InvalidInput(f"invalid user name {name!r}: use {NAME_RULE}")
        if role not in ROLES:
            raise InvalidInput(f"invalid role {role!r}: use one of {', '.join(ROLES)}")
        if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidInput(f"a password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        hashed = self._hasher.hash(password)

        def insert(conn: Connection) -> User:
            if conn.execute(select(_u.c.id).where(_u.c.name_key == name.lower())).first():
                raise Conflict(f"the user name {name!r} is taken: choose another")
            now = utcnow()
            new_id = inserted_id(
                conn.execute(
                    _u.insert().values(
                        name=name, name_key=name.lower(), password_hash=hashed, role=role, created_at=now
                    )
                )
            )
            return User(id=new_id, name=name, role=role, created_at=now)

        return self._db.retrying(insert)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is right, else None (also for unknown names)."""
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self._db.read() as conn:
            row = conn.execute(select(_u).where(_u.c.name_key == name.lower())).first()
        if row is None:
            try:
                self._hasher.verify(self._dummy_hash, password)
            except VerificationError:
                pass
            return None
        try:
            self._hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if self._hasher.check_needs_rehash(row.password_hash):
            with self._db.write() as conn:
                conn.execute(
                    _u.update().where(_u.c.id == row.id).values(password_hash=self._hasher.hash(password))
                )
        return user_from_row(row)

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password (and end their sessions)."""
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidInput(f"a password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        user = self.get_user(name)
        with self._db.write() as conn:
            conn.execute(
                _u.update().where(_u.c.id == user.id).values(password_hash=self._hasher.hash(password))
            )
            conn.execute(delete(_s).where(_s.c.user_id == user.id))

    def set_role(self, name: str, role: str) -> User:
        """Make a user a ``contributor`` or a ``moderator``."""
        if role not in ROLES:
            raise InvalidInput(f"invalid role {role!r}: use one of {', '.join(ROLES)}")
        user = self.get_user(name)
        with self._db.write() as conn:
            conn.execute(_u.update().where(_u.c.id == user.id).values(role=role))
        return User(id=user.id, name=user.name, role=role, created_at=user.created_at)

    def get_user(self, name_or_id: str | int) -> User:
        """A user by name (case-insensitive) or id; raises :class:`NotFound`."""
        user = self.find_user(name_or_id)
        if user is None:
            raise NotFound(f"no user {name_or_id!r} (see `arcforge users list`)")
        return user

    def find_user(self, name_or_id: str | int) -> User | None:
        """A user by name (case-insensitive) or id, or None."""
        cond = (
            _u.c.id == name_or_id if isinstance(name_or_id, int) else _u.c.name_key == str(name_or_id).lower()
        )
        with self._db.read() as conn:
            row = conn.execute(select(_u).where(cond)).first()
        return None if row is None else user_from_row(row)

    def list_users(self) -> list[User]:
        """Every account, oldest first."""
        with self._db.read() as conn:
            return [user_from_row(r) for r in conn.execute(select(_u).order_by(_u.c.id))]

    def count_users(self, *, role: str | None = None) -> int:
        query = select(func.count()).select_from(_u)
        if role is not None:
            query = query.where(_u.c.role == role)
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    # -- sessions -------------------------------------------------------------------------------

    def create_session(self, user_id: int, *, ttl: timedelta = timedelta(days=14)) -> str:
        """A new random session token for ``user_id`` (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self._db.write() as conn:
            conn.execute(
                _s.insert().values(
                    token_hash=_token_hash(token), user_id=user_id, created_at=now, expires_at=now + ttl
                )
            )
        return token

    def user_for_session(self, token: str) -> User | None:
        """The user a live session token belongs to, or None (unknown or expired)."""
        if not isinstance(token, str) or not token or len(token) > 256:
            return None
        query = (
            select(_u)
            .join(_s, _s.c.user_id == _u.c.id)
            .where(_s.c.token_hash == _token_hash(token), _s.c.expires_at > utcnow())
        )
        with self._db.read() as conn:
            row = conn.execute(query).first()
        return None if row is None else user_from_row(row)

    def end_session(self, token: str) -> None:
        """Log out: forget the session token (and drop every expired session)."""
        with self._db.write() as conn:
            conn.execute(
                delete(_s).where((_s.c.token_hash == _token_hash(token)) | (_s.c.expires_at <= utcnow()))
            )
