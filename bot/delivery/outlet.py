"""The seam a platform offers the delivery engine: render a summary, send requests, classify a
channel for rate limiting."""

from __future__ import annotations

from typing import Protocol

from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.digests import Digest
from bot.request import Request
from bot.summary.model import Summary


class Outlet(Protocol):
    """One platform as the delivery engine sees it."""

    name: str
    """The platform name used in targets and the outbox (`platform` column)."""

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Return the requests that post this summary in the reader's language (its "Read
        more") the way the chat asked (`style`); `plain` drops all formatting."""
        ...

    def render_digest(
        self, digest: Digest, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Return the requests that post one digest (a list of articles) to a chat."""
        ...

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        """Send the requests to the channel and return the first message's id.

        Raises one of `bot.delivery.errors` (RateLimited, Transient, Gone, Migrated, BadFormat)
        when the platform does not accept them.
        """
        ...

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        """Change the message `message_id` (the first message of a send) to show the requests'
        card; `media` when the card's image changed. "Not modified" is success.

        Raises `bot.delivery.errors.Stale` when the platform will not edit that message any
        more, else the errors `send` raises.
        """
        ...

    async def delete(self, channel_id: str, message_id: str) -> None:
        """Delete the message `message_id`; raises `Stale` when it cannot be deleted any more
        (already gone, too old), else the errors `send` raises."""
        ...

    def channel_class(self, channel_id: str) -> str:
        """Return the channel's rate-limit class (e.g. "private" or "group")."""
        ...
