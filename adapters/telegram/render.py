"""Render summaries, whole articles and plain replies as Telegram Bot API requests.

Everything is sent with ``parse_mode="HTML"``, except a card rendered `plain` (for a chat that
refused its markup): the same words and cuts without tags or escapes, and no parse_mode. Text is
cut as plain text first and only then wrapped in markup, so a tag is never cut; lengths are
measured on the text Telegram will show (tags do not count, an entity counts as one character),
in UTF-16 units, so both modes keep every limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from adapters.card import (
    clean_line,
    clean_text,
    day_of,
    hashtags_of,
    meta_line,
    read_more,
    read_pointer,
    safe_url,
    title_of,
)
from adapters.telegram.limits import LIMITS, Limits
from adapters.telegram.template_fit import fit_template_html
from bot.cardstyle import DEFAULT_STYLE, CardStyle, shaped
from bot.commands.i18n import Lang
from bot.request import Request
from bot.summary.model import Block, Image, Paragraph, Summary
from bot.templating import Layout
from bot.textfit import fit_text, split_text

NO_PREVIEW: dict[str, Any] = {"is_disabled": True}

# Block kind → (opening tag, closing tag, entities it adds, prefix shown before the text).
_WRAP: dict[str, tuple[str, str, int, str]] = {
    "p": ("", "", 0, ""),
    "heading": ("<b>", "</b>", 1, ""),
    "quote": ("<blockquote>", "</blockquote>", 1, ""),
    "code": ("<pre>", "</pre>", 1, ""),
    "item": ("", "", 0, ""),  # the text already starts with its marker ("• ", "1. ")
}


@dataclass(frozen=True, slots=True)
class _Piece:
    """A ready piece of message HTML and what it costs: visible UTF-16 units and entities."""

    html: str
    size: int
    entities: int
    tight: bool = False
    """Joined to a previous tight piece with one newline (list items), else a blank line."""


def _text(text: str) -> str:
    return escape(text, quote=False)


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _keyboard(url: str, lang: Lang = "en") -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": read_more(lang), "url": url}]]}


def _title_html(title: str, url: str | None, *, plain: bool = False) -> str:
    if plain:
        return title
    if url:
        return f'<b><a href="{_attr(url)}">{_text(title)}</a></b>'
    return f"<b>{_text(title)}</b>"


def _header(
    summary: Summary, url: str | None, limit: int, reserve: int, limits: Limits, *, plain: bool = False
) -> tuple[str, int, int]:
    """Return (header HTML, its visible size, room left) for title and meta within `limit`.

    `reserve` is what must fit after the header besides the excerpt. When the room left for the
    excerpt is too small, shorten the title, then drop the tags.
    """
    measure = limits.measure
    title = title_of(summary)
    author = fit_text(clean_line(summary.author), limits.author, measure)
    day = day_of(summary.date)
    tags = hashtags_of(summary, limits.hashtag, limits.hashtags)
    attempts = ((limits.title, tags), (limits.title // 2, tags), (limits.title // 4, ""))
    for title_room, kept_tags in attempts:
        shown = fit_text(title, title_room, measure)
        meta = meta_line(author, day, kept_tags)
        size = measure(shown) + 1 + measure(meta)
        room = limit - size - reserve
        if room >= limits.min_excerpt:
            break
    html = f"{_title_html(shown, url, plain=plain)}\n{meta if plain else _text(meta)}"
    return html, size, room


def render_summary(
    summary: Summary,
    limits: Limits = LIMITS,
    *,
    lang: Lang = "en",
    plain: bool = False,
    style: CardStyle = DEFAULT_STYLE,
    template: Layout | None = None,
) -> list[Request]:
    """Return the one request that posts `summary`: a captioned photo, or a text message, its
    link and pointer in the reader's language `lang`; in HTML, or as plain text when `plain`;
    shaped by the subscription's `style` (`bot.cardstyle`): without notification when silent,
    without link preview when previews are off. An operator's `template` writes the caption or
    text instead (sanitised and fitted to the same limit; its visible text only when `plain`);
    photo, button and options stay. A template that fails or shows nothing: the default card."""
    summary = shaped(summary, style)
    text = (lambda words: words) if plain else _text
    markup: dict[str, Any] = {} if plain else {"parse_mode": "HTML"}
    image = safe_url(summary.image, limits.url)
    url = safe_url(summary.url, limits.url)
    limit = limits.caption if image else limits.text
    pointer = "" if url else read_pointer(summary, lang)
    reserve = 2 + limits.measure(pointer) if pointer else 0
    header, _, room = _header(summary, url, limit, reserve, limits, plain=plain)
    excerpt = fit_text(clean_text(summary.excerpt).strip(), room - 2, limits.measure).strip()
    body = header
    if excerpt:
        body += "\n\n" + text(excerpt)
    if pointer:
        body += "\n\n" + text(pointer)
    if template is not None:
        output = template.try_render(summary, lang, "telegram")
        body = (output is not None and fit_template_html(output, limit, limits, plain=plain)) or body
    params: dict[str, Any]
    if image:
        params = {"photo": image, "caption": body, **markup}
        method = "sendPhoto"
    else:
        params = {"text": body, **markup, "link_preview_options": _preview(url, style)}
        method = "sendMessage"
    if url:
        params["reply_markup"] = _keyboard(url, lang)
    if style.silent:
        params["disable_notification"] = True
    return [Request(method, params)]


def _preview(url: str | None, style: CardStyle) -> dict[str, Any]:
    """Return a text card's link preview: the article's page, large unless thumbnails are off."""
    if not url or not style.preview:
        return NO_PREVIEW
    if not style.thumbnail:
        return {"url": url, "prefer_small_media": True}
    return {"url": url, "prefer_large_media": True}


def _pieces(block: Paragraph, limits: Limits) -> list[_Piece]:
    """Return `block` as pieces that each fit one message, cut at paragraph then sentence."""
    text = clean_text(block.text)
    # Keep a code block's indentation; elsewhere outer white space is noise.
    text = text.strip("\n").rstrip() if block.kind == "code" else text.strip()
    if not text.strip():
        return []
    open_tag, close_tag, entities, prefix = _WRAP.get(block.kind, _WRAP["p"])
    measure = limits.measure
    room = limits.text - measure(prefix)
    tight = block.kind == "item"
    return [
        _Piece(f"{open_tag}{_text(prefix + part)}{close_tag}", measure(prefix + part), entities, tight)
        for part in split_text(text, room, measure)
    ]


def _message(html: str) -> Request:
    return Request("sendMessage", {"text": html, "parse_mode": "HTML", "link_preview_options": NO_PREVIEW})


def _photo(image: Image, limits: Limits) -> Request | None:
    url = safe_url(image.url, limits.url)
    if url is None:
        return None
    params: dict[str, Any] = {"photo": url}
    alt = fit_text(clean_line(image.alt), limits.caption, limits.measure)
    if alt:
        params.update(caption=_text(alt), parse_mode="HTML")
    return Request("sendPhoto", params)


def render_article(summary: Summary, blocks: Sequence[Block], limits: Limits = LIMITS) -> list[Request]:
    """Return the whole article as messages ≤ the text limit, photos in place, title first."""
    url = safe_url(summary.url, limits.url)
    header, size, _ = _header(summary, url, limits.text, 0, limits)
    requests: list[Request] = []
    parts: list[str] = [header]
    used, entities, last_tight = size, 2 if url else 1, False

    def flush() -> None:
        nonlocal used, entities, last_tight
        if parts:
            requests.append(_message("".join(parts)))
        parts.clear()
        used, entities, last_tight = 0, 0, False

    for block in blocks:
        if isinstance(block, Image):
            photo = _photo(block, limits)
            if photo is not None:
                flush()
                requests.append(photo)
            continue
        for piece in _pieces(block, limits):
            sep = "\n" if piece.tight and last_tight else "\n\n"
            if parts and (
                used + len(sep) + piece.size > limits.text or entities + piece.entities > limits.entities
            ):
                flush()
            if parts:
                parts.append(sep)
                used += len(sep)
            parts.append(piece.html)
            used += piece.size
            entities += piece.entities
            last_tight = piece.tight
    flush()
    if url:
        last = requests[-1]
        requests[-1] = Request(last.method, {**last.params, "reply_markup": _keyboard(url)})
    return requests


def render_text(text: str, limits: Limits = LIMITS) -> list[Request]:
    """Return a plain reply as escaped text messages, each ≤ the text limit; none when blank."""
    text = clean_text(text).strip()
    if not text:
        return []
    return [_message(_text(part)) for part in split_text(text, limits.text, limits.measure) if part.strip()]
