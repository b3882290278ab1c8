"""Feed sources over real HTTP (a server on 127.0.0.1): RSS 2.0, Atom with xml:base and JSON Feed
become the cards a reader sees; conditional GET and same-bytes polls cost no parse; redirects,
gzip, size and time caps, error statuses and refused addresses end as a reason an admin can read,
with no secret in it."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from aiohttp import web

import bot.summary
from bot.sources.feed import poll_feed
from bot.sources.feed_http import new_client
from bot.sources.model import Poll, SourceFailure, Unchanged
from bot.sources.poll import poll_source
from bot.summary import Image, article_blocks
from tests.test_sources_feed_support import FeedServer, context, feed_spec, fixture, running_server


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async for running in running_server():
        yield running


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts feedparser.parse calls."""
    calls: list[int] = []
    real = feedparser.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", counting)
    return calls


async def poll(server: FeedServer, tmp_path: Path, path: str = "/feed.xml", state: dict[str, str] | None = None,
               known: dict[str, str] | None = None, **options: object) -> Poll | Unchanged:
    return await poll_feed(feed_spec(server.url(path)), state or {}, context(tmp_path, **options), known or {})


async def fetched(server: FeedServer, tmp_path: Path, path: str = "/feed.xml", **kwargs: Any) -> Poll:
    result = await poll(server, tmp_path, path, **kwargs)
    assert isinstance(result, Poll)
    return result


async def failure(server: FeedServer, tmp_path: Path, path: str = "/feed.xml", **kwargs: Any) -> SourceFailure:
    with pytest.raises(SourceFailure) as caught:
        await poll(server, tmp_path, path, **kwargs)
    return caught.value


# --- formats -------------------------------------------------------------------------------


