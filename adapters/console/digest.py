"""Render a digest (`bot.digests.Digest`) as console requests: one print, shaped like a card.

The header ("Digest · N new articles"), then per article its title, category and date on one
line with its link (or `/read` pointer) under it, and "…and 5 more" when more came than it lists.
"""

from __future__ import annotations

from adapters.card import clean_line, day_of, safe_url
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang, message
from bot.digests import Digest, DigestItem
from bot.request import Request

__all__ = ["render_digest"]

PRINT = "print"
_SEP = " · "


def _lines(item: DigestItem, lang: Lang) -> list[str]:
    title = clean_line(item.title) or message("card.untitled", lang)
    parts = [title, clean_line(item.category), day_of(item.date)]
    url = safe_url(item.url)
    link = f"  {url}" if url else f"  /read {item.article_id}"
    return ["• " + _SEP.join(part for part in parts if part), link]


def render_digest(digest: Digest, lang: Lang = "en", *, plain: bool = False, style: CardStyle = DEFAULT_STYLE) -> list[Request]:
    """Return one print request listing the digest (the console is always plain; silent and
    previews mean nothing on a terminal)."""
    lines = [message("digest.header", lang, count=len(digest.items) + digest.more), ""]
    for item in digest.items:
        lines += _lines(item, lang)
    if digest.more:
        lines.append(message("digest.more", lang, count=digest.more))
    return [Request(PRINT, {"text": "\n".join(lines)})]
