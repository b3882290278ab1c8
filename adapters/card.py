"""Platform-neutral pieces every renderer shares: safe links, clean text and the meta line.

A `Summary` is errbot's "card"; each adapter renders it natively. What does not depend on the
platform (which URLs may become links, which characters may be sent, how a date is written)
lives here so the three renderers agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit

from bot.commands.i18n import Lang, message
from bot.commands.types import Button, Reply
from bot.digests import DigestItem
from bot.summary.model import Block, Summary
from bot.textfit import Measure, fit_text

SEPARATOR = " · "

# C0/C1 controls (except tab and newline), DEL and lone surrogates: JSON or the chat API
# would reject them, and they are never meant to be seen.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# A URL that contains white space, quotes, angle brackets or a backslash is not one we link.
_URL_UNSAFE = re.compile(r"[\s\"<>\\`{}^]")
# Characters percent-encoding must leave alone in an already-formed URL.
_URL_SAFE_CHARS = ":/?#[]@!$&()*+,;=%~-._"


def clean_text(text: str | None) -> str:
    """Return `text` without control characters or lone surrogates, newlines normalised."""
    if not text:
        return ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub("", text)


def clean_line(text: str | None) -> str:
    """Return `text` cleaned and collapsed onto one line (titles, authors, categories)."""
    if not text:
        return ""
    if not _UNPRINTABLE.search(text):  # nothing to clean: the words as they are
        return " ".join(text.split())
    # Split first: str.split() treats some control characters (\x1c-\x1f, \x85) as spaces.
    return " ".join(part for part in map(clean_text, text.split()) if part)


def safe_url(url: str | None, max_length: int = 2048) -> str | None:
    """Return `url` as an ASCII http(s) URL fit for a link or button, or None if it is not one."""
    if not url or len(url) > max_length:
        return None
    return _safe_url(url, max_length)


@lru_cache(maxsize=1024)
def _safe_url(url: str, max_length: int) -> str | None:
    """`safe_url` once per URL: every platform's card asks about the same link and image."""
    url = url.strip()
    if _URL_UNSAFE.search(url) or _UNPRINTABLE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if not url.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        netloc = parts.netloc.replace(host, ascii_host) if host in parts.netloc else parts.netloc
        url = parts._replace(netloc=netloc).geturl()
        url = quote(url, safe=_URL_SAFE_CHARS)
        if len(url) > max_length:
            return None
    return url


def title_of(summary: Summary, lang: Lang = "en") -> str:
    """Return the summary's title on one line, or "Untitled" (in `lang`) when it is blank."""
    return clean_line(summary.title) or message("card.untitled", lang)


def day_of(when: datetime) -> str:
    """Return the date part of `when` as YYYY-MM-DD."""
    return when.date().isoformat()


def digest_tail(category: str, when: datetime, url: str | None, article_id: int) -> str:
    """Return what follows a digest line's title: " · category · date", and " · /read N" when the
    article has no page to link (the command shows it)."""
    pointer = "" if url else f"/read {article_id}"
    return "".join(SEPARATOR + part for part in (category, day_of(when), pointer) if part)


DIGEST_CATEGORY_CHARS = 64
"""Our choice: room for an article's category on its digest line."""


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One article of a digest, ready for a platform to mark up: its title (fitted), the link
    (empty when the article has none that may be shown) and what follows the title."""

    title: str
    url: str
    tail: str


def digest_line(item: DigestItem, lang: Lang, *, title_limit: int, url_limit: int, measure: Measure = len) -> DigestLine:
    """The parts of a digest line every platform shows: title cut to `title_limit` (in `measure`'s
    units; "Untitled" when blank), category cut to `DIGEST_CATEGORY_CHARS`, a safe link, the tail."""
    title = fit_text(clean_line(item.title), title_limit, measure) or message("card.untitled", lang)
    category = fit_text(clean_line(item.category), DIGEST_CATEGORY_CHARS, measure)
    url = safe_url(item.url, url_limit)
    return DigestLine(title, url or "", digest_tail(category, item.date, url, item.article_id))


def timestamp_of(when: datetime) -> str:
    """Return `when` as ISO 8601 with an offset (naive dates are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat()


def hashtags_of(summary: Summary, max_tag: int = 64, max_total: int = 160) -> str:
    """Return the summary's hashtags as "#a #b", skipping absurdly long tags, within `max_total`."""
    return _hashtag_line(tuple(summary.hashtags), max_tag, max_total)


@lru_cache(maxsize=1024)
def _hashtag_line(hashtags: tuple[str, ...], max_tag: int, max_total: int) -> str:
    """`hashtags_of` once per set of tags (every platform's card, and every post of a feed, has the same)."""
    out: list[str] = []
    total = 0
    for tag in hashtags:
        tag = clean_line(tag).replace(" ", "_")
        if not tag or len(tag) > max_tag:
            continue
        size = len(tag) + 1 + (1 if out else 0)
        if total + size > max_total:
            break
        out.append("#" + tag)
        total += size
    return " ".join(out)


def meta_line(author: str, day: str, tags: str) -> str:
    """Return "author · YYYY-MM-DD · #tags" from the parts that are present."""
    return SEPARATOR.join(part for part in (author, day, tags) if part)


def read_command(summary: Summary) -> str:
    """Return the "/read <id>" command that shows the whole article, or "" before it has an id."""
    return f"/read {summary.article_id}" if summary.article_id > 0 else ""


def read_pointer(summary: Summary, lang: Lang = "en") -> str:
    """Return the "Read in full: /read <id>" line shown when the article has no public URL, or ""."""
    command = read_command(summary)
    return message("read.pointer", lang, command=command) if command else ""


def read_more(lang: Lang = "en") -> str:
    """Return the label of the link from a card to the article on the site ("Read more")."""
    return message("button.read_more", lang)


def cap_article(reply: Reply, messages: Callable[[Sequence[Block]], int], cap: int) -> Reply:
    """Return a `/read` reply cut to the blocks that fit `cap` messages, ending with a link to the
    rest on the site and a button that sends the next part when pressed.

    `messages(blocks)` says how many messages the platform needs for the card and those blocks;
    it only grows as blocks are added, so the largest prefix that fits is found by bisection.
    A reply that is no article part, or fits already, is returned unchanged (its own buttons
    already say whether more follows).
    """
    part, blocks = reply.part, reply.blocks
    if part is None or not blocks or messages(blocks) <= cap:
        return reply
    low, high = 1, len(blocks) - 1  # the first block always goes out: every press makes progress
    while low < high:
        middle = (low + high + 1) // 2
        if messages(blocks[:middle]) <= cap:
            low = middle
        else:
            high = middle - 1
    links = [Button(part.link_label, url=b.url) for b in reply.buttons if b.url is not None]
    more = Button(part.more_label, action=part.action(part.start + low))
    return replace(reply, blocks=blocks[:low], buttons=(*links, more))
