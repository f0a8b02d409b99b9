"""The system-call filter every program child runs under, built with libseccomp (stdlib + binding).

The filter is built through ``pyseccomp`` (a ctypes binding to the system's ``libseccomp.so.2``,
Debian's ``libseccomp2``; the upstream ``seccomp`` module is used instead when installed: the API is
the same) and loaded once in the fork server after its set-up, so every child inherits it and a
fork costs nothing more. A filter can never be removed, only narrowed.

Default: allow. Denied (``EPERM`` unless said otherwise) are the calls a solver never needs and
that reach kernel state shared beyond the child, or the kernel's riskiest code: new namespaces
(``unshare``, ``setns``, ``clone`` with any namespace flag; ``clone3``, whose flags sit in a struct
a filter cannot read, fails with ``ENOSYS`` so libc falls back to ``clone``), the mount family, the
kernel keyrings (``keyctl`` except joining a new anonymous session keyring, which each child does
first), POSIX message queues, ``io_uring``, ``userfaultfd``, ``bpf``, ``perf_event_open``,
``ptrace`` and cross-process memory access, ``memfd_create``/``memfd_secret`` (memory outside
``RLIMIT_AS``), module loading, ``kexec``, ``open_by_handle_at``, ``pidfd_getfd``, and sockets of
any family but ``AF_UNIX`` (no netlink, packet, vsock or IP sockets). System calls of another
architecture (32-bit ``int 0x80``) kill the process.
"""

from __future__ import annotations

import errno
from typing import Any

AF_UNIX = 1
KEYCTL_JOIN_SESSION_KEYRING = 1
NAMESPACE_FLAGS = (
    0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080,
)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME  # fmt: skip
DENIED = (
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "add_key", "request_key",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "bpf", "perf_event_open",
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
    "memfd_create", "memfd_secret", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "open_by_handle_at", "name_to_handle_at", "fanotify_init", "swapon", "swapoff",
    "reboot", "acct", "quotactl", "quotactl_fd", "lookup_dcookie", "personality", "syslog",
    "vhangup", "iopl", "ioperm", "landlock_create_ruleset",
)  # fmt: skip


def _binding() -> Any:
    try:
        import seccomp  # type: ignore[import-not-found]

        return seccomp
    except ImportError:
        import pyseccomp  # type: ignore[import-untyped]

        return pyseccomp


class Seccomp:
    """Builds the filter at start (the binding and libseccomp are loaded while the host is visible)."""

    def __init__(self) -> None:
        self.error = ""
        self.filter: Any = None
        try:
            self.filter = build(_binding())
        except Exception as exc:  # no binding, no libseccomp, an unknown architecture
            self.error = f"{type(exc).__name__}: {exc}"

    def load(self) -> dict[str, Any]:
        if self.filter is None:
            return {"loaded": False, "reason": self.error}
        self.filter.load()
        self.filter = None
        return {"loaded": True, "denied": len(DENIED) + 5}


def build(lib: Any) -> Any:
    """The filter (not yet loaded): see the module's docstring for what it denies."""
    deny = lib.ERRNO(errno.EPERM)
    flt = lib.SyscallFilter(lib.ALLOW)
    flt.set_attr(lib.Attr.ACT_BADARCH, lib.KILL_PROCESS)
    for name in DENIED:
        try:
            flt.add_rule(deny, name)
        except (ValueError, RuntimeError, OSError):  # a call this architecture does not have
            pass
    flt.add_rule(lib.ERRNO(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS:
        flt.add_rule(deny, "clone", lib.Arg(0, lib.MASKED_EQ, flag, flag))
    flt.add_rule(deny, "keyctl", lib.Arg(0, lib.NE, KEYCTL_JOIN_SESSION_KEYRING))
    flt.add_rule(deny, "keyctl", lib.Arg(1, lib.NE, 0))
    flt.add_rule(lib.ERRNO(errno.EAFNOSUPPORT), "socket", lib.Arg(0, lib.NE, AF_UNIX))
    flt.add_rule(lib.ERRNO(errno.EAFNOSUPPORT), "socketpair", lib.Arg(0, lib.NE, AF_UNIX))
    return flt
