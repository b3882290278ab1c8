"""Daily broadcast slots (`HERALD_QUEUE_SLOTS=09:00,13:00,18:00`): parse them, and find the next
slot that no queued article occupies (one article per slot)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.schedule.when import ScheduleError, wall_time

__all__ = ["HORIZON_DAYS", "SlotError", "next_free_slot", "parse_slots"]

HORIZON_DAYS = 60
"""How many days ahead to look for a free slot before giving up."""

_SLOT = re.compile(r"^(\d{1,2}):(\d{2})$")


class SlotError(ScheduleError):
    """A slot list that cannot be used, or no free slot in sight (`key` and `values` say why)."""


def parse_slots(items: Iterable[str]) -> tuple[time, ...]:
    """Parse `HH:MM` slot times into a sorted tuple without duplicates; raise SlotError on a bad one."""
    found: set[time] = set()
    for item in items:
        raw = unicodedata.normalize("NFKC", item).strip()
        if not raw:
            continue
        match = _SLOT.match(raw)
        hour, minute = (int(g) for g in match.groups()) if match else (99, 99)
        if hour > 23 or minute > 59:
            raise SlotError("slots.bad", text=item.strip())
        found.add(time(hour, minute))
    return tuple(sorted(found))


def next_free_slot(
    slots: tuple[time, ...],
    taken: set[datetime],
    *,
    now: datetime,
    zone: ZoneInfo,
    horizon_days: int = HORIZON_DAYS,
) -> datetime:
    """Return the first slot (UTC) at or after `now` that no queued item occupies; `now` when there are no slots."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if not slots:
        return now
    occupied = {moment.astimezone(UTC) for moment in taken}
    today = now.astimezone(zone).date()
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        for at in slots:
            moment = wall_time(day, at, zone)
            if moment >= now and moment not in occupied:
                return moment
    raise SlotError("slots.full", days=horizon_days)
