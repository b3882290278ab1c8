"""The queue page's data: waiting broadcasts grouped by day (in HERALD_TIMEZONE). The page's
actions are in `bot.panel.actions`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store import queue as queue_store
from bot.store.models import QueueItem

MAX_SHOWN = 500
"""Most waiting items the page lists (soonest first)."""


@dataclass(frozen=True, slots=True)
class QueueDay:
    """One day of the timeline: its date in the configured zone and its waiting items."""

    day: date
    items: list[tuple[QueueItem, str, str]]
    """(item, article title, local time `HH:MM`)."""


async def queue_days(sessions: async_sessionmaker[AsyncSession], zone: ZoneInfo) -> tuple[list[QueueDay], int]:
    """Return the waiting items by day, soonest first, and how many wait in all."""
    rows = await queue_store.waiting(sessions)
    days: dict[date, list[tuple[QueueItem, str, str]]] = {}
    for item, title in rows[:MAX_SHOWN]:
        local = item.due_at.astimezone(zone)
        days.setdefault(local.date(), []).append((item, title, f"{local:%H:%M}"))
    return [QueueDay(day, items) for day, items in days.items()], len(rows)

