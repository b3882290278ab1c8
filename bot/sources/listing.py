"""What the sources are, as `herald source list`, `/sources` and the panel's Sources page show them.

One neutral view: the content folder first (its name, path and published articles: those whose
`source` is NULL), then the feeds and git repositories of the store, each with its kind, where it
is (never with credentials: a URL's user and password and secret-looking query values are
masked), where it was configured, its published articles, and how its polling goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sources.spec import SourceKind, SourceSpec
from bot.store.models import ArticleRow
from bot.store.sources import SourceStatus, list_sources
from bot.store.states import ArticleState

__all__ = [
    "FOLDER_ORIGIN", "MAX_ERROR_CHARS", "ListedSource", "folder_articles", "listed_sources", "one_line", "safe_location",
]

FOLDER_ORIGIN = "folder"
"""The origin shown for the content folder (HERALD_CONTENT_DIR or the folder of HERALD_SOURCES)."""
MAX_ERROR_CHARS = 300
"""Longest last error kept in the view; longer ones end with "…"."""
_SECRET_KEYS = re.compile(r"token|key|secret|pass|auth|sig|session|cred", re.IGNORECASE)
"""Query parameters whose values are masked (`?access_token=…`, `?apikey=…`, `?sig=…`)."""
_USERINFO = re.compile(r"(?<=//)[^/@\s]*@")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ListedSource:
    """One source as every view shows it."""

    name: str
    kind: str
    """`folder`, `feed`, `git`, or `?` for a stored entry that no longer parses."""
    location: str
    """The folder's path, or the feed's or repository's address without credentials."""
    origin: str
    """`folder`, `config` (HERALD_SOURCES) or `cli` (`herald source add`)."""
    articles: int
    """Its published articles in the index."""
    entries: int | None = None
    """Entries its last successful poll found (None for the folder)."""
    last_fetch_at: datetime | None = None
    next_fetch_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    """The last poll's failure reason, on one line, at most `MAX_ERROR_CHARS`; None after a success."""

    @property
    def polled(self) -> bool:
        """Whether it is polled (a feed or git repository of the store), so `poll now` applies."""
        return self.origin != FOLDER_ORIGIN and self.kind != "?"


def one_line(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """Return `text` on one line (whitespace and control characters collapsed), cut to `limit`."""
    flat = _SPACE.sub(" ", "".join(ch if ch.isprintable() else " " for ch in text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def safe_location(spec: SourceSpec) -> str:
    """Return where `spec` is, as shown to admins: a path, or a URL without credentials."""
    if spec.kind is SourceKind.FOLDER:
        return spec.location
    return replace(spec, location=_safe_url(spec.location)).where


def _safe_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 address
            netloc = f"[{netloc}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
        query = urlencode(
            [(key, "***" if _SECRET_KEYS.search(key) else value) for key, value in parse_qsl(parts.query, True)],
            safe="*/:",
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return _scrub(url)


def _scrub(text: str) -> str:
    """Mask anything that looks like `user:password@` in text that is not a parsable URL."""
    return _USERINFO.sub("***@", text)


def _listed(status: SourceStatus) -> ListedSource:
    if status.spec is None:
        kind, location = "?", _scrub(status.text.partition("=")[2] or status.text)
    else:
        kind, location = status.spec.kind.value, safe_location(status.spec)
    return ListedSource(
        name=status.name, kind=kind, location=location, origin=status.origin, articles=status.articles,
        entries=status.entries, last_fetch_at=status.last_fetch_at, next_fetch_at=status.next_fetch_at,
        failures=status.failures, last_error=one_line(status.last_error) if status.last_error else None,
    )


async def folder_articles(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Count the content folder's published articles (those with no source name)."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(ArticleRow.source.is_(None), ArticleRow.state == ArticleState.PUBLISHED)
        )
    return int(count or 0)


async def listed_sources(sessions: async_sessionmaker[AsyncSession], folder: SourceSpec | None) -> list[ListedSource]:
    """Return the folder (when one is configured) and then every stored source, by name."""
    shown = []
    if folder is not None:
        shown.append(ListedSource(folder.name, SourceKind.FOLDER.value, folder.location, FOLDER_ORIGIN,
                                  await folder_articles(sessions)))
    shown += [_listed(status) for status in await list_sources(sessions)]
    return shown
