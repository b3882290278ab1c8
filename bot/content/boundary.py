"""The content folder is a boundary: a file is read only when its resolved path lies inside the
resolved folder. The check is made on the opened file itself (its path from /proc, or a
re-resolve compared by device and inode), so a link swapped in between the check and the read
cannot lead out of the folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

OUTSIDE_REASON = "links outside the content folder are not followed"
"""The words `herald check` and the log use for a file or folder that leads out of the folder."""

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 16
# Linux: a descriptor naming a place without opening it (no device is opened, no FIFO waited on).
_O_PATH = getattr(os, "O_PATH", 0)
_DELETED = " (deleted)"


class OutsideFolder(OSError):
    """The path (or the file actually opened) lies outside the folder it must stay in."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(OUTSIDE_REASON)
        self.strerror = OUTSIDE_REASON
        self.filename = str(path)


class NotAFile(OSError):
    """The path is a folder, a pipe, a device: nothing a post can be."""

    def __init__(self, path: Path | str) -> None:
        super().__init__("not a regular file")
        self.strerror = "not a regular file"
        self.filename = str(path)


def resolved(path: Path | str) -> str:
    """Return `os.path.realpath(path)`. For a path that exists, the kernel resolves it in one
    step: the path opened with O_PATH (which opens nothing) and named by /proc/self/fd, instead
    of one `lstat` per part; anything else (no such path, no /proc) goes to `os.path.realpath`."""
    if _O_PATH:
        try:
            fd = os.open(path, _O_PATH | os.O_CLOEXEC)
        except (OSError, ValueError):
            return os.path.realpath(path)
        try:
            found = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            found = ""
        finally:
            os.close(fd)
        if found.startswith(os.sep) and not found.endswith(_DELETED):
            return found
    return os.path.realpath(path)


def is_inside(path: Path | str, root: Path | str) -> bool:
    """Tell whether `path`, with every link followed, is `root` (resolved) or lies under it."""
    return _under(resolved(path), resolved(root))


def leads_outside(path: Path | str, root: Path | str) -> bool:
    """Tell whether `path` names a place under `root` (by name) that a link leads out of it."""
    full = os.path.abspath(path)
    under_name = _under(full, os.path.abspath(root)) or _under(full, os.path.realpath(root))
    return under_name and os.path.lexists(full) and not is_inside(full, root)


def read_inside(path: Path | str, root: Path | str, *, max_bytes: int) -> tuple[bytes | None, os.stat_result]:
    """Read a regular file that must lie inside `root`; the bytes are None when it is larger than
    `max_bytes` (nothing is read then). Raises `OutsideFolder`, `NotAFile` or another `OSError`."""
    real_root = resolved(root)
    real = resolved(path)
    if not _under(real, real_root):
        raise OutsideFolder(path)
    fd = os.open(real, _FLAGS)  # O_NOFOLLOW: the last part cannot have become a link since
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(path)
        opened = _opened_path(fd, real, info)
        if opened is None or not _under(opened, real_root):
            raise OutsideFolder(path)
        if info.st_size > max_bytes:
            return None, info
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0 and (chunk := os.read(fd, min(_CHUNK, left))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:  # it grew while being read
            return None, info
        return data, info
    finally:
        os.close(fd)


def _opened_path(fd: int, real: str, info: os.stat_result) -> str | None:
    """Where the open file really is: /proc's word for it, else a fresh resolve of the same inode."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
    again = os.path.realpath(real)
    try:
        now = os.stat(again)
    except OSError:
        return None
    return again if (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino) else None


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
