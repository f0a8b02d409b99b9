"""Landlock for the basic layer (no namespaces, not root): a kernel-enforced file-system view.

The fork server builds one rule set at start: read files and list directories below the library
directories Python needs, read and write (but never execute) below the worker's private runs
directory, write ``/dev/null``; nothing else, and no ``execve`` anywhere. Each child calls only
``landlock_restrict_self`` with it (one system call), before anything of the program runs. Unlike
the audit hook, native code cannot get around it. Stdlib only (``ctypes`` system calls: Python has
no Landlock module).
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446  # the same numbers on x86_64 and arm64
_CREATE_VERSION = 1
_RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_ALL = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char..sym
REFER, TRUNCATE = 1 << 13, 1 << 14
_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def ruleset(*, readable: list[str], writable: str) -> tuple[int, dict[str, Any]]:
    """A rule set's descriptor (-1 when the kernel has no Landlock) and what it enforces."""
    libc = _libc()
    abi = libc.syscall(_CREATE, None, ctypes.c_size_t(0), _CREATE_VERSION)
    if abi < 1:
        return -1, {
            "enabled": False,
            "reason": f"no Landlock in this kernel ({os.strerror(ctypes.get_errno())})",
        }
    handled = _ALL_BY_ABI.get(abi, (1 << 15) - 1)
    attr = _RulesetAttr(handled)
    fd = libc.syscall(_CREATE, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), 0)
    if fd < 0:
        return -1, {"enabled": False, "reason": os.strerror(ctypes.get_errno())}
    read = READ_FILE | READ_DIR
    write = handled & ~EXECUTE
    rules = [(path, read) for path in readable]
    rules += [("/dev/urandom", READ_FILE), ("/dev/null", READ_FILE | WRITE_FILE | (handled & TRUNCATE))]
    rules.append((writable, write))
    for path, access in rules:
        _add(libc, fd, path, access)
    os.set_inheritable(fd, False)
    return fd, {"enabled": True, "abi": int(abi)}


def _add(libc: Any, ruleset_fd: int, path: str, access: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= READ_FILE | WRITE_FILE | EXECUTE | TRUNCATE
        rule = _PathBeneath(access, target)
        if libc.syscall(_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"landlock_add_rule {path}: {os.strerror(code)}")
    finally:
        os.close(target)


def restrict_self(ruleset_fd: int) -> None:
    """Put this process (a program child, before it runs anything) under the rule set; irreversible."""
    if _libc().syscall(_RESTRICT, ruleset_fd, 0) < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"landlock_restrict_self: {os.strerror(code)}")
    os.close(ruleset_fd)
