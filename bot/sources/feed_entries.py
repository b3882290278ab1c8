"""One feed entry (`RawEntry`) → `Entry`: its identity, its digest, and — unless the index already
has that digest — the `Article` and its card, made by the same summariser the folder uses.

Identity: the guid / id, else the link, else a hash of the title and date; one longer than
`MAX_IDENT` is hashed. The digest covers every field the article is made of, so an entry that
changes is re-indexed and one that does not costs no more than reading it. Relative links and
images in the body are made absolute here (against `xml:base`, else the entry's page, else the
feed's site or URL): the summariser resolves none itself, so a card's links and `/read`'s images
would otherwise be lost. A summariser crash is the entry's problem, never the poll's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from html import escape, unescape
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

import bot.summary
from bot.content.article import Article, Problem, ProblemKind
from bot.content.links import absolute_url, body_images, is_placeholder
from bot.sources.feed_raw import RawEntry, clean_line
from bot.sources.model import MAX_IDENT, Entry, PollContext

__all__ = ["DIGEST_VERSION", "entry_digest", "entry_ident", "make_entry", "resolve_links"]

log = logging.getLogger("herald.sources")

DIGEST_VERSION = "feed-1"
"""Part of every digest: bump it when what an entry becomes changes, to re-index every entry."""
MAX_TITLE = 300
"""Characters of a title shown (a longer one is cut with an ellipsis)."""
_UNTITLED_CHARS = 60
_TEXT_PREFIX = 8192
_RELATIVE_ATTRIBUTE = re.compile(
    r"""(\s(?:href|src|data-src|data-original|data-lazy-src|data-actualsrc|poster)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|//|#)")
_SPACE = re.compile(r"\s+")


def entry_ident(raw: RawEntry) -> str:
    """The entry's identity within its feed (at most `MAX_IDENT` characters)."""
    ident = clean_line(raw.ident, len(raw.ident) + 1) if raw.ident else ""
    if not ident:
        ident = raw.link
    if not ident:
        when = raw.published_text or raw.updated_text
        ident = "sha256:" + hashlib.sha256(f"{raw.title}\n{when}".encode("utf-8", "surrogatepass")).hexdigest()
    if len(ident) > MAX_IDENT:
        ident = "sha256:" + hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
    return ident


def entry_digest(raw: RawEntry) -> str:
    """Hex digest of everything the article is made of."""
    fields = [
        DIGEST_VERSION, raw.ident, raw.title, raw.title_html, raw.link, raw.content, raw.summary, raw.base,
        raw.published_text, raw.updated_text, raw.author, list(raw.categories), list(raw.images), raw.lang,
    ]
    encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(encoded).hexdigest()


def make_entry(raw: RawEntry, ctx: PollContext, known: Mapping[str, str], feed_link: str) -> Entry:
    """The `Entry` for `raw`: `same` when `known` has its digest, else with its article and card."""
    ident = entry_ident(raw)
    digest = entry_digest(raw)
    if known.get(ident) == digest:
        return Entry(ident, digest, None, None, same=True)
    body = resolve_links(raw.content, raw.base)
    excerpt = resolve_links(raw.summary, raw.base) or None
    date = raw.published or raw.updated or ctx.clock.now()
    url = raw.link or None
    article = Article(
        key=ident,
        path=ident,
        title=_title(raw, body),
        date=date,
        body=body,
        updated=raw.updated if raw.updated is not None and raw.updated != date else None,
        author=raw.author or None,
        categories=raw.categories,
        category_paths=tuple((name,) for name in raw.categories),
        thumbnail=_thumbnail(raw, body, ctx.content.placeholder_hosts),
        excerpt=excerpt,
        url=url,
        lang=raw.lang or None,
        mtime_ns=_ns(raw.updated or date),
        size=len(raw.content.encode("utf-8", "surrogatepass")) + len(raw.summary.encode("utf-8", "surrogatepass")),
        digest=digest,
        extra={"format": "feed", "feed": feed_link},
    )
    try:
        card = bot.summary.summarize(article, ctx.summary)
    except Exception as exc:  # a bad entry must never stop the poll
        log.exception("cannot summarise feed entry %s", ident[:200])
        problem = Problem(ident, ProblemKind.WARNING, f"cannot summarise: {type(exc).__name__}")
        return Entry(ident, digest, None, None, problems=(problem,))
    return Entry(ident, digest, article, card)


def resolve_links(html: str, base: str) -> str:
    """`html` with relative link and image URLs made absolute against `base` (an http(s) URL)."""
    if not html or not base.startswith(("http://", "https://")) or "=" not in html:
        return html

    def absolute(match: re.Match[str]) -> str:
        quoted = match.group(2) if match.group(2) is not None else match.group(3)
        value = quoted if quoted is not None else match.group(4)
        if not value or _ABSOLUTE.match(value):
            return match.group(0)
        try:
            joined = urljoin(base, unescape(value).strip())
        except ValueError:
            return match.group(0)
        return f'{match.group(1)}"{escape(joined, quote=True)}"'

    return _RELATIVE_ATTRIBUTE.sub(absolute, html)


def _text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return _SPACE.sub(" ", html).strip()
    try:
        root = LexborHTMLParser(html).body
    except (ValueError, UnicodeError):  # never let a title stop the entry
        return ""
    if root is None:
        return ""
    for node in root.css("script, style, template"):
        node.decompose()
    return _SPACE.sub(" ", root.text(separator=" ")).strip()


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _title(raw: RawEntry, body: str) -> str:
    """The title as text (markup stripped); untitled: the start of the text, else the link."""
    title = raw.title
    if title and (raw.title_html or ("<" in title and ">" in title)):
        title = _text(title)
    title = clean_line(unescape(title) if "&" in title and not raw.title_html else title, MAX_TITLE * 4)
    if title:
        return _shorten(title, MAX_TITLE)
    text = clean_line(_text((body or raw.summary)[:_TEXT_PREFIX]), _UNTITLED_CHARS * 4)
    if text:
        return _shorten(text, _UNTITLED_CHARS)
    return _shorten(raw.link, MAX_TITLE) if raw.link else "Untitled"


def _thumbnail(raw: RawEntry, body: str, placeholders: tuple[str, ...]) -> str | None:
    """media:thumbnail, image media:content, image enclosure, else the body's first usable image."""
    for url in raw.images:
        if not is_placeholder(url, placeholders):
            return url
    for count, candidate in enumerate(body_images(body)):
        found = absolute_url(candidate, raw.base)
        if found and not is_placeholder(found, placeholders):
            return found
        if count >= 20:
            break
    return None


def _ns(when: datetime) -> int:
    try:
        return int(when.timestamp() * 1_000_000_000)
    except (OverflowError, ValueError, OSError):
        return 0
