"""RSS 0.9x/1.0/2.0 and Atom documents → `ParsedFeed`, with feedparser.

feedparser is given the bytes as a stream (a bare `bytes` or `str` argument may be opened as a
file path or fetched as a URL), the document's URL as Content-Location (its base for relative
links, with `xml:base` on top), and neither its HTML sanitiser nor its relative-link rewriting:
both walk every entry's HTML in pure Python (seconds for a hostile megabyte), while the
summariser sanitises with its own parser anyway and `bot.sources.feed_entries` resolves links.
Its expat parser keeps no external entities, and it drops entity declarations that refer to
other entities, so an entity bomb reads as a few bytes (and a bozo feed). A document with more
than `MAX_ENTRIES` entries is cut before the next one: entries cost feedparser ~25 µs and a
kilobyte each, however small the XML.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.content.links import absolute_url
from bot.sources.feed_raw import (
    MAX_AUTHOR_CHARS,
    MAX_CONTENT_CHARS,
    MAX_IDENT_CHARS,
    MAX_IMAGES,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    ParsedFeed,
    RawEntry,
    clean_line,
    cut,
    terms,
    text_to_html,
)
from bot.sources.model import MAX_ENTRIES

__all__ = ["parse_xml"]

_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_QUIET = (feedparser.NonXMLContentType,)
"""Bozo reasons not worth a warning: many good feeds are served as text/html or octet-stream."""


def parse_xml(body: bytes, url: str, content_type: str, limit: int = MAX_ENTRIES) -> ParsedFeed:
    """Read an RSS or Atom document configured at `url` (never raises for bad input: a document
    that is not a feed comes back with no entries and `broken` saying why, if feedparser knew).

    `url` is the configured URL, not where redirects led: feedparser resolves relative guids
    (unless `isPermaLink="false"`) and Atom ids against it, and identities must not change when
    the feed moves."""
    body, dropped = _first_entries(body, limit)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type[:200]
    result = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    feed = result.get("feed") or {}
    parsed = ParsedFeed(format=str(result.get("version") or ""), link=_url(feed.get("link"), url), dropped=dropped)
    parsed.hub, parsed.self_url = _linked(feed, "hub", url), _linked(feed, "self", url)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if problem is not None and not isinstance(problem, _QUIET):
        parsed.broken = clean_line(f"{type(problem).__name__}: {problem}", 300)
    entries = result.get("entries") or []
    parsed.dropped += max(len(entries) - limit, 0)
    author = _author(feed)
    for entry in entries[:limit]:
        parsed.entries.append(_entry(entry, url, parsed.link, author))
    return parsed


def _first_entries(body: bytes, limit: int) -> tuple[bytes, int]:
    """Cut the document before its `limit + 1`-th entry; say how many entries were cut."""
    for count, match in enumerate(_ENTRY_START.finditer(body)):
        if count == limit:
            return body[: match.start()], len(_ENTRY_START.findall(body, match.start()))
    return body, 0


def _url(value: object, base: str) -> str:
    text = cut(value, MAX_URL_CHARS).strip()
    return (absolute_url(text, base) or "") if text else ""


def _linked(feed: Mapping[str, Any], rel: str, base: str) -> str:
    """The first feed-level link of relation `rel` (`hub`, `self`), absolute, or ""."""
    links = feed.get("links")
    for link in links[:50] if isinstance(links, list) else ():
        if isinstance(link, Mapping) and link.get("rel") == rel:
            return _url(link.get("href"), base)
    return ""


def _is_html(detail: object) -> bool:
    return isinstance(detail, Mapping) and str(detail.get("type", "")).lower() in _HTML_TYPES


def _html(value: object, detail: object, limit: int) -> str:
    text = cut(value, limit)
    if not text or _is_html(detail):
        return text
    if isinstance(detail, Mapping) and str(detail.get("type", "")).lower() == "text/plain":
        return text_to_html(text)
    return text


def _content(entry: Mapping[str, Any]) -> tuple[str, str, Mapping[str, Any] | None]:
    """The full text (as HTML), its raw value, and its detail (type, base); HTML preferred."""
    items = [item for item in entry.get("content") or () if isinstance(item, Mapping) and isinstance(item.get("value"), str)]
    item = next((i for i in items if _is_html(i)), items[0] if items else None)
    if item is None:
        return "", "", None
    return _html(item["value"], item, MAX_CONTENT_CHARS), item["value"], item


def _date(entry: Mapping[str, Any], key: str) -> datetime | None:
    parsed = _own(entry, f"{key}_parsed")
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _own(entry: Mapping[str, Any], key: str) -> object:
    """The entry's own value (feedparser's `get` answers `updated` with `published`, and warns)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _images(entry: Mapping[str, Any], base: str) -> tuple[str, ...]:
    found: list[object] = []
    for item in entry.get("media_thumbnail") or ():
        if isinstance(item, Mapping):
            found.append(item.get("url"))
    for item in entry.get("media_content") or ():
        if isinstance(item, Mapping) and (
            str(item.get("medium", "")).lower() == "image" or str(item.get("type", "")).lower().startswith("image/")
        ):
            found.append(item.get("url"))
    for item in entry.get("links") or ():
        kind = str(item.get("type", "")).lower() if isinstance(item, Mapping) else ""
        if kind.startswith("image/") and item.get("rel") == "enclosure":
            found.append(item.get("href"))
    urls = dict.fromkeys(u for u in (_url(value, base) for value in found[: MAX_IMAGES * 2]) if u)
    return tuple(urls)[:MAX_IMAGES]


def _author(item: Mapping[str, Any]) -> str:
    detail = item.get("author_detail")
    return clean_line((detail.get("name") if isinstance(detail, Mapping) else None) or item.get("author"), MAX_AUTHOR_CHARS)


def _entry(entry: Mapping[str, Any], document_url: str, feed_link: str, feed_author: str) -> RawEntry:
    link = _url(entry.get("link"), document_url)
    content, raw_content, content_detail = _content(entry)
    summary_detail = entry.get("summary_detail")
    raw_summary = entry.get("summary")
    same = isinstance(raw_summary, str) and raw_summary == raw_content  # feedparser copies content to summary
    summary = "" if same else _html(raw_summary, summary_detail, MAX_SUMMARY_CHARS)
    if not content and summary:
        content, summary, content_detail = summary, "", summary_detail if isinstance(summary_detail, Mapping) else None
    declared = str(content_detail.get("base") or "") if isinstance(content_detail, Mapping) else ""
    # xml:base (Atom) is what the feed says relative links mean; without one (RSS), the entry's page.
    base = declared if declared and declared != document_url else link or feed_link or document_url
    tags = [tag.get("term") or tag.get("label") for tag in entry.get("tags") or () if isinstance(tag, Mapping)]
    return RawEntry(
        ident=cut(entry.get("id"), MAX_IDENT_CHARS).strip(),
        title=cut(entry.get("title"), MAX_TITLE_CHARS),
        title_html=_is_html(entry.get("title_detail")),
        link=link,
        content=content,
        summary=summary,
        base=base,
        published=_date(entry, "published"),
        updated=_date(entry, "updated"),
        published_text=clean_line(_own(entry, "published"), 100),
        updated_text=clean_line(_own(entry, "updated"), 100),
        author=_author(entry) or feed_author,
        categories=terms(tags),
        images=_images(entry, base),
        lang=clean_line(content_detail.get("language") if isinstance(content_detail, Mapping) else "", 35),
    )
