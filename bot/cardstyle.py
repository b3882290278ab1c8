"""How a subscription's pushed cards arrive (`/settings`): silent, link preview, thumbnail and
excerpt length. Platform-neutral: `shaped` applies what every platform shares (no image, a
shorter or no excerpt) to the summary; each renderer maps `silent` and `preview` to its own API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Length = Literal["short", "normal", "title"]
LENGTHS: tuple[Length, ...] = ("short", "normal", "title")


@dataclass(frozen=True, slots=True)
class CardStyle:
    """One subscription's card options; the default is how cards always looked."""

    silent: bool = False
    """Deliver without a notification sound (Telegram `disable_notification`, Discord's
    SUPPRESS_NOTIFICATIONS flag)."""
    preview: bool = True
    """Let the platform show a link preview for the article's link (Telegram text cards)."""
    thumbnail: bool = True
    """Show the article's image; off sends a text card."""
    length: Length = "normal"
    """Excerpt length: "short", "normal" or "title" (title, meta and link only)."""


DEFAULT_STYLE = CardStyle()
