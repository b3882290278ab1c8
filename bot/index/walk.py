"""Finding posts in the content folder (runs in a worker thread): every post file with its size and
mtime, and the links under the folder that lead out of it (reported, never followed or read)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.content.article import Problem, ProblemKind
from bot.content.boundary import OUTSIDE_REASON, is_inside
from bot.content.config import ContentConfig
from bot.content.memory import Signature
from bot.content.scanner import scan_content


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A post file: its path relative to the content folder (posix), size and mtime. (No absolute
    path is kept: a pass over 100,000 files holds one of these per file.)"""

    rel: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class OutsideLink:
    """A link (file or folder) under the content folder whose target lies outside it."""

    rel: str
    signature: Signature
    problem: Problem


@dataclass(frozen=True, slots=True)
class Walk:
    """What a walk found, by relative path; `missing` (for `stat_paths`) are paths that do not exist."""

    files: dict[str, FoundFile]
    outside: dict[str, OutsideLink]
    missing: set[str]


class Folder:
    """The content folder, as the index sees it: stat only, nothing is read here."""

    def __init__(self, content: ContentConfig) -> None:
        self._content = content
        self.root = content.root
        self._prefix = str(content.root).rstrip("/") + "/"

    def walk(self) -> Walk:
        """Find every post in the folder, and every link leading out of it."""
        files: dict[str, FoundFile] = {}
        found_all = scan_content(self._content)
        for path in found_all.posts:
            found = self._stat(path)
            if found is not None:
                files[found.rel] = found
        outside = (self._outside(path) for path in found_all.outside)
        return Walk(files, {o.rel: o for o in outside if o is not None}, set())

    def stat_paths(self, paths: list[Path]) -> Walk:
        """Look at these paths only (absolute or relative to the folder); ones outside it are ignored."""
        files: dict[str, FoundFile] = {}
        missing: set[str] = set()
        outside: dict[str, OutsideLink] = {}
        for path in paths:
            rel = self._relative(path)
            if rel is None:
                continue
            link = self._outside(self._absolute(path))
            if link is not None:
                outside[rel] = link
                continue
            found = self._stat(path)
            if found is not None:
                files[rel] = found
            elif not self._absolute(path).exists():
                missing.add(rel)
        return Walk(files, outside, missing)

    def _outside(self, path: Path) -> OutsideLink | None:
        """Describe `path` when it exists but leads out of the content folder (never read then)."""
        rel = self._relative(path)
        if rel is None or not os.path.lexists(path) or is_inside(path, self.root):
            return None
        try:
            st = path.lstat()
        except OSError:
            return None
        return OutsideLink(rel, (st.st_size, st.st_mtime_ns), Problem(rel, ProblemKind.UNREADABLE, OUTSIDE_REASON))

    def _absolute(self, path: Path) -> Path:
        return path if path.is_absolute() else self.root / path

    def _relative(self, path: Path) -> str | None:
        full = str(self._absolute(path))
        if full.startswith(self._prefix) and "/." not in full and "//" not in full:
            return full[len(self._prefix):]  # the common case, without pathlib's parsing
        try:
            return self._absolute(path).relative_to(self.root).as_posix()
        except ValueError:
            return None

    def _stat(self, path: Path) -> FoundFile | None:
        full = self._absolute(path)
        rel = self._relative(full)
        try:
            st = os.stat(full)
        except OSError:
            return None
        if rel is None or not stat.S_ISREG(st.st_mode):
            return None
        return FoundFile(rel, st.st_size, st.st_mtime_ns)
