"""What every send goes through, broadcast or reply: the database, each platform's outlet and
rate limiter (registered as platforms are built), the clock, and the outcome log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery.outcomes import Outcomes
from bot.delivery.outlet import Outlet
from bot.delivery.ratelimit import RateLimiter, RateLimits


@dataclass(frozen=True, slots=True)
class SendPath:
    """The parts one engine's senders share."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    outcomes: Outcomes
    outlets: dict[str, Outlet]
    limiters: dict[str, RateLimiter]

    def add(self, outlet: Outlet, limits: RateLimits) -> None:
        """Register a platform's outlet with its own rate limiter."""
        self.outlets[outlet.name] = outlet
        self.limiters[outlet.name] = RateLimiter(limits, self.clock)

    def of(self, platform: str) -> tuple[Outlet, RateLimiter]:
        """Return a platform's outlet and rate limiter."""
        return self.outlets[platform], self.limiters[platform]
