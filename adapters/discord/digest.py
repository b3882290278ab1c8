"""Render a digest (`bot.digests.Digest`) as discord requests."""

from __future__ import annotations

from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.digests import Digest
from bot.request import Request


def render_digest(
    digest: Digest, lang: Lang = "en", *, plain: bool = False, style: CardStyle = DEFAULT_STYLE
) -> list[Request]:
    """Return the requests that post `digest`."""
    raise NotImplementedError("digest rendering is being written")
