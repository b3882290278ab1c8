"""Render a digest (`bot.digests.Digest`) as a Discord Create Message payload.

One message with one embed: its title is the header ("Digest · N new articles"), its description
one line per article — `[title](url)` (Markdown escaped), category and date — and "…and 5 more"
when more came than a digest lists or than fit the 4096-character description. `plain` (the
channel refused the embed) sends the same lines as message content instead. `style.silent` sets
the SUPPRESS_NOTIFICATIONS flag.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.card import DIGEST_CATEGORY_CHARS as CATEGORY_CHARS
from adapters.card import digest_line
from adapters.discord.limits import LIMITS, Limits
from adapters.discord.markdown import escape_markdown, fit_markdown
from adapters.discord.render import CREATE_MESSAGE, DEFAULT_COLOUR, NO_MENTIONS, SUPPRESS_NOTIFICATIONS, render_text
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang, message
from bot.digests import Digest, DigestItem
from bot.request import Request
from bot.textfit import fit_text

__all__ = ["CATEGORY_CHARS", "render_digest"]

_TITLE_CHARS = 200
"""Our choice: a longer title is cut, so a digest's lines stay readable (and many fit)."""
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _escape_all(text: str) -> str:
    """Escape every ASCII punctuation mark (Discord hides a backslash before any): inside a
    link's text even a bare URL must not keep its brackets."""
    return _PUNCTUATION.sub(lambda match: "\\" + match.group(), text)


def _link_target(url: str) -> str:
    """A URL as a Markdown link target: parentheses would end the link early, so they are encoded."""
    return url.replace("(", "%28").replace(")", "%29")


def _line(item: DigestItem, lang: Lang, limits: Limits, *, plain: bool) -> str:
    """One listed article: a Markdown line (or, `plain`, the words and the bare link)."""
    line = digest_line(item, lang, title_limit=_TITLE_CHARS, url_limit=limits.url)
    if plain:
        return f"• {line.title}{line.tail}" + (f"\n  {line.url}" if line.url else "")
    shown = fit_markdown(line.title, _TITLE_CHARS, _escape_all)
    head = f"[{shown}]({_link_target(line.url)})" if line.url else shown
    return f"• {head}{escape_markdown(line.tail)}"


def render_digest(
    digest: Digest,
    lang: Lang = "en",
    *,
    plain: bool = False,
    style: CardStyle = DEFAULT_STYLE,
    limits: Limits = LIMITS,
) -> list[Request]:
    """Return the create_message request that posts `digest` (plain: message contents, split
    when longer than one message)."""
    count = len(digest.items) + digest.more
    header = message("digest.header", lang, count=count)
    lines = [_line(item, lang, limits, plain=plain) for item in digest.items]
    if plain:
        more = [message("digest.more", lang, count=digest.more)] if digest.more else []
        requests = render_text("\n".join([header, "", *lines, *more]), limits)
        return [_flagged(request, style) for request in requests]
    description = _description(lines, digest.more, lang, limits)
    embed: dict[str, Any] = {
        "title": fit_text(header, limits.title),
        "description": description,
        "color": DEFAULT_COLOUR,
    }
    return [_flagged(Request(CREATE_MESSAGE, {"embeds": [embed], "allowed_mentions": NO_MENTIONS}), style)]


def _description(lines: list[str], more: int, lang: Lang, limits: Limits) -> str:
    """Join as many lines as fit the description (with room for the "…and N more" line); the
    lines left out are added to that count."""
    room = min(limits.description, limits.total - limits.title)
    for kept in range(len(lines), -1, -1):
        left = more + len(lines) - kept
        tail = [f"*{escape_markdown(message('digest.more', lang, count=left))}*"] if left else []
        text = "\n".join([*lines[:kept], *tail])
        if len(text) <= room:
            return text
    return ""  # pragma: no cover - the "more" line alone always fits


def _flagged(request: Request, style: CardStyle) -> Request:
    if not style.silent:
        return request
    return Request(request.method, {**request.params, "flags": SUPPRESS_NOTIFICATIONS})
