"""What the article page shows: a Telegram bubble and a Discord embed, built from the exact
requests the platforms' renderers give (`herald preview --json`), never re-rendered by hand.

Telegram captions are HTML: they are parsed here and only Telegram's own tags are kept (links only
to http, https and tg addresses); every other tag is dropped and all text is escaped, so a post's
text can never become markup in the panel. Discord descriptions are Markdown: shown as escaped
text with `**bold**`, `*italics*`, `code` and [links](https://…) drawn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from bot.request import Request

MAX_HTML_CHARS = 20_000
"""Most caption or description text shown (Telegram's own caps are 1,024 and 4,096)."""
ALLOWED_TAGS = {
    "b": "strong", "strong": "strong", "i": "em", "em": "em", "u": "u", "ins": "u", "s": "s", "strike": "s",
    "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-spoiler": "span", "a": "a",
}
"""Telegram's HTML tags (https://core.telegram.org/bots/api#html-style) → what the panel draws."""
LINK_SCHEMES = ("http", "https", "tg")


def safe_href(url: str | None) -> str | None:
    """Return `url` when it is a link the panel may draw (http, https, tg), else None."""
    if not url or len(url) > 2048:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


def safe_image(url: object) -> str | None:
    """Return an image address the panel may show (http or https), else None."""
    if not isinstance(url, str):
        return None
    href = safe_href(url)
    return href if href and urlsplit(href).scheme.lower() in ("http", "https") else None


class _Caption(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and ("class", "tg-spoiler") in attrs:
            tag = "tg-spoiler"
        drawn = ALLOWED_TAGS.get(tag)
        if drawn is None or len(self.open) >= 16:
            return
        if drawn == "a":
            href = safe_href(dict(attrs).get("href"))
            if href is None:
                self.open.append("")
                return
            self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow" target="_blank">')
        elif tag == "tg-spoiler":
            self.out.append('<span class="spoiler">')
        else:
            self.out.append(f"<{drawn}>")
        self.open.append(drawn)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            tag = "tg-spoiler"
        drawn = ALLOWED_TAGS.get(tag)
        if drawn is None or drawn not in self.open:
            return
        while self.open:
            top = self.open.pop()
            if top:
                self.out.append(f"</{top}>")
            if top == drawn:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(str(escape(data)))

    def result(self) -> Markup:
        self.close()
        closing = [f"</{top}>" for top in reversed(self.open) if top]
        return Markup("".join(self.out + closing))  # every piece was escaped, or is a tag written here


def telegram_html(text: str) -> Markup:
    """Return Telegram HTML as safe markup: Telegram's tags kept, every other tag dropped, text escaped."""
    parser = _Caption()
    parser.feed(text[:MAX_HTML_CHARS])
    return parser.result()


_MD = re.compile(
    r"`(?P<code>[^`\n]{1,500})`"
    r"|\*\*(?P<bold>[^*\n]{1,500})\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\n]{1,500})\*(?![\w*])"
    r"|\[(?P<label>[^\]\n]{1,300})\]\((?P<href>[^)\s]{1,2048})\)"
)


def discord_markdown(text: str) -> Markup:
    """Return a Discord description as safe markup: escaped text, with code, bold, italics and links."""
    text = text[:MAX_HTML_CHARS]
    out: list[str] = []
    at = 0
    for match in _MD.finditer(text):
        out.append(str(escape(text[at:match.start()])))
        if match["code"] is not None:
            out.append(f"<code>{escape(match['code'])}</code>")
        elif match["bold"] is not None:
            out.append(f"<strong>{escape(match['bold'])}</strong>")
        elif match["em"] is not None:
            out.append(f"<em>{escape(match['em'])}</em>")
        else:
            href = safe_href(match["href"])
            label = escape(match["label"])
            out.append(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow" target="_blank">{label}</a>'
                       if href else str(escape(match[0])))
        at = match.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))  # every piece was escaped, or is a tag written here


@dataclass(frozen=True, slots=True)
class Bubble:
    """One Telegram message as the chat shows it."""

    photo: str | None
    html: Markup
    buttons: tuple[tuple[str, str], ...] = ()
    """(label, url) of its inline keyboard's link buttons."""


@dataclass(frozen=True, slots=True)
class Embed:
    """One Discord embed as the client shows it."""

    colour: str
    title: str = ""
    url: str | None = None
    author: str = ""
    description: Markup = field(default_factory=Markup)
    footer: str = ""
    timestamp: str = ""
    image: str | None = None


def telegram_bubbles(requests: Sequence[Request]) -> list[Bubble]:
    """Turn Telegram Bot API requests (sendMessage, sendPhoto) into bubbles."""
    bubbles = []
    for request in requests:
        params = request.params
        if request.method == "sendPhoto":
            text, photo = str(params.get("caption", "")), safe_image(params.get("photo"))
        elif request.method == "sendMessage":
            text, photo = str(params.get("text", "")), None
        else:
            continue
        html = telegram_html(text) if params.get("parse_mode") == "HTML" else Markup(escape(text))
        bubbles.append(Bubble(photo=photo, html=html, buttons=_buttons(params.get("reply_markup"))))
    return bubbles


def _buttons(markup: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(markup, dict):
        return ()
    found = []
    for row in markup.get("inline_keyboard") or ():
        for button in row if isinstance(row, list) else ():
            href = safe_href(button.get("url")) if isinstance(button, dict) else None
            if href:
                found.append((str(button.get("text", "")), href))
    return tuple(found)


def discord_embeds(requests: Sequence[Request]) -> list[Embed]:
    """Turn Discord create_message requests into the embeds the client draws."""
    embeds = []
    for request in requests:
        for embed in request.params.get("embeds") or ():
            if not isinstance(embed, dict):
                continue
            colour = embed.get("color")
            image = embed.get("image")
            image = image if isinstance(image, dict) else {}
            embeds.append(Embed(
                colour=f"#{colour:06x}" if isinstance(colour, int) and 0 <= colour <= 0xFFFFFF else "#202225",
                title=str(embed.get("title", "")),
                url=safe_href(embed.get("url")),
                author=str((embed.get("author") or {}).get("name", "")),
                description=discord_markdown(str(embed.get("description", ""))),
                footer=str((embed.get("footer") or {}).get("text", "")),
                timestamp=str(embed.get("timestamp", ""))[:10],
                image=safe_image(image.get("url")),
            ))
    return embeds
