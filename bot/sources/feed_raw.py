"""A feed as read, before it becomes articles: `RawEntry` holds one entry's fields as plain,
bounded strings, whichever format (RSS, Atom, JSON Feed) it came from; `ParsedFeed` the entries
and what went wrong reading them. The bounds are applied here, once, so every later step (the
digest, the article, the summary) works on a few hundred kilobytes at most per entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from bot.content.bounds import MAX_TERM_CHARS, MAX_TERMS

__all__ = [
    "MAX_CONTENT_CHARS",
    "MAX_SUMMARY_CHARS",
    "ParsedFeed",
    "RawEntry",
    "clean_line",
    "cut",
    "terms",
    "text_to_html",
]

MAX_CONTENT_CHARS = 512 * 1024
"""An entry's content (HTML) beyond this is cut: a card needs its first paragraphs, /read a page."""
MAX_SUMMARY_CHARS = 64 * 1024
MAX_TITLE_CHARS = 2048
"""A raw title (before its markup is stripped); the title shown is shorter still."""
MAX_URL_CHARS = 4096
MAX_AUTHOR_CHARS = 200
MAX_IDENT_CHARS = 8192
"""A raw guid/id read; identities longer than `bot.sources.model.MAX_IDENT` are hashed later."""
MAX_IMAGES = 8

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One feed entry's fields, bounded; URLs absolute where the feed allowed it."""

    ident: str
    """guid / id, "" when the feed gave none."""
    title: str
    title_html: bool
    link: str
    """The entry's page (absolute http(s)), or ""."""
    content: str
    """Full text as HTML (`content:encoded`, Atom `content`, `content_html`), or ""."""
    summary: str
    """Description / summary as HTML, or ""; the same as `content` when the feed gave only one."""
    base: str
    """What relative links in `content` and `summary` resolve against."""
    published: datetime | None = None
    updated: datetime | None = None
    published_text: str = ""
    updated_text: str = ""
    author: str = ""
    categories: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    """Thumbnail candidates in order: media:thumbnail, image media:content, image enclosures."""
    lang: str = ""


@dataclass(slots=True)
class ParsedFeed:
    """What a feed document held: its link, its entries (at most the cap) and its problems."""

    format: str
    """feedparser's version (`rss20`, `atom10`, …) or `json1`/`json11`."""
    link: str = ""
    """The site the feed is about (its `link` / `home_page_url`), absolute, or ""."""
    entries: list[RawEntry] = field(default_factory=list)
    broken: str | None = None
    """Why the document is not well-formed, when it was read anyway (feedparser's bozo)."""
    dropped: int = 0
    """Entries past the cap, not read."""
    skipped: list[str] = field(default_factory=list)
    """Entries that could not be read at all, each with why."""
    hub: str = ""
    """The WebSub hub the feed names (`<link rel="hub">`, JSON Feed `hubs`), absolute http(s), or ""."""
    self_url: str = ""
    """The feed's own URL as it names it (`<link rel="self">`, JSON Feed `feed_url`): the WebSub topic, or ""."""


def cut(value: object, limit: int) -> str:
    """`value` as a string of at most `limit` characters, without NUL (databases refuse it) or lone
    surrogates; "" for anything that is not a string."""
    if not isinstance(value, str):
        return ""
    value = value[:limit]
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", value)  # JSON can escape lone surrogates; UTF-8 cannot hold them


def clean_line(value: object, limit: int) -> str:
    """One line of text: control characters dropped, white space collapsed, at most `limit`."""
    text = cut(value, limit * 4)
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()[:limit]


def terms(values: list[object] | tuple[object, ...]) -> tuple[str, ...]:
    """Category names: non-empty, unique, at most `MAX_TERMS`, each at most `MAX_TERM_CHARS`."""
    seen: dict[str, None] = {}
    for value in values:
        name = clean_line(value, MAX_TERM_CHARS)
        if name:
            seen.setdefault(name)
            if len(seen) >= MAX_TERMS:
                break
    return tuple(seen)


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines part them, line breaks stay), so the summariser
    never reads a text body as Markdown."""
    if not text.strip():
        return ""
    paragraphs = (escape(part.strip(), quote=False).replace("\n", "<br>") for part in _BLANK_LINE.split(text))
    return "".join(f"<p>{part}</p>" for part in paragraphs if part)
