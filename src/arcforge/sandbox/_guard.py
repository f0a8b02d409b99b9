"""The Python-level guard for machines that allow no namespaces (stdlib only).

Where the kernel refuses mount and network namespaces (an unprivileged container, say), the fork
server still confines each child with resource limits and a fresh working directory, and adds this
layer: an audit hook (:pep:`578`) that refuses sockets, new processes, signals to other processes,
``ctypes`` (the easy way around any Python-level check), POSIX shared memory and semaphores
(which outlive a process) and opening files outside the working directory and the library
directories. An audit hook cannot be removed once added, but it is not a
kernel boundary: native code could still get around it. ``docs/sandbox.md`` says so.
"""

from __future__ import annotations

import os
import sys

REFUSED = frozenset(
    {
        "socket.__new__",
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "os.kill",
        "os.killpg",
        "os.putenv",
        "pty.spawn",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.call_function",
        "ctypes.cdata",
        "ctypes.addressof",
        "mmap.__new__",
    }
)
_MODULES = frozenset({"_posixshmem", "_multiprocessing", "_xxsubinterpreters"})  # POSIX shm, semaphores
_LISTING = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.chdir"})
_WRITING = frozenset({"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.chmod"})


def install(*, workdir: str, readable: list[str]) -> None:
    """Add the audit hook: read under ``readable`` and ``workdir``, write only under ``workdir``."""
    work = os.path.realpath(workdir).rstrip("/") + "/"
    roots = tuple(os.path.realpath(p).rstrip("/") + "/" for p in readable) + (
        work,
        "/dev/null/",
        "/dev/urandom/",
    )
    realpath, fspath = os.path.realpath, os.fspath

    def inside(path: object, allowed: tuple[str, ...]) -> bool:
        if isinstance(path, int):
            return True
        try:
            full: str | bytes = realpath(fspath(path))  # type: ignore[call-overload]
        except (TypeError, ValueError, OSError):
            return False
        if isinstance(full, bytes):
            full = full.decode("utf-8", "surrogateescape")
        return (full.rstrip("/") + "/").startswith(allowed)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event in REFUSED:
            raise PermissionError(f"the sandbox refuses {event}")
        if event == "import" and args and args[0] in _MODULES:
            raise PermissionError(f"the sandbox refuses to import {args[0]}")
        if event == "open":
            path, mode = args[0], args[1]
            writing = isinstance(mode, str) and any(ch in mode for ch in "wax+")
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = writing or bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if not inside(path, (work,) if writing else roots):
                raise PermissionError(f"the sandbox refuses to open {path!r}")
        elif event in _LISTING:
            if args and args[0] is not None and not inside(args[0], roots):
                raise PermissionError(f"the sandbox refuses {event} of {args[0]!r}")
        elif event in _WRITING and args and not inside(args[0], (work,)):
            raise PermissionError(f"the sandbox refuses {event} of {args[0]!r}")

    sys.addaudithook(hook)
