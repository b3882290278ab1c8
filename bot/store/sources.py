"""The `sources` table: feeds and git repositories articles come from, and how their polling goes.

Sources from `HERALD_SOURCES` (origin `config`) are kept in step with the configuration at start;
`herald source add` adds `cli` ones, which stay until `herald source remove`. The poller
(`bot.sources.poller`) takes the due ones and records each poll's outcome here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sources.spec import SourceKind, SourceSpec, SpecError, parse_spec
from bot.store.models import ArticleRow, SourceRow
from bot.store.states import ArticleState

__all__ = [
    "ConfiguredSource", "SourceExists", "SourceStatus", "add_source", "due_sources", "get_source", "list_sources",
    "merge_state", "poll_now", "record_failure", "record_success", "remove_source", "sync_configured",
]

PUSH_KEYS = "websub_"
"""Prefix of the state keys a source's push subscription keeps (`merge_state`), not its polls."""
CONFIG = "config"
CLI = "cli"


class SourceExists(ValueError):
    """A source of that name is already there."""


class ConfiguredSource(ValueError):
    """The source comes from HERALD_SOURCES: change it there, not from the shell."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source and its polling, as `/sources`, `herald source list` and the panel show it."""

    name: str
    spec: SourceSpec | None
    """None when the stored entry no longer parses (it is then never polled)."""
    text: str
    origin: str
    added_at: datetime
    primed_at: datetime | None
    last_fetch_at: datetime | None
    last_ok_at: datetime | None
    next_fetch_at: datetime | None
    last_error: str | None
    failures: int
    entries: int
    state: Mapping[str, str]
    articles: int = 0
    """Its articles in the index that are published."""

    @property
    def kind(self) -> SourceKind | None:
        return None if self.spec is None else self.spec.kind


def _spec(text: str) -> SourceSpec | None:
    try:
        return parse_spec(text)
    except SpecError:
        return None


def _status(row: SourceRow, articles: int = 0) -> SourceStatus:
    state = row.state if isinstance(row.state, dict) else {}
    return SourceStatus(
        row.name, _spec(row.spec), row.spec, row.origin, row.added_at, row.primed_at, row.last_fetch_at,
        row.last_ok_at, row.next_fetch_at, row.last_error, row.failures, row.entries,
        {str(k): str(v) for k, v in state.items()}, articles,
    )


async def sync_configured(sessions: async_sessionmaker[AsyncSession], specs: Sequence[SourceSpec], now: datetime) -> None:
    """Make the `config` sources exactly `specs` (feeds and git ones; the folder is not a row).

    A new one is due at once; one whose location changed starts over (its next poll records what
    is there without sending it); one no longer configured is dropped, its articles kept.
    """
    wanted = {spec.name: spec for spec in specs if spec.kind is not SourceKind.FOLDER}
    async with sessions.begin() as session:
        rows = {row.name: row for row in (await session.scalars(select(SourceRow))).all()}
        for name, row in rows.items():
            if row.origin == CONFIG and name not in wanted:
                await session.delete(row)
        for name, spec in wanted.items():
            have = rows.get(name)
            if have is None:
                session.add(_new_row(spec, CONFIG, now))
                continue
            old = _spec(have.spec)
            have.origin = CONFIG
            if old is None or _where(old) != _where(spec):
                _restart(have, now)
            have.spec = spec.text


def _where(spec: SourceSpec) -> tuple[object, ...]:
    return (spec.kind, spec.location, spec.branch, spec.subdir)


def _restart(row: SourceRow, now: datetime) -> None:
    row.primed_at, row.state, row.failures, row.last_error, row.next_fetch_at = None, {}, 0, None, now


def _new_row(spec: SourceSpec, origin: str, now: datetime) -> SourceRow:
    return SourceRow(
        name=spec.name, spec=spec.text, origin=origin, added_at=now, next_fetch_at=now, failures=0, state={},
        entries=0,
    )


async def list_sources(sessions: async_sessionmaker[AsyncSession]) -> list[SourceStatus]:
    """Every source by name, with its published article count."""
    async with sessions() as session:
        rows = (await session.scalars(select(SourceRow).order_by(SourceRow.name))).all()
        counted = await session.execute(
            select(ArticleRow.source, func.count())
            .where(ArticleRow.source.is_not(None), ArticleRow.state == ArticleState.PUBLISHED)
            .group_by(ArticleRow.source)
        )
        counts = {str(source): int(count) for source, count in counted.all()}
    return [_status(row, counts.get(row.name, 0)) for row in rows]


async def get_source(sessions: async_sessionmaker[AsyncSession], name: str) -> SourceStatus | None:
    """The source of that name, or None."""
    async with sessions() as session:
        row = await session.get(SourceRow, name)
        if row is None:
            return None
        count = await session.scalar(
            select(func.count()).where(ArticleRow.source == name, ArticleRow.state == ArticleState.PUBLISHED)
        )
    return _status(row, int(count or 0))


