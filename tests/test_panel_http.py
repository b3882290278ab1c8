"""The admin panel over HTTP (aiohttp's test client, a real SQLite store indexed from post files):
sign-in links work once and expire, forged and non-admin sign-ins are refused, sessions expire and
end at sign-out, state changes need the CSRF token, article text is always shown as text, the
articles list filters and pages, the article page shows the requests the renderers give, and the
Telegram Mini App's initData is checked as Telegram documents it."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from manual_clock import ManualClock
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.commands import Invocation
from bot.commands.context import CommandContext
from bot.commands.dispatch import dispatch
from bot.panel.address import link_url
from bot.panel.app import COOKIE, PanelConfig, mount_panel
from bot.panel.auth import create_link, csrf_token
from bot.panel.previews import telegram_html
from bot.panel.webapp import sign_init_data
from bot.platform import load_platforms
from bot.serve import index_once
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.targets import Target

ADMIN = "telegram:42"
BOT_TOKEN = "123456:TEST-token"
XSS = "<script>alert(1)</script>"


def post(folder: Path, name: str, title: str, *, date: str, categories: tuple[str, ...] = (), extra: str = "",
         body: str = "A **bold** first paragraph with [a link](https://example.org/a).") -> None:
    """Write a post file as a site would have it."""
    cats = "".join(f"\n  - {json.dumps(c, ensure_ascii=False)}" for c in categories)
    front = f"title: {json.dumps(title, ensure_ascii=False)}\ndate: {date}\n" + (f"categories:{cats}\n" if cats else "")
    (folder / name).write_text(f"---\n{front}{extra}---\n{body}\n", encoding="utf-8")


@dataclass
class Site:
    """A content folder indexed into a SQLite store, and the panel served from it."""

    root: Path
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: ManualClock
    config: PanelConfig
    ids: dict[str, int] = field(default_factory=dict)

    async def link(self, admin: str = ADMIN) -> str:
        """Make a sign-in link (as `/panel` and `herald panel link` do) and return its token."""
        return await create_link(self.sessions, admin, self.clock.now())


async def build_site(tmp: Path, *, extra_posts: int = 0, panel_url: str | None = None,
                     image_host: str = "https://img.example.org", **overrides: object) -> Site:
    """Index a small site: a normal post with an image, a post whose title is a script tag, a
    future-dated post, a post with a problem, `extra_posts` more, then a post held for approval."""
    content = tmp / "posts"
    content.mkdir()
    post(content, "rust.md", "Rust 2.0 released", date="2026-01-05", categories=("Programming",),
         extra=f"thumbnail: {image_host}/rust.png\nauthor: Ferris\n")
    post(content, "xss.md", XSS, date="2026-01-04", categories=("Security",),
         body=f"Body with {XSS} and <img src=x onerror=alert(2)> inside.")
    post(content, "future.md", "Coming next year", date="2099-01-01", categories=("Programming",))
    (content / "dated.md").write_text("---\ntitle: ''\ndate: 2026-01-03\n---\nA post whose title is blank.\n", encoding="utf-8")
    for n in range(extra_posts):
        post(content, f"more-{n:03d}.md", f"Filler post {n:03d}", date=f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}",
             categories=("Filler",))
    values: dict[str, object] = dict(
        content_dir=content, database_url=f"sqlite:///{tmp / 'herald.db'}", admins=(ADMIN, "discord:77"),
        telegram_token=BOT_TOKEN, http_port=0, auto_publish=False,
    )
    if panel_url:
        values["panel_url"] = panel_url
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    await index_once(settings)
    post(content, "held.md", "Waiting for approval", date="2026-01-06", categories=("News",))
    await index_once(settings)  # after the first index: a new post is held (auto-publish is off)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    config = PanelConfig.from_settings(settings, sessions=sessions, clock=clock, platforms=load_platforms())
    site = Site(content, settings, engine, sessions, clock, config)
    from sqlalchemy import select

    from bot.store.models import ArticleRow

    async with sessions() as session:
        for row in (await session.scalars(select(ArticleRow))).all():
            site.ids[row.path] = row.id
    return site


def make_app(site: Site) -> web.Application:
    root = web.Application()
    mount_panel(root, site.config)
    return root


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    built = await build_site(tmp_path, extra_posts=25)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(site))) as http:
        yield http


async def sign_in(client: TestClient, site: Site) -> str:
    """Sign in by link; return the session's CSRF token (from the page's sign-out form)."""
    token = await site.link()
    response = await client.post("/panel/login", data={"token": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/panel/"
    page = await client.get("/panel/")
    assert page.status == 200
    return csrf_of(await page.text())


def csrf_of(html: str) -> str:
    node = HTMLParser(html).css_first('form.signout input[name="csrf"]')
    assert node is not None
    return str(node.attributes["value"])


def text_of(html: str, selector: str) -> list[str]:
    return [node.text(separator="", strip=True) for node in HTMLParser(html).css(selector)]


# ---- signing in ------------------------------------------------------------------------------


async def test_without_a_session_only_the_sign_in_page_is_shown(client: TestClient) -> None:
    for path in ("/panel/", "/panel/articles/1", "/panel/?q=Rust"):
        response = await client.get(path)
        html = await response.text()
        assert response.status == 401
        assert "herald panel link" in html and "/panel" in html
        assert "Rust 2.0" not in html and "signout" not in html
    bare = await client.get("/panel", allow_redirects=False)
    assert bare.status == 308 and bare.headers["Location"] == "/panel/"


async def test_a_sign_in_link_signs_in_once_with_a_safe_cookie(client: TestClient, site: Site) -> None:
    token = await site.link()
    confirm = await client.get(f"/panel/login/{token}")
    assert confirm.status == 200 and "signs you in as telegram:42" in await confirm.text()
    # Opening the link (as a link previewer would) does not use it up; the Sign in button does.
    again = await client.get(f"/panel/login/{token}")
    assert again.status == 200
    response = await client.post("/panel/login", data={"token": token}, allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/panel" in cookie and "Secure" not in cookie  # served over http here
    assert token not in cookie
    home = await client.get("/panel/")
    assert home.status == 200 and "Rust 2.0 released" in await home.text()

    async with TestClient(TestServer(make_app(site))) as other:
        reused = await other.post("/panel/login", data={"token": token}, allow_redirects=False)
        assert reused.status == 403 and "used already" in await reused.text()
        assert (await other.get(f"/panel/login/{token}")).status == 403
        assert (await other.get("/panel/")).status == 401


async def test_the_database_keeps_only_hashes_of_tokens(client: TestClient, site: Site) -> None:
    token = await site.link()
    await client.post("/panel/login", data={"token": token})
    session_token = next(c.value for c in client.session.cookie_jar if c.key == COOKIE)
    from sqlalchemy import select

    from bot.store.models import PanelToken

    async with site.sessions() as session:
        rows = (await session.scalars(select(PanelToken))).all()
    stored = {(row.kind, row.token_hash) for row in rows}
    assert stored == {("link", hashlib.sha256(token.encode()).hexdigest()),
                      ("session", hashlib.sha256(session_token.encode()).hexdigest())}
    assert all(token not in str(vars(row)) and session_token not in str(vars(row)) for row in rows)


async def test_expired_forged_and_garbled_links_are_refused(client: TestClient, site: Site) -> None:
    token = await site.link()
    site.clock.advance(minutes=10, seconds=1)
    expired = await client.post("/panel/login", data={"token": token}, allow_redirects=False)
    assert expired.status == 403 and "expired" in await expired.text()
    for forged in (secrets.token_urlsafe(32), token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500, "a/b", ""):
        response = await client.post("/panel/login", data={"token": forged}, allow_redirects=False)
        assert response.status == 403, forged
        assert COOKIE not in response.cookies
    assert (await client.get("/panel/")).status == 401


async def test_a_link_for_someone_not_an_admin_signs_nobody_in(client: TestClient, site: Site) -> None:
    token = await site.link("telegram:99")  # e.g. an admin removed from HERALD_ADMINS since
    page = await client.get(f"/panel/login/{token}")
    assert page.status == 403 and text_of(await page.text(), ".error") == ["Only the bot's admins may use the panel."]
    response = await client.post("/panel/login", data={"token": token}, allow_redirects=False)
    assert response.status == 403
    assert (await client.get("/panel/")).status == 401


async def test_sessions_expire(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    site.clock.advance(hours=11, minutes=59)
    assert (await client.get("/panel/")).status == 200
    site.clock.advance(minutes=2)
    assert (await client.get("/panel/")).status == 401


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    missing = await client.post("/panel/logout", data={}, allow_redirects=False)
    assert missing.status == 403 and "form token" in await missing.text()
    wrong = await client.post("/panel/logout", data={"csrf": "0" * 64}, allow_redirects=False)
    assert wrong.status == 403
    other = await client.post("/panel/logout", headers={"X-CSRF-Token": csrf_token("someone else's session")},
                              allow_redirects=False)
    assert other.status == 403
    assert (await client.get("/panel/")).status == 200  # still signed in
    done = await client.post("/panel/logout", data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    assert (await client.get("/panel/")).status == 401


async def test_a_post_without_a_session_is_refused(client: TestClient) -> None:
    response = await client.post("/panel/logout", data={"csrf": "x"})
    assert response.status == 403


async def test_cookies_are_secure_when_the_panel_is_served_over_https(tmp_path: Path) -> None:
    site = await build_site(tmp_path, panel_url="https://herald.example.org/panel")
    try:
        async with TestClient(TestServer(make_app(site))) as http:
            response = await http.post("/panel/login", data={"token": await site.link()}, allow_redirects=False)
            assert response.status == 303 and "Secure" in response.headers["Set-Cookie"]
    finally:
        await site.engine.dispose()


async def test_pages_carry_security_headers(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    response = await client.get("/panel/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


# ---- the /panel command ---------------------------------------------------------------------


def _invocation(user: str, kind: str = "private", platform: str = "telegram") -> Invocation:
    return Invocation(platform=platform, channel_id=user, channel_kind=kind, user_id=user, command="/panel")  # type: ignore[arg-type]


async def test_panel_command_sends_an_admin_a_working_link(client: TestClient, site: Site) -> None:
    async def no_article(_id: int) -> None:
        return None

    ctx = CommandContext(sessions=site.sessions, clock=site.clock, read_article=no_article,  # type: ignore[arg-type]
                         admins=frozenset({Target("telegram", "42")}), panel_url="http://herald.test/panel")
    reply = await dispatch(ctx, _invocation("42"))
    assert "works once, for 10 minutes" in reply.text
    url = re.search(r"http://herald\.test/panel/login/(\S+)", reply.text)
    assert url is not None and reply.ephemeral
    response = await client.post("/panel/login", data={"token": url[1]}, allow_redirects=False)
    assert response.status == 303

    refused = await dispatch(ctx, _invocation("99"))
    assert refused.error and "only for the bot's admins" in refused.text
    in_group = await dispatch(ctx, _invocation("42", kind="group"))
    assert in_group.error and "private chat" in in_group.text
    zh = await dispatch(ctx, Invocation("telegram", "42", "private", "42", "/panel", lang="zh-TW"))
    assert "登入連結" in zh.text


def test_links_are_made_under_the_public_address() -> None:
    assert link_url("https://herald.example.org/panel", "abc") == "https://herald.example.org/panel/login/abc"


# ---- articles -------------------------------------------------------------------------------


async def test_a_script_title_is_shown_as_text_everywhere(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    listing = await (await client.get("/panel/?q=script")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and XSS not in listing
    assert text_of(listing, ".articles .title") == [XSS]
    page = await (await client.get(f"/panel/articles/{site.ids['xss.md']}")).text()
    assert XSS not in page and "onerror" not in page.replace("onerror=alert(2)&gt;", "")
    assert HTMLParser(page).css("main script") == [] and HTMLParser(page).css("main img[onerror]") == []
    assert XSS in text_of(page, ".tg-text strong")  # the bold title of the caption, as text
    assert text_of(page, ".dc-title") == [XSS]


async def test_articles_are_listed_newest_first_filtered_and_paged(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    first = await (await client.get("/panel/")).text()
    titles = text_of(first, ".articles .title")
    assert len(titles) == 20 and titles[:3] == ["Coming next year", "Waiting for approval", "Rust 2.0 released"]
    assert "30 articles" in first and "Page 1 of 2" in first
    second = await (await client.get("/panel/?page=2")).text()
    assert len(text_of(second, ".articles .title")) == 10 and "Page 2 of 2" in second
    assert text_of(await (await client.get("/panel/?state=held")).text(), ".articles .title") == ["Waiting for approval"]
    assert text_of(await (await client.get("/panel/?state=future")).text(), ".articles .title") == ["Coming next year"]
    assert text_of(await (await client.get("/panel/?state=problem")).text(), ".articles .title") == []
    programming = await (await client.get("/panel/?" + urlencode({"category": "programming"}))).text()
    assert text_of(programming, ".articles .title") == ["Coming next year", "Rust 2.0 released"]
    assert text_of(await (await client.get("/panel/?q=RUST")).text(), ".articles .title") == ["Rust 2.0 released"]
    assert "No article matches" in await (await client.get("/panel/?q=%25_nothing")).text()
    # Out-of-bounds input is bounded, not an error.
    for query in ("page=-3", "page=999999999", "state=bogus", "q=" + "x" * 5000, "category=" + "y" * 5000):
        assert (await client.get(f"/panel/?{query}")).status == 200


async def test_an_article_shows_exactly_what_telegram_and_discord_get(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    article_id = site.ids["rust.md"]
    html = await (await client.get(f"/panel/articles/{article_id}")).text()
    platforms = load_platforms()
    from bot.content import ContentConfig, load_article
    from bot.summary import SummaryConfig, summarize

    loaded = load_article(site.root / "rust.md", ContentConfig.from_settings(site.settings)).article
    assert loaded is not None
    from dataclasses import replace

    summary = summarize(replace(loaded, id=article_id), SummaryConfig.from_settings(site.settings))
    [telegram] = platforms["telegram"].render_summary(summary)
    [discord] = platforms["discord"].render_summary(summary)
    assert telegram.method == "sendPhoto"
    page = HTMLParser(html)
    photo = page.css_first(".tg-photo")
    assert photo is not None and photo.attributes["src"] == telegram.params["photo"]
    caption_text = re.sub(r"<[^>]+>", "", telegram.params["caption"]).replace("&amp;", "&")
    tg_text = page.css_first(".tg-text")
    assert tg_text is not None and tg_text.text(separator="") == caption_text
    assert text_of(html, ".tg-text strong") == ["Rust 2.0 released"]
    assert f"/read {article_id}" in caption_text or "example.org" in caption_text
    [embed] = discord.params["embeds"]
    assert text_of(html, ".dc-title") == [embed["title"]] and text_of(html, ".dc-author") == ["Ferris"]
    assert text_of(html, ".dc-footer")[0].startswith(embed["footer"]["text"])
    bar = page.css_first(".dc-bar")
    assert bar is not None and f"#{embed['color']:06x}" in str(bar.attributes["style"])
    image = page.css_first(".dc-image")
    assert image is not None and image.attributes["src"] == embed["image"]["url"]
    assert text_of(html, ".dc-description strong") == ["bold"]
    assert "herald check finds no problem" in html


async def test_an_article_page_lists_the_problems_herald_check_reports(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    html = await (await client.get(f"/panel/articles/{site.ids['dated.md']}")).text()
    problems = text_of(html, "#problems li")
    assert problems and all(p.startswith("dated.md: ") for p in problems)
    missing = await client.get("/panel/articles/999999")
    assert missing.status == 404 and "There is no article #999999" in await missing.text()
    assert (await client.get("/panel/articles/nonsense")).status == 404


async def test_the_panel_speaks_chinese_to_a_chinese_browser(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    html = await (await client.get("/panel/", headers={"Accept-Language": "zh-TW,zh;q=0.9"})).text()
    assert "登出" in html and 'lang="zh-Hant"' in html


# ---- the queue ------------------------------------------------------------------------------


async def test_queue_for_the_next_slot_is_the_same_queue_as_herald_queue_and_slash_queue(tmp_path: Path) -> None:
    site = await build_site(tmp_path, queue_slots=("09:00", "18:00"), timezone="Asia/Shanghai")
    try:
        async with TestClient(TestServer(make_app(site))) as http:
            await sign_in(http, site)
            article_id = site.ids["rust.md"]
            page = await (await http.get(f"/panel/articles/{article_id}")).text()
            form = HTMLParser(page).css_first("form.actions")
            assert form is not None and form.attributes["action"] == f"/panel/articles/{article_id}/queue"
            csrf = str(form.css_first('input[name="csrf"]').attributes["value"])  # type: ignore[union-attr]

            forged = await http.post(f"/panel/articles/{article_id}/queue", data={}, allow_redirects=False)
            assert forged.status == 403
            from bot.schedule import shell

            assert not any("Rust 2.0 released" in line for line in await shell.queue_list(site.settings))

            done = await http.post(f"/panel/articles/{article_id}/queue", data={"csrf": csrf}, allow_redirects=False)
            assert done.status == 303 and done.headers["Location"].startswith("/panel/queue?added=")
            queue_page = await (await http.get(done.headers["Location"])).text()
            [notice] = text_of(queue_page, "#queued")
            qid = int(done.headers["Location"].rsplit("=", 1)[1])
            assert notice.startswith(f"Queued #{qid}: article #{article_id} goes out at ")
            assert ("09:00 CST" in notice) or ("18:00 CST" in notice)
            assert "Daily slots: 09:00, 18:00" in queue_page and "Times in Asia/Shanghai" in queue_page
            [line] = text_of(queue_page, ".queue li")
            assert "Rust 2.0 released" in line and "to every subscriber and channel" in line

            listed = await shell.queue_list(site.settings)
            assert any(f"#{qid}" in entry and "Rust 2.0 released" in entry for entry in listed), listed

            async def no_article(_id: int) -> None:
                return None

            from bot.schedule.slots import parse_slots

            ctx = CommandContext(sessions=site.sessions, clock=site.clock, read_article=no_article,  # type: ignore[arg-type]
                                 admins=frozenset({Target("telegram", "42")}), zone=site.settings.zone,
                                 slots=parse_slots(site.settings.queue_slots))
            reply = await dispatch(ctx, Invocation("telegram", "42", "private", "42", "/queue"))
            assert f"#{qid}" in reply.text and "Rust 2.0 released" in reply.text

            # The next one takes the other slot, as `/queue <id>` would.
            again = await http.post(f"/panel/articles/{site.ids['xss.md']}/queue", data={"csrf": csrf}, allow_redirects=False)
            assert again.status == 303
            days = await (await http.get("/panel/queue")).text()
            assert len(text_of(days, ".queue li")) == 2

            refused = await http.post(f"/panel/articles/{site.ids['future.md']}/queue", data={"csrf": csrf})
            assert refused.status == 400
            assert text_of(await refused.text(), ".error")[0].startswith("Not queued: Article #")
    finally:
        await site.engine.dispose()


# ---- the Telegram Mini App ------------------------------------------------------------------


def init_data(user_id: int, auth_date: datetime, token: str = BOT_TOKEN) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Ann", "username": "ann"}, separators=(",", ":")),
        "auth_date": str(int(auth_date.timestamp())),
    }
    return urlencode({**fields, "hash": sign_init_data(fields, token)})


async def test_the_mini_app_signs_an_admin_in_with_signed_init_data(client: TestClient, site: Site) -> None:
    response = await client.post("/panel/webapp", data={"init_data": init_data(42, site.clock.now())})
    assert response.status == 200 and (await response.json()) == {"ok": True, "next": "/panel/"}
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert (await client.get("/panel/")).status == 200


@pytest.mark.parametrize(
    "case", ["forged", "other bot", "stale", "future", "not admin", "tampered", "garbage", "huge", "duplicate"]
)
async def test_the_mini_app_refuses_what_telegram_did_not_sign_now_for_an_admin(
    client: TestClient, site: Site, case: str
) -> None:
    now = site.clock.now()
    data = {
        "forged": init_data(42, now).replace("hash=", "hash=0"),
        "other bot": init_data(42, now, token="654321:OTHER-token"),
        "stale": init_data(42, now - timedelta(hours=1, minutes=1)),
        "future": init_data(42, now + timedelta(hours=1)),
        "not admin": init_data(99, now),
        "tampered": init_data(99, now).replace("%22id%22%3A99", "%22id%22%3A42"),
        "garbage": "%%%&&&===",
        "huge": "a=" + "b" * 20000,
        "duplicate": init_data(42, now) + "&auth_date=1",
    }[case]
    response = await client.post("/panel/webapp", data={"init_data": data})
    assert response.status in (403, 413)
    assert COOKIE not in response.cookies
    assert (await client.get("/panel/")).status == 401


# ---- the caption HTML the previews draw -------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "shown"),
    [
        ("<b>Bold</b> &amp; <i>it</i>", "<strong>Bold</strong> &amp; <em>it</em>"),
        ('<a href="https://e.org/?a=1&amp;b=2">x</a>', '<a href="https://e.org/?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">x</a>'),
        ('<a href="javascript:alert(1)">x</a>', "x"),
        ("<img src=x onerror=alert(1)>hi", "hi"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("&lt;script&gt;", "&lt;script&gt;"),
        ("<b>unclosed", "<strong>unclosed</strong>"),
        ('<span class="tg-spoiler">s</span>', '<span class="spoiler">s</span>'),
    ],
)
def test_captions_keep_only_telegrams_tags(caption: str, shown: str) -> None:
    assert str(telegram_html(caption)) == shown


async def test_the_panel_is_served_beside_healthz_by_the_health_server(site: Site) -> None:
    import aiohttp

    from bot.health import HealthServer, HealthStatus
    from bot.metrics import Metrics
    from bot.panel.app import panel_mount

    async def healthy() -> HealthStatus:
        return HealthStatus(ok=True)

    server = HealthServer(0, check=healthy, metrics=Metrics(),
                          mount=panel_mount(site.settings, sessions=site.sessions, clock=site.clock))
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.bound_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as health:
                assert health.status == 200
            async with http.get(f"{base}/panel/") as panel:
                assert panel.status == 401 and "herald panel link" in await panel.text()
            async with http.get(f"{base}/panel/static/panel.css") as css:
                assert css.status == 200 and css.content_type == "text/css"
    finally:
        await server.stop()


async def test_links_and_sessions_on_every_database(sessions) -> None:
    """The store side alone, on SQLite and (when configured) PostgreSQL: once, expiry, sign-out."""
    from bot.panel.auth import end_session, find_session, redeem_link

    now = datetime(2026, 3, 1, tzinfo=UTC)
    token = await create_link(sessions, ADMIN, now)
    session = await redeem_link(sessions, token, now + timedelta(minutes=9))
    assert session is not None and session.admin == ADMIN
    assert await redeem_link(sessions, token, now + timedelta(minutes=9)) is None
    late = await create_link(sessions, ADMIN, now)
    assert await redeem_link(sessions, late, now + timedelta(minutes=10, seconds=1)) is None
    assert await find_session(sessions, session.token, now + timedelta(hours=11)) is not None
    assert await find_session(sessions, session.token, now + timedelta(hours=12, minutes=9, seconds=1)) is None
    await end_session(sessions, session.token)
    assert await find_session(sessions, session.token, now) is None
