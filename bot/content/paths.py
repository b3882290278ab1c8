"""A post's path under the content folder, parsed once per file: the loader, the slug rules and
the permalink all ask about the same path (its suffix, its folders, its stem)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath


@lru_cache(maxsize=64)
def posix_path(rel_path: str) -> PurePosixPath:
    """Return `rel_path` as a PurePosixPath (a small cache: the same file asks several times)."""
    return PurePosixPath(rel_path)
