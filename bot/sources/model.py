"""What polling a feed or a git source yields, and how a poll fails.

A fetcher (`bot.sources.feed`, `bot.sources.git`) turns what it fetched into `Entry` values —
an `Article` and its `Summary`, made by the same code the folder uses — and returns a `Poll`, or
`Unchanged` when the source says nothing changed (HTTP 304, the same commit). Anything that stops
a poll is a `SourceFailure` whose reason is safe to show to admins (no tokens, no secrets).
`bot.sources.apply` writes a `Poll` into the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.content.article import Article, Problem
from bot.content.config import ContentConfig

if TYPE_CHECKING:
    from bot.summary import SummaryConfig
    from bot.summary.model import Summary

__all__ = ["MAX_ENTRIES", "Entry", "Poll", "PollContext", "SourceFailure", "Unchanged"]

MAX_ENTRIES = 5000
"""Entries one poll may yield (a feed's items, a repository's post files); the rest are reported."""
MAX_IDENT = 1000
"""An entry's identity is stored as the article's path (1,024 characters): longer ones are hashed."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a source: a feed entry, or a post file in a git repository."""

    ident: str
    """Stable within the source: a feed entry's guid/id, else its link; a git file's path under the
    source's folder. At most `MAX_IDENT` characters (fetchers hash longer ones)."""
    digest: str
    """Hex digest of what the entry is made of; the same digest means nothing to re-index."""
    article: Article | None
    """The article (`key` without the source's prefix: `apply` adds `name/`); None when it cannot be
    published (its `problems` say why)."""
    summary: Summary | None
    problems: tuple[Problem, ...] = ()
    same: bool = False
    """Its digest is the one the index has (`known`): nothing was parsed, nothing is written."""


@dataclass(frozen=True, slots=True)
class Poll:
    """What one poll found."""

    entries: tuple[Entry, ...]
    complete: bool
    """True when `entries` is everything the source holds (a git tree: a missing file was deleted);
    False for a window onto it (a feed: an entry that dropped off the feed is not deleted)."""
    state: Mapping[str, str] = field(default_factory=dict)
    """What to keep for the next poll (ETag, Last-Modified, a permanent redirect's URL, a commit)."""
    problems: tuple[Problem, ...] = ()
    """Problems of the source as a whole (a broken feed parsed anyway, a force-push)."""


@dataclass(frozen=True, slots=True)
class Unchanged:
    """The source says nothing changed since the state kept (HTTP 304, the same commit)."""

    state: Mapping[str, str] = field(default_factory=dict)


class SourceFailure(Exception):
    """A poll that found nothing usable: unreachable, refused, too big, not a feed, a deleted branch.

    `reason` is shown to admins and stored as the source's last error: it never holds a token.
    `retry_after` (seconds) is the server's own Retry-After, when it gave one.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, state: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.state = dict(state or {})
        """State to keep even though the poll failed (say, a permanent redirect seen on the way)."""


@dataclass(frozen=True, slots=True)
class PollContext:
    """What every fetcher needs besides the source itself."""

    content: ContentConfig
    """Zone for naive dates, site URL, placeholder hosts (the same as the folder's)."""
    summary: SummaryConfig
    clock: Clock
    data_dir: Path
    """Where a fetcher may keep a cache (git keeps its object store under `data_dir/sources/<name>`)."""
    allow_private: bool = False
    """Let fetches reach loopback and private addresses (tests only: HERALD_ALLOW_PRIVATE_FETCH)."""
    token: str | None = None
    """The source's own token (HERALD_GIT_TOKENS), sent only to its host."""
    timeout: float = 30.0
    """Seconds a whole poll may take (connect, download, parse)."""
    max_bytes: int = 10 * 2**20
    """Bytes a feed document may have (decompressed); a git fetch's pack may have 20 times that."""
