"""Render a digest (`bot.digests.Digest`) as Telegram Bot API requests.

One text message (more when it would pass Telegram's 4096 units or 100 entities): a bold header
"Digest · N new articles", then one line per article — its title linking to the article, its
category and date — and "…and 5 more" when more came than a digest lists. In HTML, or without
markup when `plain`. Link previews are off (a digest links many articles, none in particular);
`style.silent` sends without a notification sound.
"""

from __future__ import annotations

from html import escape
from typing import Any

from adapters.card import DIGEST_CATEGORY_CHARS as CATEGORY_CHARS
from adapters.card import digest_line
from adapters.telegram.limits import LIMITS, Limits
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang, message
from bot.digests import Digest, DigestItem
from bot.request import Request

__all__ = ["CATEGORY_CHARS", "render_digest"]

def _text(text: str) -> str:
    return escape(text, quote=False)


def _line(item: DigestItem, lang: Lang, limits: Limits, *, plain: bool) -> tuple[str, int, int]:
    """Return (line, visible UTF-16 units, entities) for one listed article."""
    measure = limits.measure
    line = digest_line(item, lang, title_limit=limits.title, url_limit=limits.url, measure=measure)
    visible = "• " + line.title + line.tail
    if plain:
        return visible, measure(visible), 0
    if line.url:
        return f'• <a href="{escape(line.url, quote=True)}">{_text(line.title)}</a>{_text(line.tail)}', measure(visible), 1
    return _text(visible), measure(visible), 0


def render_digest(
    digest: Digest,
    lang: Lang = "en",
    *,
    plain: bool = False,
    style: CardStyle = DEFAULT_STYLE,
    limits: Limits = LIMITS,
) -> list[Request]:
    """Return the sendMessage requests that post `digest` (one unless it is too long for one)."""
    count = len(digest.items) + digest.more
    header = message("digest.header", lang, count=count)
    lines = [
        (header, limits.measure(header), 0) if plain else (f"<b>{_text(header)}</b>", limits.measure(header), 1),
        ("", 0, 0),
    ]
    lines += [_line(item, lang, limits, plain=plain) for item in digest.items]
    if digest.more:
        more = message("digest.more", lang, count=digest.more)
        lines.append((more, limits.measure(more), 0) if plain else (f"<i>{_text(more)}</i>", limits.measure(more), 1))
    params: dict[str, Any] = {"link_preview_options": {"is_disabled": True}}
    if not plain:
        params["parse_mode"] = "HTML"
    if style.silent:
        params["disable_notification"] = True
    return [Request("sendMessage", {"text": text, **params}) for text in _packed(lines, limits)]


def _packed(lines: list[tuple[str, int, int]], limits: Limits) -> list[str]:
    """Join lines into as few texts as fit Telegram's length and entity limits (a line is never cut;
    each is far shorter than a message)."""
    texts: list[str] = []
    current: list[str] = []
    size = entities = 0
    for html, units, marks in lines:
        joined = units + (1 if current else 0)
        if current and (size + joined > limits.text or entities + marks > limits.entities):
            texts.append("\n".join(current).strip("\n"))
            current, size, entities, joined = [], 0, 0, units
        if not current and not html:
            continue  # no blank line at the top of a message
        current.append(html)
        size += joined
        entities += marks
    if current:
        texts.append("\n".join(current).strip("\n"))
    return [text for text in texts if text.strip()]
