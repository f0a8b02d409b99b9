"""Kernel isolation for the fork server and its program children (stdlib only, Linux only).

This module runs inside the fork server, which imports nothing from arcforge: it is loaded by file
path, not as part of the package. It does two kinds of work:

* **once per worker** (:func:`enter_worker_namespaces`, :func:`build_root`): new mount, network,
  IPC, UTS and PID namespaces (plus a user namespace when not root), and a fresh root file system: a
  tmpfs holding read-only bind mounts of exactly what Python needs (its standard library and shared
  libraries, numpy) and an empty ``/tmp``, entered with ``pivot_root``. Namespaces are made once
  because a network namespace costs milliseconds to create and tear down; every program child is
  forked inside them and inherits them.
* **once per program child** (:func:`confine_child`): its own session, only the result pipe left
  open, a fresh working directory in the worker's size-limited tmpfs (removed after it ends), resource
  limits, an unprivileged uid of its own with no capabilities, ``no_new_privs``.

Everything goes through libc with ``ctypes`` because Python 3.11 has no ``os.unshare``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import sysconfig
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38

_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41}
_CAPSET = {"x86_64": 126, "aarch64": 91, "arm64": 91}
_LAST_CAP = 63


class IsolationError(Exception):
    """A namespace or mount operation the kernel refused."""


class Libc:
    """The few libc calls the sandbox needs, each raising :class:`OSError` on failure."""

    def __init__(self) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_void_p]
        self._libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        self._libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        self._fork = ctypes.PyDLL(None, use_errno=True).fork  # called with the GIL held
        self._machine = platform.machine()

    def _check(self, result: int, what: str) -> None:
        if result != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")

    def fork(self) -> int:
        """libc ``fork()`` without CPython's fork hooks.

        ``os.fork`` re-initialises the runtime's locks and threads and runs every ``at-fork`` callback
        (re-seeding ``random`` among them): about half of the pages a fresh child copies before it
        does anything. The fork server has a single thread and holds no lock when it forks, so there
        is nothing to re-initialise; skipping the hooks halves the cost of starting a child. (Every
        child starts with the server's ``random`` state, which it seeded once from the OS.)
        """
        pid = int(self._fork())
        if pid < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"fork: {os.strerror(code)}")
        return pid

    def syscall(self, number: int, *args: int, what: str) -> int:
        result = int(self._libc.syscall(number, *args))
        if result < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")
        return result

    def unshare(self, flags: int) -> None:
        self._check(self._libc.unshare(flags), "unshare")

    def mount(
        self, source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
    ) -> None:
        enc = [None if v is None else v.encode() for v in (source, target, fstype)]
        options = data.encode() if data else None
        self._check(self._libc.mount(enc[0], enc[1], enc[2], flags, options), f"mount {target}")

    def umount(self, target: str) -> None:
        self._check(self._libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")

    def prctl(self, option: int, value: int) -> None:
        self._check(self._libc.prctl(option, value, 0, 0, 0), f"prctl {option}")

    def pivot_root(self, new_root: str, put_old: str) -> None:
        number = _PIVOT_ROOT.get(self._machine)
        if number is None:
            raise OSError(errno.ENOSYS, f"pivot_root: unknown syscall number on {self._machine}")
        self._check(self._libc.syscall(number, new_root.encode(), put_old.encode()), "pivot_root")

    def drop_capabilities(self) -> None:
        """Empty the bounding, effective, permitted and inheritable capability sets."""
        for cap in range(_LAST_CAP + 1):
            if self._libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
                break
        number = _CAPSET.get(self._machine)
        if number is None:
            return
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()
        self._check(self._libc.syscall(number, header, data), "capset")


def enter_worker_namespaces(
    libc: Libc, *, user_namespace: bool = False, spare_uid: int = 0
) -> dict[str, Any]:
    """Unshare mount, network, IPC, UTS and PID namespaces for this worker; say which took effect.

    As root this needs nothing more; otherwise (or when ``user_namespace`` asks for it) a user
    namespace comes first (:func:`_enter_user_namespace`). Raises :class:`IsolationError` when the
    kernel allows no such namespaces.
    """
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    info: dict[str, Any] = {"user_namespace": False, "second_uid": False}
    if os.geteuid() != 0 or user_namespace:
        info.update(_enter_user_namespace(libc, spare_uid))
    try:
        libc.unshare(flags)
    except OSError as exc:
        raise IsolationError(f"namespaces refused ({exc})") from None
    libc.mount(None, "/", None, MS_REC | MS_PRIVATE)
    info.update(mount=True, network=True, pid=True, ipc=True, sysv_ipc_disabled=_disable_ipc())
    return info


def _enter_user_namespace(libc: Libc, spare_uid: int) -> dict[str, Any]:
    """A user namespace mapping our uid to 0 and, where possible, a second uid to 1 for the children.

    Only a process outside the namespace may write a map of two ids, so a helper forked first does
    it once we have unshared: as root it writes the maps itself (the second id is ``spare_uid``);
    otherwise it runs Debian uidmap's set-uid ``newuidmap``/``newgidmap`` with the first id of the
    user's ``/etc/subuid`` and ``/etc/subgid`` ranges. If that fails the namespace maps our uid
    alone and children share it (``second_uid`` false, ``uid_warning`` says why).
    """
    uid, gid = os.geteuid(), os.getegid()
    go_read, go_write = os.pipe()
    done_read, done_write = os.pipe()
    helper = os.fork()
    if helper == 0:
        os.close(go_write)
        os.close(done_read)
        target = os.getppid()
        answer = b"-"
        if os.read(go_read, 1) == b"u":
            answer = _write_two_id_maps(target, uid, gid, spare_uid)
        os.write(done_write, answer)
        os._exit(0)
    os.close(go_read)
    os.close(done_write)
    try:
        try:
            libc.unshare(CLONE_NEWUSER)
        except OSError as exc:
            os.write(go_write, b"x")
            raise IsolationError(f"no user namespace for a non-root user ({exc})") from None
        os.write(go_write, b"u")
        answer = os.read(done_read, 4096)
    finally:
        os.close(go_write)
        os.close(done_read)
        os.waitpid(helper, 0)
    if answer == b"ok":
        return {"user_namespace": True, "second_uid": True}
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")
    return {"user_namespace": True, "second_uid": False, "uid_warning": answer.decode(errors="replace")}


def _write_two_id_maps(pid: int, uid: int, gid: int, spare_uid: int) -> bytes:
    try:
        if os.geteuid() == 0:
            _write(f"/proc/{pid}/uid_map", f"0 {uid} 1\n1 {spare_uid} 1")
            _write(f"/proc/{pid}/gid_map", f"0 {gid} 1\n1 {spare_uid} 1")
            return b"ok"
        sub_uid, sub_gid = _subordinate("/etc/subuid", uid), _subordinate("/etc/subgid", gid)
        if sub_uid is None or sub_gid is None:
            return b"no /etc/subuid or /etc/subgid range for this user (see useradd, usermod --add-subuids)"
        for tool, own, sub in (("newuidmap", uid, sub_uid), ("newgidmap", gid, sub_gid)):
            path = next(
                (f"{d}/{tool}" for d in ("/usr/bin", "/bin", "/usr/sbin") if os.path.exists(f"{d}/{tool}")),
                None,
            )
            if path is None:
                return f"{tool} is not installed (Debian package uidmap)".encode()
            argv = [path, str(pid), "0", str(own), "1", "1", str(sub), "1"]
            child = os.posix_spawn(path, argv, {})
            if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
                return f"{tool} refused to map a second id".encode()
        return b"ok"
    except OSError as exc:
        return f"could not map a second id: {exc}".encode()


def _subordinate(path: str, own: int) -> int | None:
    """The first id of this user's subordinate range in ``/etc/subuid``-style ``path``."""
    import pwd

    try:
        names = {str(own), pwd.getpwuid(own).pw_name}
    except KeyError:
        names = {str(own)}
    try:
        with open(path) as handle:
            for line in handle:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[0] in names and int(parts[2]) >= 1:
                    return int(parts[1])
    except (OSError, ValueError):
        return None
    return None


def become_namespace_init(libc: Libc) -> None:
    """Fork the process that is pid 1 of the new PID namespace; the original waits and exits."""
    child = os.fork()
    if child:
        for fd in (0, 1):
            os.close(fd)
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _disable_ipc() -> bool:
    """Allow no System V IPC objects and no POSIX message queues in the worker's IPC namespace.

    Such objects outlive the process that made them, so one program could leave data (or hold
    memory) for the next. These limits are per IPC namespace: the host keeps its own. (The seccomp
    filter refuses the ``mq_*`` calls too.)
    """
    settings = (
        ("kernel/shmmni", "0"), ("kernel/msgmni", "0"), ("kernel/sem", "0 0 0 0"),
        ("fs/mqueue/queues_max", "0"),
    )  # fmt: skip
    try:
        for name, value in settings:
            _write(f"/proc/sys/{name}", value)
    except OSError:
        return False
    return True


def private_runs_dir() -> str:
    """Basic mode: a directory of our own (mode 0700, random name) to hold each run's directory."""
    import tempfile

    return tempfile.mkdtemp(prefix="arcforge-sandbox-")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def readonly_paths(extra_packages: list[str]) -> list[str]:
    """Directories a program's Python needs: the standard library, shared libraries, given packages."""
    paths = set()
    stdlib = sysconfig.get_paths()["stdlib"]
    paths.add(os.path.dirname(stdlib))  # .../lib: the stdlib and a shared libpython
    for lib in ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"):
        real = os.path.realpath(lib)
        if os.path.isdir(real):
            paths.add(real)
    for package in extra_packages:
        paths.add(package)
    # Drop paths nested in other paths: one bind covers them.
    ordered = sorted(paths)
    return [p for p in ordered if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in ordered)]


