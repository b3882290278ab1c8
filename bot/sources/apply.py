"""Write one poll of a feed or git source into the article index, as the folder's passes do.

In one transaction: new entries are indexed (published and announced, or held, or scheduled, by
the same rules as a new file: `bot.index.plan.decide`), changed ones updated (the messages sent for
a published one are edited: `bot.delivery.edits`), and — for a poll that holds the whole source
(git) — entries that are gone are marked removed; the source's row records the poll in the same
transaction, so a crash leaves either all of it or none. Announcing runs after the commit, like
the folder's (`announce_pending` makes a crash in between retried by the next rescan).

No backlog flood: the first poll of a source records what it holds without sending any of it, and
later an entry that is new to Herald but dated more than `BACKLOG` before the source was first polled
(an old post that reappears, a feed that reorders, a rewritten history) is recorded silently too.
An article's key is the source's name, `/`, and the entry's key, so two sources never collide;
one that still collides with another source's article is a reported problem, never an overwrite.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.article import Problem, ProblemKind
from bot.delivery.edits import EditPolicy, card_changes, kept_cards, plan_deletes, plan_edits
from bot.index.plan import decide
from bot.sources.model import Entry, Poll
from bot.store.articles import ArticleUpsert, upsert_in
from bot.store.index_rows import IndexedRow, indexed_rows, mark_announce_pending, mark_removed
from bot.store.models import ArticleRow
from bot.store.read_stamp import one_bump
from bot.store.states import ArticleState

__all__ = ["BACKLOG", "SourceReport", "apply_poll", "article_key"]

log = logging.getLogger("herald.sources")

BACKLOG = timedelta(days=1)
"""An entry new to Herald dated this much before its source's first poll is old news: recorded, not sent."""
_MAX_KEY = 512


@dataclass
class SourceReport:
    """What applying one poll did, by article id."""

    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)
    """Announced: new entries sent to subscribers."""
    held: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: int = 0
    """Edit and delete rows planned."""


def article_key(source: str, key: str) -> str:
    """The stored key of a source's article: `name/key`, hashed when it would not fit."""
    full = f"{source}/{key}"
    if len(full) <= _MAX_KEY:
        return full
    return f"{source}/sha256:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


async def apply_poll(
    sessions: async_sessionmaker[AsyncSession],
    source: str,
    poll: Poll,
    *,
    now: datetime,
    primed_at: datetime | None,
    auto_publish: bool,
    edits: EditPolicy,
    record: Callable[[AsyncSession], Awaitable[None]],
    known: list[IndexedRow] | None = None,
) -> SourceReport:
    """Index `poll` for `source` and call `record(session)` in the same transaction.

    `primed_at` is when the source's first poll succeeded (None: this is it). `known` is the
    source's indexed rows if the caller already read them (`indexed_rows(sessions, source)`).
    The caller announces `report.published` after this returns.
    """
    report = SourceReport(problems=list(poll.problems))
    first = primed_at is None
    old_before = (primed_at or now) - BACKLOG
    rows = known if known is not None else await indexed_rows(sessions, source)
    by_path = {row.path: row for row in rows}
    by_key = {row.key: row for row in rows}
    present = {entry.ident for entry in poll.entries}
    items: list[ArticleUpsert] = []
    outcomes: list[tuple[IndexedRow | None, bool]] = []
    keys: dict[str, str] = {}
    for entry in sorted(poll.entries, key=_oldest_first):
        report.problems.extend(entry.problems)
        if entry.same:
            report.unchanged += 1
            continue
        if entry.article is None or entry.summary is None:
            continue
        key = article_key(source, entry.article.key)
        if key in keys:
            report.problems.append(_duplicate(source, entry.ident, key, keys[key]))
            continue
        keys[key] = entry.ident
        target = by_path.get(entry.ident)
        owner = by_key.get(key)
        if target is None and owner is not None and owner.path not in present:
            target = owner  # the same post under a new path (a renamed file): keep its id
        elif owner is not None and target is not None and owner.id != target.id and owner.path in present:
            report.problems.append(_duplicate(source, entry.ident, key, owner.path))
            continue
        article = replace(entry.article, key=key, path=entry.ident, digest=entry.digest)
        silent = first or (target is None and article.date < old_before)
        state, send = decide(target, article, now, first_run=silent, auto_publish=auto_publish)
        items.append(ArticleUpsert(article, entry.summary, state, target.id if target else None, source=source))
        outcomes.append((target, send))
    async with sessions.begin() as session, one_bump(session):
        taken = await _taken_elsewhere(session, source, [item.article.key for item in items])
        if taken:
            kept = [(i, o) for i, o in zip(items, outcomes, strict=True) if i.article.key not in taken]
            for item in items:
                if item.article.key in taken:
                    report.problems.append(_duplicate(source, item.article.path, item.article.key, taken[item.article.key]))
            items, outcomes = [i for i, _ in kept], [o for _, o in kept]
        writes = [(target, item.state) for item, (target, _) in zip(items, outcomes, strict=True)]
        before = await kept_cards(session, writes, edits)
        ids = await upsert_in(session, items, now=now)
        if before:
            after = await kept_cards(session, writes, edits)
            report.changes += await plan_edits(session, card_changes(before, after), now=now, policy=edits)
        announced: list[int] = []
        for article_id, item, (target, send) in zip(ids, items, outcomes, strict=True):
            (report.updated if target else report.new).append(article_id)
            if item.state == ArticleState.HELD and (target is None or target.state != ArticleState.HELD):
                report.held.append(article_id)
            if send:
                announced.append(article_id)
        if poll.complete:
            claimed = set(ids)
            gone = [
                row.id for row in rows
                if row.state != ArticleState.REMOVED and row.path not in present and row.id not in claimed
            ]
            report.removed.extend(await mark_removed(session, gone))
            report.changes += await plan_deletes(session, report.removed, now=now, policy=edits)
        await mark_announce_pending(session, announced)
        await record(session)
    report.published.extend(announced)
    return report


_LAST = datetime.max.replace(tzinfo=UTC)


def _oldest_first(entry: Entry) -> tuple[datetime, str]:
    """Oldest first, so new articles get short ids in date order (dates are always aware)."""
    return (entry.article.date if entry.article is not None else _LAST, entry.ident)


async def _taken_elsewhere(session: AsyncSession, source: str, keys: list[str]) -> Mapping[str, str]:
    """Keys among `keys` that belong to another source's (or the folder's) article: key → its path."""
    if not keys:
        return {}
    query = select(ArticleRow.key, ArticleRow.path, ArticleRow.source).where(ArticleRow.key.in_(keys))
    return {
        key: (f"{other}:{path}" if other else path)
        for key, path, other in (await session.execute(query)).all()
        if other != source
    }


def _duplicate(source: str, ident: str, key: str, other: str) -> Problem:
    reason = f"same id {key!r} as {other}; this entry is skipped"
    return Problem(f"{source}:{ident}", ProblemKind.WARNING, reason, fatal=True)
