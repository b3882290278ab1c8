"""The panel's subscriptions and deliveries pages (aiohttp's test client, a real SQLite store):
they list what the store holds, removing a subscription is `/unsubscribe all` and needs the CSRF
token, delivery errors are shown as bounded text, and the last 24 hours' sends are drawn as 24
bars whose heights follow the hourly counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.cardstyle import CardStyle
from bot.filters import FilterRule
from bot.panel.deliveries_page import CHART_HEIGHT, MAX_ERROR_CHARS
from bot.store.models import Delivery
from bot.store.subscription_options import add_filters, set_style
from bot.store.subscriptions import CANNOT_POST, deactivate, get_subscription, subscribe
from tests.test_panel_http import XSS, Site, build_site, make_app, sign_in, text_of

CHANNEL = "telegram:@herald_news"


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    built = await build_site(tmp_path)
    built.config = replace(built.config, channels=(CHANNEL, "discord:900"))
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(site))) as http:
        yield http


async def subscribed(site: Site) -> None:
    now = site.clock.now()
    await subscribe(site.sessions, "telegram", "100", "group", ["Programming", "News"], "zh-Hant", now)
    await add_filters(site.sessions, "telegram", "100", [FilterRule("python"), FilterRule("sponsored", exclude=True)], now)
    await set_style(site.sessions, "telegram", "100", CardStyle(silent=True, length="short"), now)
    await subscribe(site.sessions, "discord", "555", "channel", [], None, now)
    await subscribe(site.sessions, "telegram", "@herald_news", "channel", [], None, now, origin="config")
    await subscribe(site.sessions, "discord", "900", "channel", [], None, now, origin="config")
    await deactivate(site.sessions, "discord", "900", f"{CANNOT_POST}missing Send Messages", now)
    await subscribe(site.sessions, "telegram", "200", "private", [], None, now)
    await deactivate(site.sessions, "telegram", "200", "unsubscribed", now)


def rows_of(html: str) -> dict[str, dict[str, str]]:
    found = {}
    for row in HTMLParser(html).css("tr.subscription"):
        cells = {cell.attributes["class"] or "": cell.text(strip=True) for cell in row.css("td[class]")}
        found[str(row.attributes["data-target"])] = cells
    return found


# ---- subscriptions -----------------------------------------------------------------------------


async def test_the_subscriptions_page_needs_a_session(client: TestClient) -> None:
    for path in ("/panel/subscriptions", "/panel/deliveries"):
        response = await client.get(path)
        assert response.status == 401


async def test_the_subscriptions_page_lists_what_the_store_holds(client: TestClient, site: Site) -> None:
    await subscribed(site)
    await sign_in(client, site)
    html = await (await client.get("/panel/subscriptions")).text()
    rows = rows_of(html)
    assert set(rows) == {"telegram:100", "discord:555", "telegram:@herald_news"}  # not the inactive ones
    assert rows["telegram:100"]["categories"] == "News, Programming"
    assert rows["telegram:100"]["lang"] == "zh-Hant"
    assert rows["telegram:100"]["kind"] == "group"
    assert rows["discord:555"]["categories"] == "every article"
    assert text_of(html, "ul.configured li") == [CHANNEL, "discord:900"]
    assert text_of(html, "ul.disabled-targets .target") == ["discord:900"]
    assert text_of(html, "ul.disabled-targets .reason") == ["cannot post: missing Send Messages"]
    assert text_of(html, "p.count") == ["3 active subscriptions"]
    # a configured channel is removed from HERALD_CHANNELS, not here: it has no remove button
    tree = HTMLParser(html)
    assert tree.css_first('tr[data-target="telegram:@herald_news"] form.remove') is None
    assert tree.css_first('tr[data-target="telegram:100"] form.remove') is not None
    assert "/panel/subscriptions" in [a.attributes["href"] for a in tree.css("nav a")]


async def test_removing_a_subscription_is_unsubscribe_all_and_needs_the_csrf_token(
    client: TestClient, site: Site,
) -> None:
    await subscribed(site)
    csrf = await sign_in(client, site)
    form = {"platform": "telegram", "channel": "100"}
    refused = await client.post("/panel/subscriptions/remove", data=form)
    assert refused.status == 403
    state = await get_subscription(site.sessions, "telegram", "100")
    assert state is not None and state.active
    wrong = await client.post("/panel/subscriptions/remove", data={**form, "csrf": "x" * len(csrf)})
    assert wrong.status == 403

    done = await client.post("/panel/subscriptions/remove", data={**form, "csrf": csrf})
    assert done.status == 200
    html = await done.text()
    assert text_of(html, "#done") == ["Removed the subscription of telegram:100: it gets no more articles."]
    assert "telegram:100" not in rows_of(html)
    state = await get_subscription(site.sessions, "telegram", "100")
    assert state is not None and not state.active and state.reason == "unsubscribed" and state.categories == ()

    again = await client.post("/panel/subscriptions/remove", data={**form, "csrf": csrf})
    assert again.status == 400
    assert text_of(await again.text(), "#refused") == ["telegram:100 has no active subscription."]
    configured = await client.post(
        "/panel/subscriptions/remove", data={"platform": "telegram", "channel": "@herald_news", "csrf": csrf},
    )
    assert configured.status == 400
    state = await get_subscription(site.sessions, "telegram", "@herald_news")
    assert state is not None and state.active
    too_long = await client.post("/panel/subscriptions/remove", data={"platform": "telegram", "channel": "9" * 500,
                                                                     "csrf": csrf})
    assert too_long.status == 400


async def test_subscriptions_are_paged(client: TestClient, site: Site) -> None:
    now = site.clock.now()
    for n in range(60):
        await subscribe(site.sessions, "telegram", f"{1000 + n}", "private", [], None, now)
    await sign_in(client, site)
    first = await (await client.get("/panel/subscriptions")).text()
    second = await (await client.get("/panel/subscriptions?page=2")).text()
    assert len(rows_of(first)) == 50 and len(rows_of(second)) == 10
    assert set(rows_of(first)).isdisjoint(rows_of(second))
    assert text_of(first, "nav.pager span") == ["Page 1 of 2"]
    huge = await client.get("/panel/subscriptions?page=" + "9" * 40)
    assert huge.status == 200 and rows_of(await huge.text()) == {}


# ---- deliveries --------------------------------------------------------------------------------


async def delivered(site: Site) -> tuple[int, int]:
    now = site.clock.now()
    rust, xss = site.ids["rust.md"], site.ids["xss.md"]
    rows = []
    n = 0

    def row(article: int, target: str, status: str, *, attempts: int = 1, sent_hours_ago: float | None = None,
            error: str | None = None) -> Delivery:
        nonlocal n
        n += 1
        platform, _, channel = target.partition(":")
        sent_at = None if sent_hours_ago is None else now - timedelta(hours=sent_hours_ago)
        return Delivery(
            article_id=article, round=n, platform=platform, channel_id=channel, status=status, attempts=attempts,
            due_at=now - timedelta(hours=40), created_at=now - timedelta(hours=40), sent_at=sent_at, error=error,
        )

    rows += [row(rust, "telegram:100", "sent", sent_hours_ago=0) for _ in range(3)]  # the current hour
    rows += [row(rust, "discord:555", "sent", sent_hours_ago=5) for _ in range(6)]  # five hours ago
    rows += [row(rust, "telegram:100", "sent", sent_hours_ago=30)]  # before the chart's 24 hours
    rows += [row(xss, "telegram:100", "failed", attempts=5, error=f"Forbidden: {XSS}")]
    rows += [row(xss, "discord:555", "pending", attempts=2, error="x" * 5000)]  # retrying
    rows += [row(xss, "discord:555", "pending", attempts=0)]  # waiting its first attempt
    async with site.sessions.begin() as session:
        session.add_all(rows)
    return rust, xss


def counts_of(html: str, table: str) -> dict[str, tuple[int, int, int, int]]:
    found = {}
    for tr in HTMLParser(html).css(f"table.{table} tbody tr"):
        key = tr.css_first("td.key").text(strip=True)
        found[key] = tuple(int(tr.css_first(f"td.{name}").text(strip=True))
                           for name in ("sent", "failed", "retrying", "waiting"))
    return found


async def test_the_deliveries_page_counts_by_article_and_by_target(client: TestClient, site: Site) -> None:
    rust, xss = await delivered(site)
    await sign_in(client, site)
    html = await (await client.get("/panel/deliveries")).text()
    assert counts_of(html, "by-article") == {
        f"#{rust} Rust 2.0 released": (10, 0, 0, 0),
        f"#{xss} {XSS}": (0, 1, 1, 1),
    }
    assert counts_of(html, "by-target") == {"telegram:100": (4, 1, 0, 0), "discord:555": (6, 0, 1, 1)}


async def test_delivery_errors_are_shown_as_bounded_text(client: TestClient, site: Site) -> None:
    await delivered(site)
    await sign_in(client, site)
    html = await (await client.get("/panel/deliveries")).text()
    assert "<script" not in html
    errors = text_of(html, "ul.errors code.error")
    assert errors[0] == "x" * (MAX_ERROR_CHARS - 1) + "…"  # the newest first, cut
    assert errors[1] == f"Forbidden: {XSS}"  # the script tag is text on the page


async def test_the_chart_draws_24_hourly_bars_of_the_sends(client: TestClient, site: Site) -> None:
    await delivered(site)
    await sign_in(client, site)
    html = await (await client.get("/panel/deliveries")).text()
    bars = HTMLParser(html).css("svg.chart rect.bar")
    assert len(bars) == 24
    heights = [int(str(bar.attributes["height"])) for bar in bars]
    sent = [int(str(bar.attributes["data-sent"])) for bar in bars]
    assert sent[23] == 3 and sent[18] == 6 and sum(sent) == 9  # the send 30 hours ago is not drawn
    assert heights[18] == CHART_HEIGHT and heights[23] == CHART_HEIGHT // 2
    assert heights.count(0) == 22
    for bar, height in zip(bars, heights, strict=True):  # bars stand on the same baseline
        assert int(str(bar.attributes["y"])) + height == CHART_HEIGHT
    assert text_of(html, ".throughput p.meta") == ["9 messages sent"]


async def test_an_empty_store_shows_an_empty_chart(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    html = await (await client.get("/panel/deliveries")).text()
    heights = [bar.attributes["height"] for bar in HTMLParser(html).css("svg.chart rect.bar")]
    assert heights == ["0"] * 24
    assert text_of(html, "p.empty") == ["Nothing has been delivered yet.", "No delivery failed."]


async def test_hourly_sends_are_grouped_on_every_database(sessions) -> None:
    """The store side alone, on SQLite and (when configured) PostgreSQL: the hour buckets are UTC hours."""
    from bot.panel.deliveries_page import deliveries_view
    from tests.delivery_support import T0, add_article

    article = await add_article(sessions, title="Hourly")
    now = T0 + timedelta(minutes=30)  # 12:30 UTC
    sends = [T0 + timedelta(minutes=29), T0, T0 - timedelta(seconds=1), T0 - timedelta(hours=23),
             T0 - timedelta(hours=23, seconds=1)]
    async with sessions.begin() as session:
        session.add_all(
            Delivery(article_id=article, round=n, platform="telegram", channel_id="1", status="sent", attempts=1,
                     due_at=T0, created_at=T0, sent_at=at)
            for n, at in enumerate(sends)
        )
    view = await deliveries_view(sessions, now)
    assert [bar.hour.hour for bar in view.bars][-1] == 12 and view.bars[0].hour == T0 - timedelta(hours=23)
    assert [bar.sent for bar in view.bars] == [1] + [0] * 21 + [1, 2]
    assert view.by_target[0].key == "telegram:1" and view.by_target[0].sent == 5


async def test_both_pages_speak_chinese_to_a_chinese_browser(client: TestClient, site: Site) -> None:
    await subscribed(site)
    await delivered(site)
    await sign_in(client, site)
    subs = await (await client.get("/panel/subscriptions", headers={"Accept-Language": "zh-TW,zh;q=0.9"})).text()
    assert text_of(subs, "h1") == ["訂閱與頻道"] and text_of(subs, "p.count") == ["共 3 個有效訂閱"]
    deliveries = await (await client.get("/panel/deliveries", headers={"Accept-Language": "zh-CN"})).text()
    assert text_of(deliveries, "h1") == ["投递情况"] and text_of(deliveries, ".throughput p.meta") == ["共发送 9 条消息"]


async def test_rows_older_than_30_days_are_not_counted(client: TestClient, site: Site) -> None:
    rust, _ = await delivered(site)
    old = site.clock.now() - timedelta(days=31)
    async with site.sessions.begin() as session:
        session.add_all(
            Delivery(article_id=rust, round=100 + n, platform="telegram", channel_id="777", status="sent",
                     attempts=1, due_at=old, created_at=old, sent_at=old)
            for n in range(4)
        )
    await sign_in(client, site)
    html = await (await client.get("/panel/deliveries")).text()
    assert counts_of(html, "by-article")[f"#{rust} Rust 2.0 released"] == (10, 0, 0, 0)
    assert "telegram:777" not in counts_of(html, "by-target")
    assert text_of(html, "p.window") == ["The counts below cover deliveries created in the last 30 days."]
