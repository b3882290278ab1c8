"""WebSub (`bot.sources.websub`, its routes in `bot.sources.push`) over real HTTP on 127.0.0.1: a
feed naming a hub is subscribed (callback, topic, a secret), only when Herald has a public https
address; the hub's verification is echoed only for the topic and mode asked for; a signed
distribution polls the source, an unsigned or wrongly signed one is answered 202 and ignored (as
WebSub asks); the lease is renewed before it ends; a refusing hub is logged once and polling goes
on; the secret is never shown. The feed and the hub are fakes; Herald's HTTP server is the real one."""

from __future__ import annotations

import hashlib
import hmac
import logging
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st
from test_sources_push import Bench, bench

from bot.logs import QUIET_LOGGERS
from bot.sources.listing import listed_sources
from bot.sources.websub import LEASE, callback_base, parse_signature
from bot.store import sources as store

BASE = "https://herald.example"


async def _subscribed(b: Bench) -> dict[str, str]:
    (asked,) = b.site.subscriptions
    return asked


def _verify(b: Bench, **params: str):
    query = {f"hub.{key}": value for key, value in params.items()}
    return b.http.get("/sources/blog/websub", params=query)


def _signed(body: bytes, secret: str, method: str = "sha256") -> dict[str, str]:
    mac = hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()
    return {"X-Hub-Signature": f"{method}={mac}", "Content-Type": "application/rss+xml"}


async def test_a_feed_naming_a_hub_is_subscribed_and_verified(sessions, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with bench(sessions, tmp_path, secret=None, websub_base=BASE, hub=True) as b:
        asked = await _subscribed(b)
        topic = f"{b.site.base}/feed.xml"
        assert asked["hub.mode"] == "subscribe" and asked["hub.topic"] == topic
        assert asked["hub.callback"] == f"{BASE}/sources/blog/websub"
        assert asked["hub.lease_seconds"] == str(LEASE)
        secret = asked["hub.secret"]
        assert len(secret) >= 32
        # Only what Herald asked for, and still waits on, is echoed.
        assert (await _verify(b, mode="subscribe", topic=topic + "?other", challenge="c1")).status_code == 404
        assert (await _verify(b, mode="unsubscribe", topic=topic, challenge="c1")).status_code == 404
        assert (await _verify(b, mode="subscribe", topic=topic, challenge="")).status_code == 404
        assert (await b.http.get("/sources/other/websub", params={"hub.mode": "subscribe", "hub.topic": topic,
                                                                   "hub.challenge": "c1"})).status_code == 404
        answer = await _verify(b, mode="subscribe", topic=topic, challenge="<b>c2</b>", lease_seconds="86400")
        assert answer.status_code == 200 and answer.text == "<b>c2</b>"
        assert answer.headers["content-type"].startswith("text/plain")
        assert (await _verify(b, mode="subscribe", topic=topic, challenge="c3")).status_code == 404  # not waiting now
        # Polling again while subscribed asks nothing more.
        await store.poll_now(sessions, "blog", b.clock.now())
        await b.poller.look()
        assert len(b.site.subscriptions) == 1
        # The secret is never shown, nor logged (by Herald; `bot.logs` keeps the libraries' debug traces quiet).
        shown = repr(await listed_sources(sessions, None))
        logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(QUIET_LOGGERS))
        assert secret not in shown and secret not in logged


async def test_a_signed_distribution_polls_the_feed_and_a_bad_one_is_ignored(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path, secret=None, websub_base=BASE, hub=True) as b:
        asked = await _subscribed(b)
        await _verify(b, mode="subscribe", topic=asked["hub.topic"], challenge="ok")
        secret, body = asked["hub.secret"], b.site.feed()
        for headers in ({}, _signed(body, "wrong"), _signed(body + b" ", secret), {"X-Hub-Signature": "md5=00"}):
            response = await b.http.post("/sources/blog/websub", content=body, headers=headers)
            assert response.status_code == 202  # WebSub: acknowledge, then ignore
            assert not await b.due()
        for method in ("sha1", "sha256", "sha384", "sha512"):
            before = b.site.feed_gets
            b.poller._known.clear()
            response = await b.http.post("/sources/blog/websub", content=body, headers=_signed(body, secret, method))
            assert response.status_code == 202
            assert await b.polled(before) == 1  # the feed itself is fetched: the pushed body is not read
            b.ticks[0] += 5.0  # past the throttle


async def test_a_distribution_for_a_source_without_subscription_is_gone(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path, secret=None, websub_base=BASE) as b:  # the feed names no hub
        assert b.site.subscriptions == []
        body = b.site.feed()
        assert (await b.http.post("/sources/blog/websub", content=body, headers=_signed(body, "x"))).status_code == 410
        assert (await b.http.post("/sources/gone/websub", content=body, headers=_signed(body, "x"))).status_code == 410


