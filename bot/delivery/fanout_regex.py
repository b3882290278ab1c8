"""Fan-out's expression pass: subscriptions whose filters include a regular expression.

SQL still narrows them (categories, exclude keywords); their rules are loaded in one query,
matched in a worker thread (`asyncio.to_thread`: searches release the GIL and each runs with a
time limit, `bot.filters.regex_match`) with each distinct pattern searched once for the article,
and the matching ones are inserted in one multi-row INSERT per table. The work per subscription
is bounded: at most `MAX_FILTERS` searches of at most `TIMEOUT` each on at most `MATCH_TEXT_MAX`
characters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.matching import categories_match, no_keyword_excluded
from bot.filters import FilterRule
from bot.filters.regex_match import TIMEOUT, Searcher
from bot.store.dialect import dialect_insert
from bot.store.models import DELIVERY_KEY, FILTER_REGEX, Delivery, DigestEntry, Subscription, affected_rows
from bot.store.subscription_options import load_rules

__all__ = ["Candidate", "RegexPass", "candidates", "evaluate", "insert_matched", "run"]

log = logging.getLogger("herald.delivery")

_IDS_PER_QUERY = 5000
"""Subscription ids per rules query (bound parameters stay far below every database's limit)."""
_ROWS_PER_INSERT = 500
"""Rows per multi-row INSERT (12 columns: 6,000 parameters)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A subscription with expressions that SQL could not rule out, with all its filters."""

    id: int
    platform: str
    channel_id: str
    shard: int
    digest: bool
    """Matching articles wait for its digest (round 0) instead of going out at once."""
    rules: tuple[FilterRule, ...]


@dataclass(frozen=True, slots=True)
class RegexPass:
    """What the expression pass of one article did: who matched, and its work, counted."""

    matched: tuple[Candidate, ...]
    candidates: int
    searches: int
    timeouts: int


async def candidates(session: AsyncSession, article_id: int, text: str, *, digests: bool) -> list[Candidate]:
    """Return the active subscriptions with expressions that SQL does not rule out for the article;
    `digests`: tell which take a digest (round 0), else every one gets deliveries."""
    sub = Subscription
    digest = sub.digest_next_at.is_not(None) if digests else literal(False)
    rows = (
        await session.execute(
            select(sub.id, sub.platform, sub.channel_id, sub.shard, digest)
            .where(
                sub.active.is_(True),
                sub.filter_kinds.bitwise_and(FILTER_REGEX) != 0,
                categories_match(article_id),
                no_keyword_excluded(text),
            )
            .order_by(sub.id)
        )
    ).all()
    if not rows:
        return []
    rules: dict[int, list[FilterRule]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rules.update(await load_rules(session, ids[start : start + _IDS_PER_QUERY]))
    return [
        Candidate(id_, platform, channel_id, shard, bool(to_digest), tuple(rules.get(id_, ())))
        for id_, platform, channel_id, shard, to_digest in rows
    ]


def evaluate(article_id: int, text: str, found: Sequence[Candidate], *, timeout: float = TIMEOUT) -> RegexPass:
    """Match the candidates' filters against the article's text (blocking: run it in a thread)."""
    searcher = Searcher(text, timeout=timeout, label=article_id)
    matched = tuple(candidate for candidate in found if searcher.matches(candidate.rules))
    return RegexPass(matched, len(found), searcher.searches, searcher.timeouts)


async def run(article_id: int, text: str, found: Sequence[Candidate]) -> RegexPass:
    """`evaluate` in a worker thread, logging what it cost."""
    done = await asyncio.to_thread(evaluate, article_id, text, found)
    log.info(
        "article %s: %d of %d subscriptions with expressions match (%d searches, %d ran out of time)",
        article_id, len(done.matched), done.candidates, done.searches, done.timeouts,
    )  # fmt: skip
    return done


async def insert_matched(
    session: AsyncSession,
    article_id: int,
    matched: Sequence[Candidate],
    *,
    now: datetime,
    priority: int,
    round: int,
) -> int:
    """Insert the outbox rows (or digest entries) of the matching candidates; return outbox rows
    added."""
    deliveries = [
        {
            "article_id": article_id, "round": round, "platform": c.platform, "channel_id": c.channel_id,
            "subscription_id": c.id, "status": "pending", "priority": priority, "attempts": 0,
            "due_at": now, "plain": False, "created_at": now, "shard": c.shard,
        }
        for c in matched
        if not c.digest
    ]  # fmt: skip
    entries = [
        {"subscription_id": c.id, "article_id": article_id, "digest_id": None, "created_at": now}
        for c in matched
        if c.digest
    ]
    added = 0
    for start in range(0, len(deliveries), _ROWS_PER_INSERT):
        statement = (
            dialect_insert(session, Delivery)
            .values(deliveries[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=DELIVERY_KEY)
        )
        added += max(0, affected_rows(await session.execute(statement)) or 0)
    for start in range(0, len(entries), _ROWS_PER_INSERT):
        statement = (
            dialect_insert(session, DigestEntry)
            .values(entries[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["subscription_id", "article_id"])
        )
        await session.execute(statement)
    return added
