"""Run the admin queue: broadcast items whose time has come, skip ones missed by too much.

Each item is claimed (`queued` → `sending`, a conditional UPDATE) before `broadcast` is called and
marked `done` after, so a second runner or a cancel that won the race never broadcasts it again.
Every item is its own delivery round (`round` = the item's id) and fanning one round out is
idempotent, so an item a crash left `sending` is simply put back to `queued` by
`recover_interrupted` at start-up: re-running it adds only the rows the crash kept from being written.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands.i18n import Lang, message
from bot.schedule.broadcasts import send_round
from bot.store import queue
from bot.store.models import QueueItem

__all__ = [
    "DEFAULT_GRACE", "QueueRunReport", "QueueRunner", "missed_note", "queue_runner", "recover_interrupted",
    "run_due_queue", "span",
]

log = logging.getLogger("herald.queue")

DEFAULT_GRACE = timedelta(hours=6)
"""An item missed by more than this (the service was down) is skipped: old news is not pushed late."""

Broadcast = Callable[[int, str | None, int], Awaitable[int]]
"""`broadcast(article_id, target, round)` → how many deliveries it queued (target None = everyone;
`round` is the queue item's id, so running it twice queues nothing new)."""


@dataclass(frozen=True, slots=True)
class QueueRunReport:
    """What one run of the queue did (at `now`, with `grace`); `skipped` and `failed` are for
    telling the admins."""

    sent: tuple[QueueItem, ...] = ()
    skipped: tuple[QueueItem, ...] = ()
    failed: tuple[QueueItem, ...] = ()
    deliveries: int = 0
    now: datetime | None = None
    grace: timedelta = DEFAULT_GRACE

    def missed(self, item: QueueItem, lang: Lang) -> str:
        """Say in `lang` why a skipped item was not sent (its stored note says it in English)."""
        return missed_note(self.now - item.due_at if self.now else timedelta(), self.grace, lang)


QueueRunner = Callable[[], Awaitable[QueueRunReport]]
"""Broadcast every due queue item now; return what was done."""


def missed_note(late: timedelta, grace: timedelta, lang: Lang = "en") -> str:
    """Say that an item missed by `late` (more than `grace`) was not sent."""
    return message("queue.missed.note", lang, late=span(late), grace=span(grace))


async def run_due_queue(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    broadcast: Broadcast,
    grace: timedelta = DEFAULT_GRACE,
) -> QueueRunReport:
    """Broadcast every due queue item (at most once each); skip those overdue by more than `grace`."""
    sent: list[QueueItem] = []
    skipped: list[QueueItem] = []
    failed: list[QueueItem] = []
    deliveries = 0
    for item in await queue.due_items(sessions, now):
        late = now - item.due_at
        if late > grace:
            note = missed_note(late, grace)
            done = await queue.mark(sessions, item.id, "skipped", now=now, note=note, expected="queued")
            if done is not None:
                log.warning("queue item %s (article %s) skipped: %s", item.id, item.article_id, note)
                skipped.append(done)
            continue
        if await queue.claim(sessions, item.id) is None:
            continue  # cancelled or taken by another runner meanwhile
        try:
            count = await broadcast(item.article_id, item.target, item.id)
        except Exception as exc:  # one failing broadcast must not stop the queue
            log.exception("queue item %s (article %s) failed", item.id, item.article_id)
            note = f"broadcast failed: {type(exc).__name__}"
            row = await queue.mark(sessions, item.id, "failed", now=now, note=note, expected="sending")
            failed.append(row or item)
            continue
        deliveries += count
        note = f"{count} deliveries queued"
        row = await queue.mark(sessions, item.id, "done", now=now, note=note, expected="sending")
        sent.append(row or item)
    return QueueRunReport(tuple(sent), tuple(skipped), tuple(failed), deliveries, now, grace)


def queue_runner(
    sessions: async_sessionmaker[AsyncSession], *, clock: Clock, grace: timedelta, wake: Callable[[], None]
) -> QueueRunner:
    """Return the admin queue runner: due items go out, each as its own delivery round (`wake`
    tells the delivery workers there is work)."""

    async def send(article_id: int, target: str | None, round_: int) -> int:
        count = await send_round(sessions, article_id, target, round_, now=clock.now())
        wake()
        return count

    async def run() -> QueueRunReport:
        report = await run_due_queue(sessions, now=clock.now(), broadcast=send, grace=grace)
        if report.sent:
            log.info("queue: %d item(s) broadcast, %d deliveries", len(report.sent), report.deliveries)
        return report  # run_due_queue logs skipped items; the caller tells the admins

    return run


async def recover_interrupted(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> list[QueueItem]:
    """Put items a crash left `sending` back in the queue (their round makes a re-run safe); return them."""
    settled: list[QueueItem] = []
    for item in await queue.list_sending(sessions):
        note = "interrupted by a restart while sending; resumed (targets already queued are not sent twice)"
        row = await queue.mark(sessions, item.id, "queued", now=now, note=note, expected="sending")
        if row is not None:
            settled.append(row)
    return settled


def span(delta: timedelta) -> str:
    """Show a length of time in whole minutes as admins type it: `2d3h`, `6h`, `45m`."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or "0m"
