"""JSON Feed 1.0 and 1.1 documents → `ParsedFeed` (feedparser 6 reads only XML).

https://jsonfeed.org/version/1.1: `items` with `id`, `url`, `title`, `content_html` /
`content_text`, `summary`, `image`, `banner_image`, `date_published`, `date_modified`,
`authors` (1.1) or `author` (1.0), `tags`, `attachments`. The document is already within the size
cap; a value of the wrong type is ignored, not trusted, and nesting too deep is a failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
from bot.sources.model import MAX_ENTRIES, SourceFailure

__all__ = ["looks_like_json", "parse_json"]

_VERSION = "https://jsonfeed.org/version/"


def looks_like_json(body: bytes, content_type: str) -> bool:
    """Tell whether the document is JSON (by its type, or by starting with `{`)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.endswith("json"):
        return True
    return body[:64].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_json(body: bytes, url: str, zone: ZoneInfo, limit: int = MAX_ENTRIES) -> ParsedFeed:
    """Read a JSON Feed fetched from `url`; raise `SourceFailure` when it is not one."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise SourceFailure("the JSON feed nests too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceFailure(f"not a feed: the JSON does not parse ({clean_line(str(exc), 120)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceFailure("not a feed: JSON without an items list")
    version = data.get("version")
    name = "json11" if version == _VERSION + "1.1" else "json1"
    home = _url(data.get("home_page_url"), url)
    parsed = ParsedFeed(format=name, link=home, hub=_hub(data.get("hubs"), url), self_url=_url(data.get("feed_url"), url))
    if not (isinstance(version, str) and version.startswith(_VERSION)):
        parsed.broken = "the JSON has no JSON Feed version (read as one anyway)"
    feed_authors = _authors(data)
    items = data["items"]
    parsed.dropped = max(len(items) - limit, 0)
    for number, item in enumerate(items[:limit], 1):
        if not isinstance(item, dict):
            parsed.skipped.append(f"item {number} is not an object")
            continue
        parsed.entries.append(_entry(item, url, home, zone, feed_authors))
    return parsed


def _url(value: object, base: str) -> str:
    text = cut(value, MAX_URL_CHARS).strip()
    return (absolute_url(text, base) or "") if text else ""


def _hub(hubs: object, base: str) -> str:
    """The first WebSub hub of `hubs` (`[{"type": "WebSub", "url": …}]`), absolute, or ""."""
    for hub in hubs[:20] if isinstance(hubs, list) else ():
        if isinstance(hub, Mapping) and str(hub.get("type", "")).lower() in ("websub", "pubsubhubbub"):
            found = _url(hub.get("url"), base)
            if found:
                return found
    return ""


def _date(value: object, zone: ZoneInfo) -> datetime | None:
    text = cut(value, 100).strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=zone)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _authors(data: Mapping[str, Any]) -> str:
    authors = data.get("authors")
    if not isinstance(authors, list):
        authors = [data.get("author")]
    names = [a.get("name") for a in authors[:10] if isinstance(a, Mapping)]
    return ", ".join(n for n in (clean_line(name, MAX_AUTHOR_CHARS) for name in names) if n)[:MAX_AUTHOR_CHARS]


def _images(item: Mapping[str, Any], base: str) -> tuple[str, ...]:
    found = [item.get("image"), item.get("banner_image")]
    attachments = item.get("attachments")
    if isinstance(attachments, list):
        found += [
            a.get("url")
            for a in attachments[: MAX_IMAGES * 2]
            if isinstance(a, Mapping) and str(a.get("mime_type", "")).lower().startswith("image/")
        ]
    return tuple(dict.fromkeys(u for u in (_url(v, base) for v in found) if u))[:MAX_IMAGES]


def _entry(item: Mapping[str, Any], document_url: str, home: str, zone: ZoneInfo, feed_authors: str) -> RawEntry:
    ident = item.get("id")
    if isinstance(ident, (int, float)) and not isinstance(ident, bool):  # 1.0 feeds often number them
        ident = str(ident)
    link = _url(item.get("url"), document_url) or _url(item.get("external_url"), document_url)
    content = cut(item.get("content_html"), MAX_CONTENT_CHARS) or text_to_html(cut(item.get("content_text"), MAX_CONTENT_CHARS))
    summary = text_to_html(cut(item.get("summary"), MAX_SUMMARY_CHARS))
    if not content:
        content, summary = summary, ""
    tags = item.get("tags")
    published, updated = item.get("date_published"), item.get("date_modified")
    base = link or home or document_url
    return RawEntry(
        ident=cut(ident, MAX_IDENT_CHARS).strip(),
        title=cut(item.get("title"), MAX_TITLE_CHARS),
        title_html=False,
        link=link,
        content=content,
        summary=summary,
        base=base,
        published=_date(published, zone),
        updated=_date(updated, zone),
        published_text=clean_line(published, 100),
        updated_text=clean_line(updated, 100),
        author=_authors(item) or feed_authors,
        categories=terms(tags[: 4 * 64] if isinstance(tags, list) else []),
        images=_images(item, base),
        lang=clean_line(item.get("language"), 35),
    )
