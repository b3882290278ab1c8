"""Render summaries, whole articles and plain replies as Discord Create Message payloads.

Each request is ``Request("create_message", payload)`` where payload is the JSON body of
``POST /channels/{id}/messages``. Mentions never ping (``allowed_mentions.parse = []``), text is
markdown-escaped, a paragraph with inline markup keeps its links, emphasis and code as Discord
Markdown (`adapters.inline_markdown`, through html2text), and every embed and message stays inside
Discord's limits, the 6000-character message total included (discord.py does not check that one).
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from adapters.card import (
    SEPARATOR,
    clean_line,
    clean_text,
    hashtags_of,
    read_command,
    safe_url,
    timestamp_of,
    title_of,
)
from adapters.discord.limits import LIMITS, Limits
from adapters.discord.markdown import escape_markdown, fit_markdown, split_markdown
from adapters.discord.template_fit import fit_template_markdown
from adapters.inline_markdown import html_to_markdown
from bot.cardstyle import DEFAULT_STYLE, CardStyle, shaped
from bot.commands.i18n import Lang, message
from bot.request import Request
from bot.summary.inline import says
from bot.summary.model import Block, Image, Paragraph, Summary
from bot.templating import Layout
from bot.textfit import fit_text

CREATE_MESSAGE = "create_message"
NO_MENTIONS: dict[str, Any] = {"parse": []}
SUPPRESS_EMBEDS = 1 << 2
"""Message flag: no link embeds (unfurls) for the URLs in its content (discord.com/developers/docs/
resources/message#message-object-message-flags)."""
SUPPRESS_NOTIFICATIONS = 1 << 12
"""Message flag: deliver without push or desktop notifications (same table)."""
DEFAULT_COLOUR = 0x5865F2
# Discord's own brand colours and their neighbours: readable on light and dark themes, never 0
# (0 would mean "no colour").
PALETTE = (
    0x5865F2, 0x57F287, 0xFEE75C, 0xEB459E, 0xED4245, 0x3498DB,
    0x1ABC9C, 0xE67E22, 0x9B59B6, 0x2ECC71, 0xF1C40F, 0xE91E63,
)


def colour_of(categories: Sequence[str]) -> int:
    """Return a stable embed colour for the first category (Discord blurple without one)."""
    for category in categories:
        key = unicodedata.normalize("NFKC", category).casefold().strip()
        if key:
            return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]
    return DEFAULT_COLOUR


def _quote(text: str) -> str:
    return "> " + escape_markdown(text).replace("\n", "\n> ")


def _code(text: str) -> str:
    # A zero-width space after every backtick: no run of three can close the fence early.
    return "```\n" + text.replace("`", "`\u200b") + "\n```"


# Block kind → how its plain text is written in markdown.
_RENDER: dict[str, Callable[[str], str]] = {
    "p": escape_markdown,
    "heading": lambda text: "**" + escape_markdown(" ".join(text.split())) + "**",
    "quote": _quote,
    "code": _code,
    "item": escape_markdown,  # the text already starts with its marker ("• ", "1. ")
}


def _marked_up(block: Paragraph, text: str, limit: int) -> str | None:
    """Return the paragraph with its inline markup as Discord Markdown when it has some, says
    the same as its text and fits in one description; else None (its text is shown escaped)."""
    if not block.html or block.kind not in ("p", "item", "quote") or not says(block.html, text):
        return None
    shown = clean_text(html_to_markdown(block.html, escape_markdown))
    if block.kind == "quote":
        shown = "> " + shown.replace("\n", "\n> ")
    return shown if 0 < len(shown) <= limit else None


def _pieces(block: Paragraph, text: str, limit: int) -> list[str]:
    """Return the paragraph as Markdown pieces of at most `limit` characters each."""
    shown = _marked_up(block, text, limit)
    if shown is not None:
        return [shown]
    return list(split_markdown(text, limit, _RENDER.get(block.kind, escape_markdown)))


def _excerpt(summary: Summary, room: int) -> str:
    """Return the card's excerpt: with its links and emphasis when that fits `room`, else escaped."""
    plain = clean_text(summary.excerpt).strip()
    if summary.excerpt_html and says(summary.excerpt_html, plain):
        shown = clean_text(html_to_markdown(summary.excerpt_html, escape_markdown)).strip()
        if len(shown) <= room:
            return shown
    return fit_markdown(plain, room).strip()


def _footer(summary: Summary) -> str:
    """Return "category · category · #tag", leaving out hashtags that repeat a category."""
    categories = [c for c in map(clean_line, summary.categories) if c]
    known = {c.casefold().replace(" ", "_") for c in categories}
    tags = " ".join(t for t in hashtags_of(summary).split() if t[1:].casefold() not in known)
    return SEPARATOR.join(part for part in (SEPARATOR.join(categories), tags) if part)


def _card(summary: Summary, limits: Limits, lang: Lang) -> tuple[dict[str, Any], int]:
    """Return the card embed without a description, and the room its description has."""
    url = safe_url(summary.url, limits.url)
    # Discord shows embed titles without Markdown, so an escaped "_" would show its backslash.
    title = fit_text(title_of(summary, lang), limits.title)
    author = fit_text(clean_line(summary.author), limits.author)
    footer = fit_text(_footer(summary), limits.footer)
    embed: dict[str, Any] = {"title": title}
    if url:
        embed["url"] = url
    embed["color"] = colour_of(summary.categories)
    embed["timestamp"] = timestamp_of(summary.date)
    if author:
        embed["author"] = {"name": author}
    if footer:
        embed["footer"] = {"text": footer}
    # Shorten the description first to keep the whole message within the total.
    room = min(limits.description, limits.total - len(title) - len(author) - len(footer))
    return embed, room


