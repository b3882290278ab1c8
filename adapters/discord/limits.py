"""Discord API v10 message and embed limits as data (apprise style), with their source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers a Discord message must respect.

    Source: discord.com/developers/docs/resources/message#embed-object-embed-limits.
    """

    content: int = 2000
    """Message content characters."""
    embeds: int = 10
    """Embeds per message."""
    title: int = 256
    """Embed title."""
    description: int = 4096
    """Embed description."""
    fields: int = 25
    """Fields per embed (names ≤ 256, values ≤ 1024); Herald sends none."""
    footer: int = 2048
    """Embed footer text."""
    author: int = 256
    """Embed author name."""
    total: int = 6000
    """All title + description + field + footer + author text of a message's embeds together;
    discord.py does not check this one (`len(embed)` gives one embed's share)."""
    url: int = 2048
    """Our choice: longer URLs are not linked."""
    read_messages: int = 5
    """Our choice: most messages one `/read` sends (up to 30,000 characters of embeds); a longer
    article ends with its link on the site and a Continue button for the next part."""
    measure: Callable[[str], int] = len
    """Discord counts characters (code points)."""


LIMITS = Limits()
