"""Hostile and broken feeds: an entity bomb, deep nesting, a body that names a local file, bozo
feeds with and without entries, too many entries, and arbitrary bytes and field values — each
ends as a poll with problems or a `SourceFailure`, never a hang, a crash or a file read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.article import ProblemKind
from bot.sources import feed as feed_module
from bot.sources.feed import read_feed
from bot.sources.feed_http import Fetched
from bot.sources.feed_xml import parse_xml
from bot.sources.model import Poll, SourceFailure
from tests.test_sources_feed_support import context, fixture

URL = "https://feeds.example.org/feed.xml"
CTX = context(Path("/nonexistent"))

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>t</title>
<item><title>&lol9;</title><guid>bomb</guid><description>&lol9;</description></item>
</channel></rss>"""


def read(body: bytes, content_type: str = "application/rss+xml", url: str = URL) -> Poll:
    return read_feed(Fetched(url, body, content_type, {"body": "x"}), CTX, {})


def check(poll: Poll) -> None:
    """What every poll must give: each article titled, dated (aware), keyed by its identity."""
    for entry in poll.entries:
        assert entry.ident and len(entry.ident) <= 1000
        if entry.article is not None:
            assert entry.article.title.strip()
            assert entry.article.date.tzinfo is not None and entry.article.date.utcoffset() is not None
            assert entry.article.key == entry.ident and entry.article.digest == entry.digest
            assert "\x00" not in entry.article.body + entry.article.title + entry.ident


def test_an_entity_bomb_stays_small() -> None:
    try:
        poll = read(BOMB)
    except SourceFailure:
        return
    check(poll)
    assert all(len(e.article.title) < 100 and len(e.article.body) < 1000 for e in poll.entries if e.article)
    assert any(p.kind is ProblemKind.WARNING and "not well-formed" in p.reason for p in poll.problems)


@pytest.mark.parametrize("depth", [100_000])
def test_deep_nesting_is_read_or_refused(depth: int) -> None:
    escaped = b"&lt;div&gt;" * depth
    xml_nest = b"<x>" * depth + b"</x>" * depth
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>deep</title><guid>a</guid><description>" + escaped + b"text</description></item>"
        b"<item><title>deeper</title><guid>b</guid>" + xml_nest + b"</item></channel></rss>"
    )
    check(read(body))
    json_nest = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(SourceFailure):
        read(json_nest, "application/feed+json")


def test_a_body_naming_a_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(fixture("rss2.xml"))
    with pytest.raises(SourceFailure):
        read(str(secret).encode())  # feedparser opens a bytes argument as a path: never given one


def test_a_broken_feed_with_entries_is_read_with_a_warning() -> None:
    body = fixture("rss2.xml").replace(b"<title>Podcast 12: release notes</title>", b"<title>Podcast & notes</title>")
    poll = read(body)
    check(poll)
    assert len(poll.entries) == 3
    (problem,) = poll.problems
    assert problem.kind is ProblemKind.WARNING and not problem.fatal and "not well-formed" in problem.reason


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\xff\xfe garbage", b"<html><p>not a feed", b"<?xml version='1.0'?><rss><channel><item>"[:30]],
)
def test_a_broken_feed_without_entries_is_a_failure(body: bytes) -> None:
    with pytest.raises(SourceFailure):
        read(body)


def test_too_many_entries_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    items = b"".join(b"<item><title>t%d</title><guid>g%d</guid></item>" % (i, i) for i in range(20))
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"
    parsed = parse_xml(body, URL, "", limit=5)
    assert [e.ident for e in parsed.entries] == [f"https://feeds.example.org/g{i}" for i in range(5)]  # permalink guids
    assert parsed.dropped == 15
    monkeypatch.setattr(feed_module, "MAX_ENTRIES", 5)
    poll = read(body)
    assert len(poll.entries) == 5 and any("15 not read" in p.reason for p in poll.problems)


def test_identities_do_not_move_with_the_feed() -> None:
    body = fixture("rss2.xml").replace(b"<guid>https://blog.example.org/?p=998</guid>", b"<guid>p998</guid>")
    here = read_feed(Fetched(URL, body, "", {}, URL), CTX, {})
    moved = read_feed(Fetched("https://elsewhere.example.net/rss", body, "", {}, URL), CTX, {})
    assert [e.ident for e in here.entries] == [e.ident for e in moved.entries]
    assert [e.digest for e in here.entries] == [e.digest for e in moved.entries]


def test_long_and_missing_identities() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><guid>" + b"g" * 5000 + b"</guid><title>long</title></item>"
        b"<item><title>no id, no link</title><pubDate>Tue, 03 Mar 2026 09:30:00 GMT</pubDate></item>"
        b"<item><description>only a description, no title at all</description></item>"
        b"</channel></rss>"
    )
    poll = read(body)
    check(poll)
    long, hashed, untitled = poll.entries
    assert long.ident.startswith("sha256:") and hashed.ident.startswith("sha256:") and hashed.ident != long.ident
    assert untitled.article is not None and untitled.article.title == "only a description, no title at all"
    assert untitled.article.date == CTX.clock.now()
    assert hashed.article is not None and hashed.article.date == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.sampled_from(["application/rss+xml", "application/json", "text/html", ""]))
def test_arbitrary_bytes_never_raise_anything_else(body: bytes, content_type: str) -> None:
    try:
        poll = read(body, content_type)
    except SourceFailure:
        return
    check(poll)


_text = st.text(max_size=300)
_field = st.one_of(st.none(), _text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_field, _field, _field, _field, _field, _field, st.lists(_text, max_size=5)), max_size=5))
def test_arbitrary_rss_fields(items: list[tuple[str | None, ...]]) -> None:
    def element(name: str, value: object) -> str:
        return "" if value is None else f"<{name}>{escape(_xml_chars(str(value)))}</{name}>"

    parts = []
    for title, link, guid, date, description, content, categories in items:
        parts.append(
            "<item>" + element("title", title) + element("link", link) + element("guid", guid) + element("pubDate", date)
            + element("description", description) + element("content:encoded", content)
            + "".join(element("category", c) for c in categories) + "</item>"  # type: ignore[arg-type]
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>t</title>" + "".join(parts) + "</channel></rss>"
    ).encode("utf-8", "surrogatepass")
    try:
        poll = read(body)
    except SourceFailure:
        return
    check(poll)


def _xml_chars(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd"))


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=200)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
_item = st.fixed_dictionaries(
    {},
    optional={
        key: _json | st.text(max_size=200)
        for key in ("id", "url", "title", "content_html", "content_text", "summary", "image", "date_published",
                    "date_modified", "tags", "authors", "author", "attachments", "external_url", "language")
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_item, _json), max_size=5), _json)
def test_arbitrary_json_feed_values(items: list[object], extra: object) -> None:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": extra, "home_page_url": extra, "items": items}
    try:
        poll = read(json.dumps(document).encode(), "application/feed+json")
    except SourceFailure:
        return
    check(poll)