_STAGING_CANDIDATES = ("/mnt", "/media", "/srv", "/run", "/var/tmp", "/tmp")


def staging_dir(readonly: list[str]) -> str:
    """An existing directory to build the new root on, that holds none of the paths to bind.

    The tmpfs mounted on it hides what it held, so a path to bind that lives below it (a project
    cloned under ``/tmp`` keeps its virtualenv's numpy there) would vanish before it is bound.
    """
    for candidate in _STAGING_CANDIDATES:
        below = candidate.rstrip("/") + "/"
        holds_needed = any(path == candidate or path.startswith(below) for path in readonly)
        if os.path.isdir(candidate) and not os.path.islink(candidate) and not holds_needed:
            return candidate
    raise OSError(
        f"no directory to build the sandbox root on: each of {_STAGING_CANDIDATES} holds a needed path"
    )


def build_root(libc: Libc, *, staging: str, readonly: list[str], tmp_bytes: int) -> None:
    """Build a tmpfs root of read-only binds plus a writable tmpfs ``/tmp``; ``pivot_root`` into it.

    ``staging`` is any existing directory; in this private mount namespace a tmpfs mounted on it
    hides whatever the host keeps there. Only root may write to ``/tmp`` itself; each program gets a
    fresh directory in it, owned by its uid, which the server removes when the program ends.
    """
    libc.mount("sandbox", staging, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path in readonly:
        target = staging + path
        os.makedirs(target, exist_ok=True)
        libc.mount(path, target, None, MS_BIND | MS_REC)
        libc.mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for link in ("/lib", "/lib64", "/bin"):
        real = os.path.realpath(link)
        if os.path.islink(link) and real in readonly and not os.path.lexists(staging + link):
            os.symlink(real.lstrip("/"), staging + link)
    os.makedirs(staging + "/dev", exist_ok=True)
    for device in ("null", "zero", "urandom", "random"):
        target = f"{staging}/dev/{device}"
        with open(target, "w"):
            pass
        libc.mount(f"/dev/{device}", target, None, MS_BIND)
    os.makedirs(staging + "/tmp", mode=0o755, exist_ok=True)
    libc.mount(
        "work",
        staging + "/tmp",
        "tmpfs",
        MS_NOSUID | MS_NODEV | MS_NOEXEC,
        f"size={tmp_bytes},nr_inodes=1024,mode=0755",
    )
    os.chdir(staging)
    os.makedirs(".old", exist_ok=True)
    libc.pivot_root(".", ".old")
    os.chdir("/")
    libc.umount("/.old")
    os.rmdir("/.old")
    libc.mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def confine_child(
    libc: Libc, *, keep_fd: int, workdir: str, limits: list[tuple[int, int]], uid: int | None
) -> None:
    """Confine a freshly forked program child before it runs anything of the program.

    It leaves its parent's session, keeps only its channel (stdin, stdout and stderr become
    ``/dev/null``), moves into ``workdir`` (fresh and empty), takes its resource limits and, given
    a ``uid``, becomes it with no groups (so it holds no capabilities).
    """
    os.setsid()
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, max(65536, min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 1 << 20)))
    os.chdir(workdir)
    set_limits(limits)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    # Not done here, for speed: the server already set PR_SET_NO_NEW_PRIVS (inherited, irreversible)
    # and emptied its environment (copied), before its first fork.


def rlimits(limits: dict[str, int]) -> list[tuple[int, int]]:
    """``(resource, value)`` pairs for :func:`set_limits` from names without the ``RLIMIT_`` prefix."""
    return [(getattr(resource, f"RLIMIT_{name.upper()}"), value) for name, value in limits.items()]


def set_limits(limits: list[tuple[int, int]]) -> None:
    """Apply each limit as both its soft and its hard value (so the program cannot raise it)."""
    setrlimit = resource.setrlimit
    for which, value in limits:
        setrlimit(which, (value, value))
