"""Remember the problems found per file, so each is reported once: when the file is first seen
broken, and again only when the file (its size and mtime) or its problems change. A file that is
fixed, deleted or gone from the folder is forgotten, so breaking it again is reported again."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.article import Problem

Signature = tuple[int, int] | None
"""(size, mtime_ns) of the file as read; None for a place with no file (a missing folder)."""


class ProblemMemory:
    """What was last reported for each path (POSIX, under the content folder)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[Signature, tuple[str, ...]]] = {}

    def note(self, path: str, signature: Signature, problems: Iterable[Problem]) -> list[Problem]:
        """Record what `path` has now; return the problems to report (none when already reported)."""
        found = list(problems)
        if not found:
            self._known.pop(path, None)
            return []
        entry = (signature, tuple(str(problem) for problem in found))
        if self._known.get(path) == entry:
            return []
        self._known[path] = entry
        return found

    def forget_under(self, paths: Iterable[str]) -> None:
        """Forget these paths and everything under them (deleted files and folders)."""
        for gone in paths:
            for path in [p for p in self._known if p == gone or p.startswith(gone + "/")]:
                del self._known[path]

    def keep_only(self, paths: set[str]) -> None:
        """Forget every path not in `paths` (after a full scan: the files that are still there)."""
        for path in [p for p in self._known if p not in paths]:
            del self._known[path]

    def __contains__(self, path: object) -> bool:
        return path in self._known
