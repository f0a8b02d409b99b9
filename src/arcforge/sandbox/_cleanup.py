"""Remove a program's working directory whatever it left there (stdlib only, runs in the fork server).

``shutil.rmtree`` recurses once per directory level, so a program that nests about a thousand
directories makes it raise ``RecursionError``; and a path of that depth is longer than ``PATH_MAX``.
:func:`remove_tree` uses no recursion and no long paths: it holds one descriptor for the top
directory and one for a child at a time, deletes what is in the child and *lifts* the child's own
subdirectories up to the top (``renameat``), so every pass removes one level of nesting everywhere.
Permissions a program took away (``chmod 000``) are given back first (with ``fchmod``: the
``AT_SYMLINK_NOFOLLOW`` form needs ``/proc``, which the sandbox has not), and symbolic links are
removed, never followed.
"""

from __future__ import annotations

import os
import stat

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything below it, at any depth; raises ``OSError`` if it cannot."""
    top = os.open(path, _DIR_FLAGS)
    lifted = 0
    try:
        while True:
            entries = _list(top)
            if not entries:
                break
            for name, is_dir in entries:
                if not is_dir:
                    os.unlink(name, dir_fd=top)
                    continue
                lifted = _empty_child(top, name, lifted)
                os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(path)


def _list(fd: int) -> list[tuple[str, bool]]:
    with os.scandir(fd) as entries:
        return [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]


def _empty_child(top: int, name: str, lifted: int) -> int:
    """Empty the directory ``name`` in ``top``: delete its files, move its directories into ``top``."""
    try:
        child = os.open(name, _DIR_FLAGS, dir_fd=top)
    except PermissionError:  # its owner made it unreadable (only possible when we are that owner)
        os.chmod(name, 0o700, dir_fd=top)  # a directory, not a link: the caller checked, nothing runs
        child = os.open(name, _DIR_FLAGS, dir_fd=top)
    if stat.S_IMODE(os.fstat(child).st_mode) & 0o700 != 0o700:
        os.fchmod(child, 0o700)
    try:
        for inner, is_dir in _list(child):
            if not is_dir:
                os.unlink(inner, dir_fd=child)
                continue
            while True:
                lifted += 1
                target = f".lifted-{lifted}"
                try:
                    os.stat(target, dir_fd=top, follow_symlinks=False)
                except FileNotFoundError:
                    break
            os.rename(inner, target, src_dir_fd=child, dst_dir_fd=top)
    finally:
        os.close(child)
    return lifted
