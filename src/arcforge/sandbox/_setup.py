"""What a fork server does to itself once, and to each program child it forks (stdlib only).

:class:`Confinement` holds the order the layers go on in, which matters:

1. ``isolate``: join the worker's cgroup (``_cgroups``, while ``/sys`` is still visible); enter the
   namespaces and build the private root (``_isolation``), or, with no namespaces, the basic layer,
   which refuses to run as root and prepares a Landlock rule set (``_landlock``) for the children;
2. the solver libraries are imported (``_libimport``), inside all of the above;
3. ``finish``: ignore SIGINT/SIGTERM, not dumpable, ``no_new_privs``, a fresh empty session keyring,
   then the seccomp filter (``_seccomp``), inherited by every child and never lifted;
4. per child, ``confine_child``: own session, only its channel left open, fresh working directory,
   resource limits, Landlock (basic mode), its own uid.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import _cgroups
import _cleanup
import _guard
import _isolation
import _landlock
import _seccomp
from _isolation import IsolationError, rlimits
from _libimport import LibraryError, load_libraries

__all__ = ["Confinement", "SetupError", "load_libraries", "remove_workdir", "rlimits"]

_KEYCTL = {"x86_64": 250, "aarch64": 219, "arm64": 219}
KEYCTL_JOIN_SESSION_KEYRING = 1
CHILD_UID_IN_NAMESPACE = 1


class SetupError(Exception):
    """The worker cannot be set up safely; the message says why and what to do."""


class Confinement:
    def __init__(self, config: dict[str, Any]) -> None:
        self.libc = _isolation.Libc()
        self.mode = str(config.get("mode", "auto"))
        self.as_root = os.geteuid() == 0
        self.config_uid = int(config.get("uid") or 0)
        self.uid: int | None = self.config_uid if self.as_root and self.mode != "user-namespace" else None
        self.tmp_bytes = int(config.get("tmp_bytes", 16 << 20))
        self.cgroup_limits: dict[str, int] = dict(config.get("cgroup") or {})
        self.namespaces = False
        self.second_uid = False
        self.runs_base = "/tmp"
        self.landlock_fd = -1
        self.readable: list[str] = []
        self.info: dict[str, Any] = {}
        self.keyring = _KEYCTL.get(os.uname().machine)
        self.seccomp = _seccomp.Seccomp()
        self.libc.prctl(_isolation.PR_SET_PDEATHSIG, signal.SIGKILL)

    def fork(self) -> int:
        return int(self.libc.fork())

    def isolate(self) -> dict[str, Any]:
        numpy = sys.modules.get("numpy")
        prefix = (
            os.path.dirname(os.path.dirname(numpy.__file__ or "")) if numpy is not None else "/nonexistent"
        )
        packages = [
            os.path.join(prefix, n) for n in ("numpy", "numpy.libs") if os.path.isdir(os.path.join(prefix, n))
        ]
        self.readable = _isolation.readonly_paths(packages)
        info: dict[str, Any] = {"mode": "basic", "uid": self.uid, "namespaces": False, "reason": ""}
        info["cgroup"] = _cgroups.join(self.cgroup_limits) if self.cgroup_limits else {"kind": "none"}
        if self.mode != "basic":
            info.update(self._enter_namespaces())
        if not self.namespaces:
            info.update(self._basic(info.get("reason") or "basic mode was asked for"))
        self.info = info
        return info

    def _enter_namespaces(self) -> dict[str, Any]:
        try:
            user_namespace = self.mode == "user-namespace"
            info = _isolation.enter_worker_namespaces(
                self.libc, user_namespace=user_namespace, spare_uid=self.config_uid
            )
        except IsolationError as exc:
            return {"reason": str(exc)}
        self.second_uid = bool(info.get("second_uid"))
        _isolation.become_namespace_init(self.libc)
        try:
            staging = _isolation.staging_dir(self.readable)
            _isolation.build_root(
                self.libc, staging=staging, readonly=self.readable, tmp_bytes=self.tmp_bytes
            )
        except OSError as exc:
            if self.mode == "user-namespace":
                raise
            return {**info, "mount": False, "reason": f"no private file-system view ({exc})"}
        self.namespaces = True
        return {**info, "mode": "namespaces", "namespaces": True}

    def _basic(self, reason: str) -> dict[str, Any]:
        """Without namespaces: never as root; otherwise Landlock (where the kernel has it) + seccomp."""
        if self.as_root:
            raise SetupError(
                f"the sandbox will not run untrusted programs as root without kernel namespaces ({reason}): "
                "run arcforge as an ordinary user (the basic layer then adds Landlock and seccomp), or allow "
                "namespaces (a container needs CAP_SYS_ADMIN, or user namespaces with Debian's uidmap)"
            )
        self.runs_base = _isolation.private_runs_dir()
        self.landlock_fd, landlock = _landlock.ruleset(readable=self.readable, writable=self.runs_base)
        return {"uid": None, "landlock": landlock, "reason": reason}

    def finish(self) -> None:
        """The last set-up steps, after the libraries are imported: signals, privileges, the filter."""
        for number in (
            signal.SIGINT,
            signal.SIGTERM,
            signal.SIGHUP,
            signal.SIGQUIT,
            signal.SIGUSR1,
            signal.SIGUSR2,
        ):
            signal.signal(number, signal.SIG_IGN)
        self.libc.prctl(_isolation.PR_SET_DUMPABLE, 0)
        self.libc.prctl(_isolation.PR_SET_NO_NEW_PRIVS, 1)  # inherited by every child, irreversible
        self._fresh_keyring()  # before the filter, which then refuses every keyring call
        self.info["seccomp"] = self.seccomp.load()
        os.environ.clear()
        if os.environ or os.getenv("PATH") is not None:
            raise SetupError("the sandbox could not empty its environment")

    def confine_child(self, *, keep_fd: int, workdir: str, limits: list[tuple[int, int]]) -> None:
        """Confine a freshly forked child before it reads its request or runs anything of it."""
        uid = self.uid
        if self.second_uid:
            uid = CHILD_UID_IN_NAMESPACE
        if uid is not None:
            os.chown(workdir, uid, uid)
        if self.landlock_fd >= 0:
            _landlock.restrict_self(self.landlock_fd)
        _isolation.confine_child(self.libc, keep_fd=keep_fd, workdir=workdir, limits=limits, uid=uid)
        if uid is None:
            self.libc.drop_capabilities()
        if not self.namespaces:  # last: the audit hook refuses ctypes, which the steps above use
            _guard.install(workdir=workdir, readable=self.readable)

    def _fresh_keyring(self) -> None:
        """Join a new, empty, anonymous session keyring, which every child inherits.

        Nothing of whoever started arcforge is reachable through it, and since the filter refuses
        ``keyctl``, ``add_key`` and ``request_key``, no program can put anything in it (or in the
        user keyring) for the next. Joining one per child would cost about 0.3 ms of CPU each.
        """
        if self.keyring is not None:
            self.libc.syscall(
                self.keyring, KEYCTL_JOIN_SESSION_KEYRING, 0, what="keyctl(JOIN_SESSION_KEYRING)"
            )
            self.info["session_keyring"] = "fresh, per worker"


def remove_workdir(path: str) -> None:
    """Remove a run's directory whatever it holds; never raises (the server must go on serving)."""
    try:
        os.rmdir(path)
        return
    except OSError:
        pass
    try:
        _cleanup.remove_tree(path)
    except Exception:  # the name is random and never reused: a leftover cannot reach the next run
        pass


__all__ += ["LibraryError"]
