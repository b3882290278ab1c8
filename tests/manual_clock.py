"""`ManualClock`: a `bot.clock.Clock` tests move by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock tests move by hand; `sleep` advances it instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Return the clock's current time."""
        return self._now

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move the clock forward and return the new time."""
        self._now += timedelta(seconds=seconds, **delta)
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping, and let other tasks run."""
        self._now += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)
