"""Admin broadcasts in platform-neutral words: queue an article for a time or the next free slot,
cancel, approve a held article, and send one broadcast round.

Chat commands, buttons and the `herald` CLI all come here, so they refuse the same things with
the same reasons. A refusal is a `BroadcastError` carrying a message-catalogue key and its
values; each front end words it in its reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.fanout import fan_out
from bot.schedule.slots import next_free_slot
from bot.schedule.when import ScheduleError, format_when, parse_when
from bot.store import queue
from bot.store.articles import get_article, publish_held
from bot.store.models import ArticleRow, QueueItem
from bot.store.states import ArticleState
from bot.targets import TargetError, parse_target

__all__ = [
    "BroadcastError", "Planned", "approve", "broadcastable", "cancel", "plan", "send_round",
]

BROADCASTABLE = (ArticleState.PUBLISHED, ArticleState.HELD)
"""States an admin may broadcast: published ones again, held ones for the first time."""


class BroadcastError(Exception):
    """An admin request that cannot be done; `key` names the catalogue message that says why."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Planned:
    """A queue item just added, with what an admin wants to see about it."""

    item: QueueItem
    title: str
    due_now: bool


async def broadcastable(
    sessions: async_sessionmaker[AsyncSession], article_id: int, *, zone: tzinfo
) -> ArticleRow:
    """Return the article if an admin may broadcast it; raise BroadcastError saying why not."""
    row = await get_article(sessions, article_id)
    if row is None:
        raise BroadcastError("admin.unknown_article", id=article_id)
    if row.state == ArticleState.DRAFT:
        raise BroadcastError("admin.draft", id=article_id)
    if row.state == ArticleState.REMOVED:
        raise BroadcastError("admin.removed", id=article_id)
    if row.state == ArticleState.SCHEDULED:
        raise BroadcastError("admin.scheduled", id=article_id, when=format_when(row.date, zone))  # type: ignore[arg-type]
    return row


async def plan(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    *,
    when: str | None,
    now: datetime,
    zone: tzinfo,
    slots: tuple[time, ...] = (),
    target: str | None = None,
    created_by: str | None = None,
) -> Planned:
    """Queue an article at `when` (admin time in `zone`), else the next free slot, else now."""
    row = await broadcastable(sessions, article_id, zone=zone)
    if target is not None:
        try:
            target = str(parse_target(target))
        except TargetError as exc:
            raise BroadcastError("admin.bad_target", reason=str(exc)) from None
    try:
        if when is not None and when.strip():
            due = parse_when(when, now=now, zone=zone)  # type: ignore[arg-type]
        else:
            due = next_free_slot(slots, await queue.taken_slots(sessions), now=now, zone=zone)  # type: ignore[arg-type]
    except ScheduleError as exc:  # said in the reader's language: the same key and values
        raise BroadcastError(exc.key, **exc.values) from None
    try:
        item = await queue.add(sessions, article_id, due, target=target, created_by=created_by, now=now)
    except LookupError:  # removed from the store meanwhile
        raise BroadcastError("admin.unknown_article", id=article_id) from None
    return Planned(item, row.title, due <= now)


async def cancel(sessions: async_sessionmaker[AsyncSession], queue_id: int, *, now: datetime) -> QueueItem:
    """Cancel a waiting queue item and return it; raise BroadcastError when it is not waiting."""
    item = await queue.cancel(sessions, queue_id, now=now)
    if item is not None:
        return item
    existing = await queue.get_item(sessions, queue_id)
    if existing is None:
        raise BroadcastError("unqueue.unknown", qid=queue_id)
    raise BroadcastError("unqueue.not_waiting", qid=queue_id, status=existing.status)


async def approve(
    sessions: async_sessionmaker[AsyncSession], article_id: int, *, now: datetime, zone: tzinfo
) -> tuple[ArticleRow, int]:
    """Publish a held article (once, even if two admins press Approve) and fan it out as round 0.

    Return the article and how many deliveries were queued.
    """
    row = await broadcastable(sessions, article_id, zone=zone)
    if row.state == ArticleState.PUBLISHED:
        raise BroadcastError("approve.already", id=article_id)
    if not await publish_held(sessions, article_id, now):
        raise BroadcastError("approve.already", id=article_id)
    count = await fan_out(sessions, article_id, now=now)
    return row, count


async def send_round(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    target: str | None,
    round_: int,
    *,
    now: datetime,
) -> int:
    """Fan one broadcast round out (a held article is published by it); return rows added.

    Raise BroadcastError when the article can no longer be sent (removed, draft meanwhile).
    """
    row = await get_article(sessions, article_id)
    if row is None or row.state not in BROADCASTABLE:
        state = row.state if row is not None else "missing"
        raise BroadcastError("admin.not_sendable", id=article_id, state=state)
    if row.state == ArticleState.HELD:
        await publish_held(sessions, article_id, now)
    only = parse_target(target) if target else None
    return await fan_out(sessions, article_id, now=now, only=only, round=round_)
