"""The system-call filter every program child runs under, built with libseccomp (stdlib + binding).

The filter is built through ``pyseccomp`` (a ctypes binding to the system's ``libseccomp.so.2``,
Debian's ``libseccomp2``; the upstream ``seccomp`` module is used instead when installed: the API is
the same), in a helper process, and the BPF program libseccomp compiles is loaded once in the fork
server after its set-up, so every child inherits it and a fork costs nothing more. A filter can
never be removed, only narrowed.

Default: allow. Denied (``EPERM`` unless said otherwise) are the calls a solver never needs and
that reach kernel state shared beyond the child, or the kernel's riskiest code: new namespaces
(``unshare``, ``setns``, ``clone`` with any namespace flag; ``clone3``, whose flags sit in a struct
a filter cannot read, fails with ``ENOSYS`` so libc falls back to ``clone``), the mount family, the
kernel keyrings (``keyctl``, ``add_key``, ``request_key``: the server joined a fresh, empty session
keyring just before loading the filter), POSIX message queues, ``io_uring``, ``userfaultfd``, ``bpf``, ``perf_event_open``,
``ptrace`` and cross-process memory access, ``memfd_create``/``memfd_secret`` (memory outside
``RLIMIT_AS``), module loading, ``kexec``, ``open_by_handle_at``, ``pidfd_getfd``, and sockets of
any family but ``AF_UNIX`` (no netlink, packet, vsock or IP sockets). System calls of another
architecture (32-bit ``int 0x80``) kill the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
from typing import Any

AF_UNIX = 1
NAMESPACE_FLAGS = (
    0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080,
)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME  # fmt: skip
DENIED = (
    "unshare", "setns", "keyctl", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
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
    """The filter, compiled by libseccomp at start in a short-lived helper process.

    The helper (forked before the server isolates itself) imports the binding, builds the filter and
    hands back libseccomp's BPF program; the server loads exactly that program later. So libseccomp,
    the binding and what they import (``subprocess``, for ``find_library``) never enter the server's
    address space, which every program child copies: fewer mappings make every fork cheaper.
    """

    def __init__(self) -> None:
        self.error = ""
        self.program = b""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            code = 0
            try:
                with os.fdopen(write_end, "wb") as out:
                    build(_binding()).export_bpf(out)
            except BaseException as exc:
                os.write(2, f"{type(exc).__name__}: {exc}".encode()[:500])
                code = 1
            os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            self.program = pipe.read()
        status = os.waitpid(pid, 0)[1]
        if os.waitstatus_to_exitcode(status) != 0 or not self.program or len(self.program) % 8:
            self.error = "the filter could not be built (is pyseccomp installed, and Debian's libseccomp2?)"
            self.program = b""

    def load(self) -> dict[str, Any]:
        """Install the filter on this process (``no_new_privs`` must be set); children inherit it."""
        if not self.program:
            return {"loaded": False, "reason": self.error}
        buffer = ctypes.create_string_buffer(self.program, len(self.program))
        program = _SockFprog(len(self.program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"seccomp filter: {os.strerror(code)}")
        self.program = b""
        return {"loaded": True, "denied": len(DENIED) + 4, "instructions": program.len}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


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
    flt.add_rule(lib.ERRNO(errno.EAFNOSUPPORT), "socket", lib.Arg(0, lib.NE, AF_UNIX))
    flt.add_rule(lib.ERRNO(errno.EAFNOSUPPORT), "socketpair", lib.Arg(0, lib.NE, AF_UNIX))
    return flt
