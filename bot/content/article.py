"""The `Article` value read from one post file, and the `Problem` reported for a bad one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


@dataclass(frozen=True, slots=True)
class Article:
    """One post, as read from its file. Pure data: no I/O, no platform words."""

    key: str
    """Stable identity: the path under the content folder (POSIX), or front matter id/guid/abbrlink."""
    path: str
    """Path under the content folder, POSIX separators."""
    title: str
    date: datetime
    """Always timezone-aware."""
    body: str
    """The body as written: Markdown, possibly with raw HTML (most real posts are HTML in a <div>)."""
    id: int = 0
    """Short numeric id users type (`/read 42`); 0 until the store assigns one."""
    updated: datetime | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()
    """Flattened, in order, duplicates removed (Hexo's nested lists are flattened here)."""
    category_paths: tuple[tuple[str, ...], ...] = ()
    """The hierarchy: one tuple per category chain (a plain list is a single chain, as Hexo reads it)."""
    tags: tuple[str, ...] = ()
    thumbnail: str | None = None
    excerpt: str | None = None
    """Explicit excerpt source (front matter excerpt/description/summary, or the part before
    `<!-- more -->`), Markdown/HTML; None when the body itself is the only source."""
    url: str | None = None
    draft: bool = False
    lang: str | None = None
    mtime_ns: int = 0
    size: int = 0
    digest: str = ""
    """Content hash of the raw file bytes (hex); lets the index skip unchanged files."""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


class ProblemKind(str, Enum):
    """Why a file could not be read as a publishable post."""

    UNDECODABLE = "undecodable"
    FRONT_MATTER = "front-matter"
    EMPTY = "empty"
    NOT_A_POST = "not-a-post"
    BAD_DATE = "bad-date"
    WARNING = "warning"
    UNREADABLE = "unreadable"
    """The file (or folder) could not be read at all (permissions, vanished, too large)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A clear, typed report about one file. `fatal` means the file cannot be published."""

    path: str
    kind: ProblemKind
    reason: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.kind.value}: {self.reason}"
