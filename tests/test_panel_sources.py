"""The panel's Sources page (aiohttp's test client, a real SQLite store): signed-in admins only,
the folder first and then every stored source with its address (no credentials), articles, fetch
times, failures and last error shown as text; "Poll now" makes a source due at once and, like
every panel action, needs the session's CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import update

from bot.sources.spec import parse_spec
from bot.store.models import ArticleRow, SourceRow
from bot.store.sources import add_source, get_source
from tests.test_panel_http import XSS, Site, build_site, make_app, sign_in, text_of

LATER = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    built = await build_site(tmp_path)
    now = built.clock.now()
    await add_source(built.sessions, parse_spec("blog=https://reader:hunter2@example.org/atom.xml"), now)
    await add_source(built.sessions, parse_spec("posts=git+https://git.example.org/o/site.git#main:_posts"), now)
    async with built.sessions.begin() as session:
        await session.execute(update(SourceRow).values(next_fetch_at=LATER))
        await session.execute(update(SourceRow).where(SourceRow.name == "posts").values(
            failures=2, last_fetch_at=datetime(2026, 3, 1, 9, 5, tzinfo=UTC), last_error=f"bad answer: {XSS}",
        ))
        await session.execute(update(ArticleRow).where(ArticleRow.id == built.ids["rust.md"]).values(source="blog"))
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(site))) as http:
        yield http


def rows_of(html: str) -> dict[str, dict[str, str]]:
    found = {}
    for row in HTMLParser(html).css("tr.source"):
        cells = {str(cell.attributes["class"]).split()[0]: cell.text(strip=True) for cell in row.css("td[class]")}
        found[str(row.attributes["data-name"])] = cells
    return found


async def test_the_page_needs_a_session(client: TestClient) -> None:
    assert (await client.get("/panel/sources")).status == 401
    assert (await client.post("/panel/sources/blog/poll")).status == 403


async def test_the_page_lists_the_folder_then_every_source(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    response = await client.get("/panel/sources")
    assert response.status == 200
    html = await response.text()
    rows = rows_of(html)
    assert list(rows) == ["content", "blog", "posts"]
    assert rows["content"]["kind"] == "folder" and rows["content"]["location"] == str(site.root)
    assert rows["content"]["articles"] == "2"  # the folder's published ones: not the feed's, not the held one
    assert rows["blog"]["location"] == "https://example.org/atom.xml" and "hunter2" not in html
    assert (rows["blog"]["origin"], rows["blog"]["articles"], rows["blog"]["last-fetch"]) == ("cli", "1", "never")
    assert rows["blog"]["next-fetch"] == "2030-01-01 00:00 UTC"
    assert rows["posts"]["location"] == "git+https://git.example.org/o/site.git#main:_posts"
    assert (rows["posts"]["failures"], rows["posts"]["last-fetch"]) == ("2", "2026-03-01 09:05 UTC")
    assert rows["posts"]["last-error"] == f"bad answer: {XSS}"  # shown as text
    assert XSS not in html and "&lt;script&gt;" in html
    tree = HTMLParser(html)
    assert tree.css_first('tr[data-name="content"] form.poll') is None  # the folder is watched, not polled
    assert tree.css_first('tr[data-name="blog"] form.poll') is not None
    assert "/panel/sources" in [a.attributes["href"] for a in tree.css("nav a")]


async def test_poll_now_makes_the_source_due_and_needs_the_csrf_token(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    assert (await client.post("/panel/sources/blog/poll")).status == 403
    assert (await client.post("/panel/sources/blog/poll", data={"csrf": "x" * len(csrf)})).status == 403
    stored = await get_source(site.sessions, "blog")
    assert stored is not None and stored.next_fetch_at == LATER

    done = await client.post("/panel/sources/blog/poll", data={"csrf": csrf})
    assert done.status == 200
    assert text_of(await done.text(), "#done") == ["blog is due now: the poller fetches it within seconds."]
    stored = await get_source(site.sessions, "blog")
    assert stored is not None and stored.next_fetch_at is not None
    assert stored.next_fetch_at - site.clock.now() < timedelta(seconds=1)

    missing = await client.post("/panel/sources/nope/poll", data={"csrf": csrf})
    assert missing.status == 404
    assert text_of(await missing.text(), "#refused") == ["There is no source named nope."]
    folder = await client.post("/panel/sources/content/poll", data={"csrf": csrf})
    assert folder.status == 404


async def test_the_page_speaks_chinese(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    html = await (await client.get("/panel/sources", headers={"Accept-Language": "zh-CN"})).text()
    assert "立即抓取" in html and "实时监视，不轮询" in html and "上次抓取" in html