async def test_rss2_entries_become_cards(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    result = await fetched(server, tmp_path)
    assert not result.complete and not result.problems
    first, podcast, chinese = result.entries
    article, card = first.article, first.summary
    assert article is not None and card is not None
    assert first.ident == article.key == article.path == "example-post-1042"
    assert article.title == card.title == "Shipping & scaling: our new queue"
    assert article.date == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    assert article.author == "Ada Lovelace"
    assert article.categories == ("Engineering", "Queues")
    assert "Engineering" in card.hashtags
    assert article.thumbnail == card.image == "https://cdn.example.org/thumbs/queue.jpg"  # media:thumbnail
    assert article.url == "https://blog.example.org/2026/03/03/new-queue/"
    # content:encoded is the body, the description the excerpt (the card shows it)
    assert "fell over" in article.body and article.excerpt is not None
    assert card.excerpt.startswith("We replaced the old queue.")
    # relative links in the body are absolute: /read shows the image
    assert 'href="https://blog.example.org/2025/01/old-queue/"' in article.body
    assert Image("https://blog.example.org/2026/03/03/new-queue/images/queue-diagram.png", "diagram") in article_blocks(article)
    # only a description: it is the body; the image enclosure is the thumbnail, made absolute
    assert podcast.ident == "https://blog.example.org/?p=998"
    assert podcast.article is not None and podcast.summary is not None and podcast.article.excerpt is None
    assert podcast.article.thumbnail == "https://blog.example.org/covers/ep12.jpg"
    assert '<a href="https://blog.example.org/2026/02/20/podcast-12/notes.html">show notes</a>' in podcast.summary.excerpt_html
    # no guid: the link is the identity; the first <img> is the thumbnail; CJK text intact
    assert chinese.ident == "https://blog.example.org/2026/02/01/cn/"
    assert chinese.article is not None and chinese.summary is not None
    assert chinese.article.thumbnail == "https://img.example.org/a.jpg"
    assert chinese.article.categories == ("新媒体", "观察者网")
    assert chinese.summary.excerpt.startswith("据美国媒体报道")
    assert chinese.article.date == datetime(2026, 2, 1, 4, 0, tzinfo=UTC)
    asked = server.asked[0][1]
    assert asked["User-Agent"].startswith("Herald/")


async def test_atom_relative_links_follow_xml_base(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/blog/atom.xml", fixture("atom.xml"), "application/atom+xml")
    result = await fetched(server, tmp_path, "/blog/atom.xml")
    first, plain = result.entries
    article, card = first.article, first.summary
    assert article is not None and card is not None
    assert article.title == "Relative links done right"  # type="html" title, markup stripped
    assert article.url == "https://www.example.com/blog/posts/relative-links/"
    assert article.date == datetime(2026, 3, 1, 7, 0, tzinfo=UTC) and article.updated == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert article.author == "Grace Hopper"  # the feed's author
    assert article.categories == ("web", "atom")
    # content's own xml:base: ../other-post/ and cover.png resolve against the post's folder
    assert 'href="https://www.example.com/blog/posts/other-post/"' in article.body
    assert 'href="https://www.example.com/about/"' in article.body
    assert article.thumbnail == "https://www.example.com/blog/posts/relative-links/cover.png"
    assert card.excerpt == "How xml:base works, in short."
    assert plain.article is not None and plain.summary is not None
    assert plain.article.url == "https://www.example.com/blog/posts/plain/"
    assert '<a href="https://www.example.com/blog/plain/extra.html">xhtml</a>' in plain.summary.excerpt_html
    assert plain.article.author == "Grace Hopper"


async def test_json_feed(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.json", fixture("feed.json"), "application/feed+json")
    result = await fetched(server, tmp_path, "/feed.json")
    hello, note = result.entries
    assert hello.ident == "2" and note.ident == "1"
    article, card = hello.article, hello.summary
    assert article is not None and card is not None
    assert article.title == "Hello JSON Feed" and article.author == "Item Author"
    assert article.date == datetime(2026, 3, 2, 15, 15, tzinfo=UTC)
    assert article.categories == ("json", "feeds")
    assert article.thumbnail == "https://micro.example.net/uploads/cover.jpg"
    assert card.excerpt == "A short summary of the post."
    assert 'href="https://micro.example.net/tags/json/"' in article.body
    assert note.article is not None and note.summary is not None
    assert note.article.title.startswith("A micro post without a title.")  # untitled: the first words
    assert note.article.author == "Feed Author"
    assert "two paragraphs & an ampersand" in note.summary.excerpt


async def test_poll_source_dispatches_feeds(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    result = await poll_source(feed_spec(server.url("/feed.xml")), {}, context(tmp_path))
    assert isinstance(result, Poll) and len(result.entries) == 3


async def test_a_shared_client_is_used_and_left_open(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    async with new_client(allow_private=True) as client:
        for _ in range(2):
            result = await poll_feed(feed_spec(server.url("/feed.xml")), {}, context(tmp_path), {}, client=client)
            assert isinstance(result, Poll)
        assert not client.is_closed


# --- conditional GET, unchanged polls ----------------------------------------------------------


async def test_etag_304_costs_no_parse(server: FeedServer, tmp_path: Path, parses: list[int]) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"), ETag='"v1"')
    first = await fetched(server, tmp_path)
    assert first.state["etag"] == '"v1"' and len(parses) == 1
    again = await poll(server, tmp_path, state=dict(first.state))
    assert isinstance(again, Unchanged) and again.state["etag"] == '"v1"'
    assert server.asked[-1][1]["If-None-Match"] == '"v1"'
    assert len(parses) == 1


async def test_last_modified_304_costs_no_parse(server: FeedServer, tmp_path: Path, parses: list[int]) -> None:
    stamp = "Tue, 03 Mar 2026 10:00:00 GMT"
    server.serve("/feed.xml", fixture("rss2.xml"), **{"Last-Modified": stamp})
    first = await fetched(server, tmp_path)
    assert first.state["last_modified"] == stamp
    again = await poll(server, tmp_path, state=dict(first.state))
    assert isinstance(again, Unchanged)
    assert server.asked[-1][1]["If-Modified-Since"] == stamp
    assert len(parses) == 1


async def test_same_body_without_validators_is_unchanged(server: FeedServer, tmp_path: Path, parses: list[int]) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    first = await fetched(server, tmp_path)
    assert "body" in first.state and "etag" not in first.state
    again = await poll(server, tmp_path, state=dict(first.state))
    assert isinstance(again, Unchanged) and again.state == first.state
    assert len(parses) == 1
    server.serve("/feed.xml", fixture("rss2.xml").replace(b"Podcast 12", b"Podcast 13"))
    changed = await fetched(server, tmp_path, state=dict(first.state))
    assert changed.state["body"] != first.state["body"] and len(parses) == 2


async def test_known_digests_are_not_rebuilt(server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    first = await fetched(server, tmp_path)
    known = {entry.ident: entry.digest for entry in first.entries}
    assert all(entry.article is not None and entry.article.digest == entry.digest for entry in first.entries)
    summaries: list[str] = []
    real = bot.summary.summarize
    monkeypatch.setattr(bot.summary, "summarize", lambda article, config: summaries.append(article.key) or real(article, config))
    server.serve("/feed.xml", fixture("rss2.xml").replace(b"Episode twelve", b"Episode 12"))
    again = await fetched(server, tmp_path, known=known)
    same = {entry.ident: entry.same for entry in again.entries}
    assert same == {"example-post-1042": True, "https://blog.example.org/?p=998": False, "https://blog.example.org/2026/02/01/cn/": True}
    assert all(entry.article is None for entry in again.entries if entry.same)
    assert summaries == ["https://blog.example.org/?p=998"]
    changed = next(entry for entry in again.entries if not entry.same)
    assert changed.digest != known[changed.ident]


# --- redirects, compression ------------------------------------------------------------------


def redirect(server: FeedServer, path: str, to: str, status: int) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": to})

    server.handlers[path] = handler


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_is_remembered(server: FeedServer, tmp_path: Path, status: int) -> None:
    server.serve("/new.xml", fixture("rss2.xml"))
    redirect(server, "/old.xml", "/new.xml", status)
    first = await fetched(server, tmp_path, "/old.xml")
    assert first.state["url"] == server.url("/new.xml") and len(first.entries) == 3
    server.asked.clear()
    again = await poll(server, tmp_path, "/old.xml", state=dict(first.state))
    assert isinstance(again, Unchanged) and server.paths() == ["/new.xml"]


@pytest.mark.parametrize("status", [302, 307])
async def test_temporary_redirect_is_not_remembered(server: FeedServer, tmp_path: Path, status: int) -> None:
    server.serve("/today.xml", fixture("rss2.xml"))
    redirect(server, "/feed.xml", server.url("/today.xml"), status)
    first = await fetched(server, tmp_path)
    assert "url" not in first.state and len(first.entries) == 3
    server.asked.clear()
    await poll(server, tmp_path, state=dict(first.state))
    assert server.paths() == ["/feed.xml", "/today.xml"]


async def test_a_redirect_loop_stops(server: FeedServer, tmp_path: Path) -> None:
    redirect(server, "/a", "/b", 302)
    redirect(server, "/b", "/a", 302)
    reason = (await failure(server, tmp_path, "/a")).reason
    assert "more than 5 redirects" in reason and len(server.asked) == 6


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_feeds(server: FeedServer, tmp_path: Path, encoding: str) -> None:
    body = gzip.compress(fixture("rss2.xml")) if encoding == "gzip" else zlib.compress(fixture("rss2.xml"))
    server.serve("/feed.xml", body, **{"Content-Encoding": encoding})
    result = await fetched(server, tmp_path)
    assert len(result.entries) == 3
    assert "gzip" in server.asked[0][1]["Accept-Encoding"]


# --- caps and failures -----------------------------------------------------------------------


async def test_a_50_mib_feed_is_refused_and_the_download_stops(server: FeedServer, tmp_path: Path) -> None:
    sent: list[int] = []
    finished = asyncio.Event()

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<item><title>" + b"x" * 65_000 + b"</title></item>"
        try:
            await response.write(b'<rss version="2.0"><channel>')
            while sum(sent) < 50 * 2**20:
                await response.write(chunk)
                sent.append(len(chunk))
            await response.write(b"</channel></rss>")
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            finished.set()
        return response

    server.handlers["/feed.xml"] = huge
    reason = (await failure(server, tmp_path)).reason
    assert "larger than 10 MiB" in reason
    await asyncio.wait_for(finished.wait(), 30)
    assert sum(sent) < 50 * 2**20  # the client hung up: the server could not send it all


async def test_a_gzip_bomb_stops_at_the_cap(server: FeedServer, tmp_path: Path) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * (64 * 2**20))  # 64 MiB of spaces in ~64 KiB
    server.serve("/feed.xml", bomb, **{"Content-Encoding": "gzip"})
    reason = (await failure(server, tmp_path, max_bytes=2**20)).reason
    assert "larger than 1 MiB" in reason


async def test_a_slow_server_times_out(server: FeedServer, tmp_path: Path) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response(body=fixture("rss2.xml"))

    server.handlers["/feed.xml"] = slow
    try:
        reason = (await failure(server, tmp_path, timeout=0.3)).reason
    finally:
        release.set()
    assert "0.3 s" in reason


async def test_a_server_error_is_a_failure(server: FeedServer, tmp_path: Path) -> None:
    server.handlers["/feed.xml"] = lambda request: _answer(500)
    caught = await failure(server, tmp_path)
    assert caught.reason == f"{server.url('/feed.xml')} answered HTTP 500" and caught.retry_after is None


async def _answer(status: int, **headers: str) -> web.StreamResponse:
    return web.Response(status=status, text="no", headers=headers)


async def test_retry_after_is_passed_on(server: FeedServer, tmp_path: Path) -> None:
    server.handlers["/feed.xml"] = lambda request: _answer(429, **{"Retry-After": "120"})
    caught = await failure(server, tmp_path)
    assert "HTTP 429" in caught.reason and caught.retry_after == 120.0
    server.handlers["/feed.xml"] = lambda request: _answer(
        503, **{"Retry-After": "Wed, 04 Mar 2026 10:05:00 GMT", "Date": "Wed, 04 Mar 2026 10:00:00 GMT"}
    )
    caught = await failure(server, tmp_path)
    assert "HTTP 503" in caught.reason and caught.retry_after == 300.0


async def test_private_addresses_are_refused(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.xml", fixture("rss2.xml"))
    reason = (await failure(server, tmp_path, allow_private=False)).reason
    assert "is not a public address" in reason and "loopback" in reason
    assert server.asked == []


async def test_a_redirect_inward_is_refused(tmp_path: Path) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://127.0.0.1/admin"})

    async def public(host: str, port: int) -> list[str]:
        return ["93.184.215.14"] if host == "feeds.example.org" else [host]

    from bot.guard import GuardedTransport

    client = httpx.AsyncClient(transport=GuardedTransport(resolve=public, inner=httpx.MockTransport(handler)), trust_env=False)
    async with client:
        with pytest.raises(SourceFailure) as caught:
            await poll_feed(feed_spec("https://feeds.example.org/feed.xml"), {}, context(tmp_path, allow_private=False), {},
                            client=client)
    assert "http://127.0.0.1/admin is not a public address" in caught.value.reason
    assert caught.value.state == {"url": "http://127.0.0.1/admin"}  # kept, and refused again next time


async def test_secrets_stay_out_of_reasons_and_away_from_other_hosts(server: FeedServer, tmp_path: Path) -> None:
    port = server.base.rsplit(":", 1)[1]
    redirect(server, "/private.xml", f"http://localhost:{port}/elsewhere.xml", 302)
    server.handlers["/elsewhere.xml"] = lambda request: _answer(500)
    url = server.url("/private.xml?token=SECRET-QUERY")
    with pytest.raises(SourceFailure) as caught:
        await poll_feed(feed_spec(url), {}, context(tmp_path, token="SECRET-TOKEN"), {})
    assert "SECRET" not in caught.value.reason and "HTTP 500" in caught.value.reason
    first, second = server.asked
    assert first[1]["Authorization"] == "Bearer SECRET-TOKEN"  # its own host
    assert "Authorization" not in second[1]  # another host never gets it
    with pytest.raises(SourceFailure) as caught:
        await poll_feed(feed_spec(url.replace("http://", "http://user:SECRET-PASS@")), {}, context(tmp_path), {})
    assert "SECRET" not in caught.value.reason


async def test_not_a_feed_is_a_failure(server: FeedServer, tmp_path: Path) -> None:
    server.serve("/feed.xml", b"<html><body><p>Hello <b>world</p></body></html>", "text/html")
    assert "not" in (await failure(server, tmp_path)).reason
    server.serve("/feed.json", b'{"hello": "world"}', "application/json")
    assert "not a feed" in (await failure(server, tmp_path, "/feed.json")).reason
