"""The values commands take and give: an `Invocation` in, a `Reply` out.

A `Reply` is structured so every platform can render it natively (a list as an embed, an article
card as a photo with a caption, buttons as inline keyboards), while `text` always carries the
whole answer as plain text for platforms that show only text (the console).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.summary.model import Block, Summary

ChannelKind = Literal["private", "group", "channel"]
ReplyShape = Literal["article", "card", "list", "text"]

ACTION_MAX_BYTES = 64
"""Telegram's callback_data holds 1–64 bytes; every button action fits in it."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """One command as an adapter received it, in platform-neutral words."""

    platform: str
    channel_id: str
    channel_kind: ChannelKind
    user_id: str
    command: str
    """The command word as typed: `latest`, `/latest` or `/latest@mybot` are all fine."""
    args: tuple[str, ...] = ()
    text: str = ""
    """The whole message text, for logs and for commands that want it unsplit."""
    user_is_chat_admin: bool | None = None
    """Whether the sender administers this chat, as the adapter knows it; None = unknown."""
    lang: str | None = None
    """The sender's language tag (`en`, `zh-hans`, `zh-CN`), if the platform tells."""
    channel_names: tuple[str, ...] = ()
    """The chat's public names as targets write them (Telegram: `@news`), if it has any."""


@dataclass(frozen=True, slots=True)
class ListItem:
    """One article in a list reply."""

    article_id: int
    title: str
    date: datetime
    """Timezone-aware; shown as YYYY-MM-DD in the configured zone."""


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a reply: it opens `url`, or sends `action` back to `dispatch_action`."""

    label: str
    url: str | None = None
    action: str | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.action is None):
            raise ValueError("a button has exactly one of url or action")
        if self.action is not None and not 0 < len(self.action.encode("utf-8")) <= ACTION_MAX_BYTES:
            raise ValueError(f"button action must be 1–{ACTION_MAX_BYTES} bytes: {self.action!r}")


@dataclass(frozen=True, slots=True)
class ArticlePart:
    """Where a `/read` reply sits in its article: its `blocks` start at block `start`, and the
    article has `total` blocks. Platforms show as many of the blocks as their message cap allows
    (adapters/*/limits.py `read_messages`) and, when some are left, end with the article's link
    and a button whose action (`action(next_start)`) sends the next part when pressed."""

    article_id: int
    start: int
    total: int
    more_label: str
    """The continue button's label, in the reader's language."""
    link_label: str
    """The label of the link to the rest on the site, in the reader's language."""
    rest_note: str
    """A line saying the article continues (for platforms without buttons: the console)."""

    def action(self, next_start: int) -> str:
        """Return the button action that sends the article from block `next_start` on."""
        return f"read:{self.article_id}:{next_start}"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers. Handlers return it; adapters render and send it."""

    text: str
    """The complete answer as plain text (lists and articles included)."""
    header: str = ""
    """The line to show above structured content (`items`, `blocks`) when rendering natively."""
    items: tuple[ListItem, ...] = ()
    summary: Summary | None = None
    """An article card; with `blocks`, the header of the full article."""
    blocks: tuple[Block, ...] = ()
    """The full article body, for `/read`."""
    buttons: tuple[Button, ...] = field(default=())
    ephemeral: bool = False
    """Show only to the sender where the platform can (Discord), e.g. errors and refusals."""
    error: bool = False
    part: ArticlePart | None = None
    """For `/read`: which part of the article `blocks` are, so platforms can cap their messages."""
    settles: bool = False
    """The answer to a button press that decides what the pressed message offered (an approval):
    platforms edit that message to show this answer, without its buttons."""

    @property
    def shape(self) -> ReplyShape:
        """How platforms show this reply: an article part (`/read`), an article card, a list of
        articles, or text. Decided here once, so every adapter renders the same reply alike."""
        if self.summary is not None and self.blocks:
            return "article"
        if self.summary is not None and not self.items:
            return "card"
        return "list" if self.items else "text"
