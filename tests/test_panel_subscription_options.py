"""The panel's subscriptions page shows what each chat chose with /filter, /digest and /settings
(only what is not the default), in the panel's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.cardstyle import CardStyle
from bot.digests import DigestSchedule
from bot.filters import FilterRule
from bot.store.subscription_options import add_filters, set_digest, set_lang, set_style
from bot.store.subscriptions import subscribe
from tests.test_panel_http import Site, build_site, make_app, sign_in


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    built = await build_site(tmp_path)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(site))) as http:
        yield http


def options_of(html: str) -> dict[str, list[str]]:
    return {
        str(row.attributes["data-target"]): [div.text(strip=True) for div in row.css("td.options div.option")]
        for row in HTMLParser(html).css("tr.subscription")
    }


async def test_each_subscription_shows_its_filters_digest_and_settings(client: TestClient, site: Site) -> None:
    now = site.clock.now()
    await subscribe(site.sessions, "telegram", "100", "group", [], None, now)
    await subscribe(site.sessions, "discord", "555", "channel", [], None, now)
    await add_filters(site.sessions, "telegram", "100",
                      [FilterRule("python"), FilterRule("crypto", exclude=True, regex=True)], now)
    await set_digest(site.sessions, "telegram", "100", DigestSchedule("daily", 8, 0, zone="Europe/Berlin"),
                     datetime(2026, 3, 2, 7, 0, tzinfo=UTC), now)
    await set_style(site.sessions, "telegram", "100", CardStyle(silent=True, length="title"), now)
    await set_lang(site.sessions, "telegram", "100", "zh-Hans", now)
    await sign_in(client, site)
    html = await (await client.get("/panel/subscriptions")).text()
    assert options_of(html) == {
        "discord:555": [],
        "telegram:100": [
            "Filters: +python, -/crypto/",
            "Digest: every day at 08:00 (Europe/Berlin), next 2026-03-02 08:00 CET",
            "Settings: Silent: on · Length: title only · Language: zh-Hans",
        ],
    }
    await add_filters(site.sessions, "discord", "555", [FilterRule("<script>alert(1)</script>", regex=True)], now)
    html = await (await client.get("/panel/subscriptions")).text()
    assert options_of(html)["discord:555"] == ["Filters: /<script>alert(1)</script>/"]
    assert "<script>alert(1)" not in html  # shown as text, never as markup
    zh = await (await client.get("/panel/subscriptions", headers={"Accept-Language": "zh-TW,zh;q=0.9"})).text()
    assert options_of(zh)["telegram:100"][0] == "過濾：+python、-/crypto/"
