"""Telegram Bot API limits as data (apprise style), with where each number comes from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.textfit import utf16_len


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers a Telegram message must respect; lengths are UTF-16 units of the parsed text."""

    text: int = 4096
    """sendMessage text, 1–4096 after entity parsing (core.telegram.org/bots/api#sendmessage)."""
    caption: int = 1024
    """sendPhoto caption, 0–1024 after entity parsing (core.telegram.org/bots/api#sendphoto)."""
    entities: int = 100
    """Entities honoured per message (PTB `MessageLimit.MESSAGE_ENTITIES`)."""
    callback_data: int = 64
    """Bytes of an inline button's callback_data (PTB `InlineKeyboardButtonLimit`)."""
    title: int = 256
    """Our choice: a title longer than this is cut (Discord's embed title limit, for parity)."""
    author: int = 96
    """Our choice: room for the author in the meta line."""
    hashtags: int = 160
    """Our choice: room for hashtags in the meta line; whole tags only."""
    hashtag: int = 64
    """Our choice: a longer tag is noise and is left out."""
    url: int = 2048
    """Our choice: longer URLs are not linked (Telegram rejects very long button URLs)."""
    min_excerpt: int = 160
    """Our choice: below this room for the excerpt, shorten the title, then drop the tags."""
    read_messages: int = 10
    """Our choice: most messages one `/read` sends (about 40,000 characters); a longer article
    ends with its link on the site and a Continue button for the next part."""
    measure: Callable[[str], int] = utf16_len
    """Telegram measures entity offsets in UTF-16 units; limiting in those is always safe."""


LIMITS = Limits()