def _message(embeds: list[dict[str, Any]]) -> Request:
    return Request(CREATE_MESSAGE, {"embeds": embeds, "allowed_mentions": NO_MENTIONS})


def render_summary(
    summary: Summary, limits: Limits = LIMITS, *, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE,
    template: Layout | None = None,
) -> list[Request]:
    """Return the one create_message request that posts `summary` as a rich embed (the pointer
    to `/read` in the reader's language `lang`), shaped by the subscription's `style`
    (`bot.cardstyle`); silent adds the SUPPRESS_NOTIFICATIONS flag. The embed is the card itself,
    so no link in it unfurls: previews off changes nothing here. An operator's `template` writes
    the description instead (fitted to the room the embed has); title, link, image, author and
    footer stay. A template that fails or shows nothing: the default description."""
    summary = shaped(summary, style)
    embed, room = _card(summary, limits, lang)
    output = template.try_render(summary, lang, "discord") if template is not None else None
    description = fit_template_markdown(output, room) if output is not None else ""
    if not description:
        command = "" if "url" in embed else read_command(summary)
        tail = "\n\n" + message("read.pointer", lang, command=f"`{command}`") if command else ""
        excerpt = _excerpt(summary, room - len(tail))
        description = (excerpt + tail).strip()
    if description:
        embed["description"] = description
    image = safe_url(summary.image, limits.url)
    if image:
        embed["image"] = {"url": image}
    return [flagged(_message([embed]), style)]


def render_plain_summary(
    summary: Summary, limits: Limits = LIMITS, *, style: CardStyle = DEFAULT_STYLE
) -> list[Request]:
    """Return `summary` as plain message content (for a channel that refused the embed): title,
    excerpt and link, shaped by `style`; with previews off its links do not unfurl."""
    summary = shaped(summary, style)
    lines = [summary.title, summary.excerpt, summary.url or ""]
    requests = render_text("\n\n".join(line for line in lines if line), limits)
    return [flagged(request, style, plain=True) for request in requests]


def flagged(request: Request, style: CardStyle, *, plain: bool = False) -> Request:
    """Return `request` with the message flags `style` asks for (none for the default style):
    SUPPRESS_NOTIFICATIONS when silent; for `plain` content, whose links Discord would unfurl,
    SUPPRESS_EMBEDS when previews are off (it would hide an embed card itself)."""
    flags = SUPPRESS_NOTIFICATIONS if style.silent else 0
    if plain and not style.preview:
        flags |= SUPPRESS_EMBEDS
    return Request(request.method, {**request.params, "flags": flags}) if flags else request


def _embed_size(embed: dict[str, Any]) -> int:
    """Return the embed's share of the 6000-character message total."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("author", {}).get("name", "")) + len(embed.get("footer", {}).get("text", ""))
    return size + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", ()))


def _descriptions(blocks: Sequence[Block], first_room: int, limits: Limits) -> list[str | Image]:
    """Group the text blocks into descriptions ≤ the limit, images between them.

    The first part goes into the card, which has only `first_room`; when the first piece of
    text does not fit there, the first part is "" (the card gets no description).
    """
    out: list[str | Image] = []
    current: list[str] = []
    used = 0
    last_item = False

    def flush() -> None:
        nonlocal used, last_item
        if current:
            out.append("".join(current))
            current.clear()
        used, last_item = 0, False

    for block in blocks:
        if isinstance(block, Image):
            flush()
            out.append(block)
            continue
        text = clean_text(block.text)
        text = text.strip("\n").rstrip() if block.kind == "code" else text.strip()
        if not text.strip():
            continue
        is_item = block.kind == "item"
        for piece in _pieces(block, text, limits.description):
            room = limits.description if out else first_room
            sep = "\n" if is_item and last_item else "\n\n"
            if current and used + len(sep) + len(piece) > room:
                flush()
                room = limits.description
            if not out and not current and len(piece) > room:
                out.append("")
            if current:
                current.append(sep)
                used += len(sep)
            current.append(piece)
            used += len(piece)
            last_item = is_item
    flush()
    return out


def render_article(
    summary: Summary, blocks: Sequence[Block], limits: Limits = LIMITS, *, lang: Lang = "en"
) -> list[Request]:
    """Return the whole article as create_message requests: embeds in order, images in place."""
    card, room = _card(summary, limits, lang)
    colour = card["color"]
    embeds: list[dict[str, Any]] = [card]
    parts = _descriptions(blocks, room, limits)
    if parts and isinstance(parts[0], str):
        if parts[0]:
            card["description"] = parts[0]
        parts = parts[1:]
    for part in parts:
        if isinstance(part, str):
            if part:
                embeds.append({"description": part, "color": colour})
            continue
        url = safe_url(part.url, limits.url)
        if url is None:
            continue
        embed: dict[str, Any] = {"color": colour, "image": {"url": url}}
        alt = fit_markdown(clean_line(part.alt), limits.title)
        if alt:
            embed["description"] = alt
        embeds.append(embed)
    requests: list[Request] = []
    batch: list[dict[str, Any]] = []
    total = 0
    for embed in embeds:
        size = _embed_size(embed)
        if batch and (len(batch) == limits.embeds or total + size > limits.total):
            requests.append(_message(batch))
            batch, total = [], 0
        batch.append(embed)
        total += size
    requests.append(_message(batch))
    return requests


def render_text(text: str, limits: Limits = LIMITS) -> list[Request]:
    """Return a plain reply as escaped message contents, each ≤ the content limit; none when blank."""
    text = clean_text(text).strip()
    if not text:
        return []
    return [
        Request(CREATE_MESSAGE, {"content": part, "allowed_mentions": NO_MENTIONS})
        for part in split_markdown(text, limits.content)
        if part.strip()
    ]

