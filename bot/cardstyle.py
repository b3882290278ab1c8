"""How a subscription's pushed cards arrive (`/settings`): silent, link preview, thumbnail and
excerpt length. Platform-neutral: `shaped` applies what every platform shares (no image, a
shorter or no excerpt) to the summary; each renderer maps `silent` and `preview` to its own API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from bot.summary.model import Summary
from bot.textfit import fit_text

Length = Literal["short", "normal", "title"]
LENGTHS: tuple[Length, ...] = ("short", "normal", "title")

SHORT_EXCERPT = 200
"""Most characters of a "short" card's excerpt (cut after a sentence or word, ending with "…")."""


@dataclass(frozen=True, slots=True)
class CardStyle:
    """One subscription's card options; the default is how cards always looked."""

    silent: bool = False
    """Deliver without a notification sound (Telegram `disable_notification`, Discord's
    SUPPRESS_NOTIFICATIONS flag). The console has no notifications: no effect there."""
    preview: bool = True
    """Let the platform show a link preview for the article's link (Telegram text cards; photo
    cards have none). Discord's card is Herald's own embed, which no link unfurls into, so this
    changes only the plain-text fallback there (its links are not unfurled when off)."""
    thumbnail: bool = True
    """Show the article's image; off sends a text card (on Telegram a message, with the longer
    text limit, whose link preview, if on, prefers small media)."""
    length: Length = "normal"
    """Excerpt length: "short" (about `SHORT_EXCERPT` characters), "normal" or "title" (title,
    meta and link only)."""


DEFAULT_STYLE = CardStyle()


def shaped(summary: Summary, style: CardStyle) -> Summary:
    """Return `summary` as `style` shows it: without its image when thumbnails are off, its
    excerpt cut short or left out for the shorter lengths; `summary` itself when nothing changes.

    A cut excerpt loses its HTML form (`excerpt_html`), so every platform shows the same cut plain
    text; an excerpt already short enough keeps it."""
    image = summary.image if style.thumbnail else None
    excerpt, excerpt_html = summary.excerpt, summary.excerpt_html
    if style.length == "title":
        excerpt, excerpt_html = "", ""
    elif style.length == "short":
        cut = fit_text(excerpt.strip(), SHORT_EXCERPT)
        if cut != excerpt.strip():
            excerpt, excerpt_html = cut, ""
    if image == summary.image and excerpt == summary.excerpt and excerpt_html == summary.excerpt_html:
        return summary
    return replace(summary, image=image, excerpt=excerpt, excerpt_html=excerpt_html)
