"""Digests: a chat takes one message a day or a week listing the new matching articles, instead
of every article as it comes (`/digest daily 08:00`, `/digest weekly mon 08:00`, `/digest off`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Every = Literal["daily", "weekly"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_LISTED = 20
"""Articles one digest lists; more are counted ("and 5 more")."""


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When a subscription's digest is due: `every` day or week (`weekday` 0 = Monday) at
    `hour`:`minute` in `zone` (an IANA name; None = HERALD_TIMEZONE)."""

    every: Every
    hour: int
    minute: int
    weekday: int | None = None
    zone: str | None = None

    @property
    def time(self) -> str:
        """HH:MM."""
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One article listed in a digest."""

    article_id: int
    title: str
    url: str | None
    category: str | None
    date: datetime


@dataclass(frozen=True, slots=True)
class Digest:
    """One digest message's content: the articles listed, newest first, and how many more there were."""

    schedule: DigestSchedule
    period: str
    """The local date it was due on (YYYY-MM-DD)."""
    items: tuple[DigestItem, ...]
    more: int = 0