async def add_source(sessions: async_sessionmaker[AsyncSession], spec: SourceSpec, now: datetime) -> SourceStatus:
    """Add a feed or git source (`herald source add`); it is polled at once, sending nothing old."""
    if spec.kind is SourceKind.FOLDER:
        raise SpecError("a folder source is HERALD_CONTENT_DIR or HERALD_SOURCES; `source add` takes feeds and git")
    async with sessions.begin() as session:
        if await session.get(SourceRow, spec.name) is not None:
            raise SourceExists(spec.name)
        row = _new_row(spec, CLI, now)
        session.add(row)
    return _status(row)


async def remove_source(sessions: async_sessionmaker[AsyncSession], name: str) -> int:
    """Remove a source added from the shell; its articles are marked removed. Return how many.

    Raises LookupError when there is none, `ConfiguredSource` for one from HERALD_SOURCES.
    """
    async with sessions.begin() as session:
        row = await session.get(SourceRow, name)
        if row is None:
            raise LookupError(name)
        if row.origin == CONFIG:
            raise ConfiguredSource(name)
        await session.delete(row)
        result = await session.execute(
            update(ArticleRow)
            .where(ArticleRow.source == name, ArticleRow.state != ArticleState.REMOVED)
            .values(state=ArticleState.REMOVED, announce_pending=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


async def due_sources(sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int = 64) -> list[SourceStatus]:
    """Sources whose next poll is due, most overdue first."""
    async with sessions() as session:
        rows = (await session.scalars(
            select(SourceRow).where(SourceRow.next_fetch_at <= now).order_by(SourceRow.next_fetch_at).limit(limit)
        )).all()
    return [_status(row) for row in rows]


async def next_due(sessions: async_sessionmaker[AsyncSession]) -> datetime | None:
    """When the next source is due, or None."""
    async with sessions() as session:
        return await session.scalar(select(func.min(SourceRow.next_fetch_at)))


async def poll_now(sessions: async_sessionmaker[AsyncSession], name: str, now: datetime) -> bool:
    """Make a source due now (a push from its host); False when there is none."""
    async with sessions.begin() as session:
        result = await session.execute(update(SourceRow).where(SourceRow.name == name).values(next_fetch_at=now))
        return bool(getattr(result, "rowcount", 0))


async def merge_state(sessions: async_sessionmaker[AsyncSession], name: str, changes: Mapping[str, str | None]) -> bool:
    """Set (a value) or drop (None) keys of a source's kept state, leaving the others; False when
    there is no such source (WebSub keeps its subscription there: `bot.sources.websub`)."""
    async with sessions.begin() as session:
        row = await session.get(SourceRow, name, with_for_update=True)
        if row is None:
            return False
        state = dict(row.state if isinstance(row.state, dict) else {})
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        row.state = state
        return True


async def record_success(
    session: AsyncSession, name: str, *, now: datetime, next_at: datetime, state: Mapping[str, str],
    entries: int | None, primed: bool,
) -> None:
    """Record a poll that worked (`entries` None: unchanged), inside the transaction that wrote its articles.

    The poll's `state` replaces the fetcher's keys; the keys `merge_state` owns (`PUSH_KEYS`: a
    WebSub subscription, which a hub may confirm while the poll runs) are kept as stored now."""
    stored = await session.scalar(select(SourceRow.state).where(SourceRow.name == name).with_for_update())
    kept = {k: v for k, v in (stored if isinstance(stored, dict) else {}).items() if k.startswith(PUSH_KEYS)}
    fetched = {k: v for k, v in state.items() if not k.startswith(PUSH_KEYS)}
    values: dict[str, object] = {
        "last_fetch_at": now, "last_ok_at": now, "next_fetch_at": next_at, "last_error": None, "failures": 0,
        "state": {**fetched, **kept},
    }
    if entries is not None:
        values["entries"] = entries
    if primed:
        values["primed_at"] = now
    await session.execute(update(SourceRow).where(SourceRow.name == name).values(**values))


async def record_failure(
    sessions: async_sessionmaker[AsyncSession], name: str, *, now: datetime, next_at: datetime, reason: str,
    state: Mapping[str, str] | None = None,
) -> int:
    """Record a failed poll and when to try again; return the failures in a row now."""
    async with sessions.begin() as session:
        row = await session.get(SourceRow, name)
        if row is None:
            return 0
        row.last_fetch_at, row.next_fetch_at, row.last_error = now, next_at, reason[:1000]
        row.failures = (row.failures or 0) + 1
        if state:
            row.state = {**(row.state if isinstance(row.state, dict) else {}), **state}
        return row.failures