async def test_without_a_public_https_address_nothing_is_subscribed(sessions, tmp_path: Path) -> None:
    assert callback_base(SimpleNamespace(panel_url=None)) is None
    assert callback_base(SimpleNamespace(panel_url="http://herald.example/panel")) is None
    assert callback_base(SimpleNamespace(panel_url="https://herald.example/panel/")) == BASE
    assert callback_base(SimpleNamespace(panel_url="https://herald.example/bot/panel")) == BASE + "/bot"
    async with bench(sessions, tmp_path, secret=None, websub_base=None, hub=True) as b:
        assert b.site.subscriptions == []
        response = await _verify(b, mode="subscribe", topic=f"{b.site.base}/feed.xml", challenge="c")
        assert response.status_code == 404
        assert (await b.http.post("/sources/blog/websub", content=b"x")).status_code == 404


async def test_the_lease_is_renewed_before_it_ends_with_the_same_secret(sessions, tmp_path: Path) -> None:
    async with bench(sessions, tmp_path, secret=None, websub_base=BASE, hub=True) as b:
        first = await _subscribed(b)
        await _verify(b, mode="subscribe", topic=first["hub.topic"], challenge="ok", lease_seconds="172800")
        b.clock.advance(hours=23)
        await store.poll_now(sessions, "blog", b.clock.now())
        await b.poller.look()
        assert len(b.site.subscriptions) == 1  # 25 hours left: not yet
        b.clock.advance(hours=2)
        await store.poll_now(sessions, "blog", b.clock.now())
        await b.poller.look()
        assert len(b.site.subscriptions) == 2
        assert b.site.subscriptions[1]["hub.secret"] == first["hub.secret"]


async def test_a_refusing_hub_is_logged_once_and_polling_goes_on(sessions, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="herald.sources")
    async with bench(sessions, tmp_path, secret=None, websub_base=BASE, hub=True, hub_status=403) as b:
        assert len(b.site.subscriptions) == 1
        for _ in range(2):
            b.clock.advance(hours=2)
            await store.poll_now(sessions, "blog", b.clock.now())
            before = b.site.feed_gets
            assert await b.polled(before) == 1
        assert len(b.site.subscriptions) == 1  # asked again only a day later
        refusals = [r for r in caplog.records if "refused the subscription" in r.getMessage()]
        assert len(refusals) == 1 and "HTTP 403" in refusals[0].getMessage()
        status = await store.get_source(sessions, "blog")
        assert status is not None and status.last_error is None and status.failures == 0
        b.clock.advance(days=1)
        await store.poll_now(sessions, "blog", b.clock.now())
        await b.poller.look()
        assert len(b.site.subscriptions) == 2
        assert len([r for r in caplog.records if "refused the subscription" in r.getMessage()]) == 1


@given(st.text(max_size=300))
def test_any_signature_header_parses_or_is_refused(header: str) -> None:
    parsed = parse_signature(header)
    if parsed is not None:
        assert parsed.method in ("sha1", "sha256", "sha384", "sha512")
        assert parsed.hexdigest and set(parsed.hexdigest) <= set("0123456789abcdef")


def test_each_feed_format_names_its_hub_and_self() -> None:
    from zoneinfo import ZoneInfo

    from bot.sources.feed_json import parse_json
    from bot.sources.feed_xml import parse_xml

    atom = (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            b'<link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom.xml"/>'
            b'<entry><id>1</id><title>x</title></entry></feed>')
    parsed = parse_xml(atom, "https://blog.example/feeds/atom", "application/atom+xml")
    assert (parsed.hub, parsed.self_url) == ("https://hub.example/", "https://blog.example/atom.xml")
    feed = (b'{"version": "https://jsonfeed.org/version/1.1", "feed_url": "https://blog.example/feed.json",'
            b' "hubs": [{"type": "rssCloud", "url": "https://cloud.example/"}, {"type": "WebSub", "url": "https://hub.example/"}],'
            b' "items": [{"id": "1", "content_text": "x"}]}')
    parsed = parse_json(feed, "https://blog.example/feed.json", ZoneInfo("UTC"))
    assert (parsed.hub, parsed.self_url) == ("https://hub.example/", "https://blog.example/feed.json")
    for hubs in (b'"nope"', b'[1, {"type": "WebSub"}, {"type": "WebSub", "url": 5}]'):
        parsed = parse_json(b'{"hubs": ' + hubs + b', "items": []}', "https://blog.example/f.json", ZoneInfo("UTC"))
        assert parsed.hub == ""


async def test_herald_subscribes_only_with_a_public_https_address(tmp_path: Path) -> None:
    from bot.app import build
    from bot.settings import Settings

    for panel_url, subscribes in ((None, False), ("https://herald.example/panel", True)):
        folder = tmp_path / str(subscribes)
        folder.mkdir()
        settings = Settings(_env_file=None, content_dir=folder, database_url=f"sqlite:///{folder / 'h.db'}",
                            http_port=0, panel_url=panel_url)
        herald = await build(settings, platforms={})
        try:
            assert (herald.websub is not None) is subscribes
            assert herald.sources is not None and (herald.sources._after_poll is not None) is subscribes
        finally:
            await herald.close()
