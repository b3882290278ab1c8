"""The admin panel in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright
for Python) signs in by link, lists the articles, opens one and sees both previews; a forged
link is refused; queueing for the next slot lands on the queue page; queueing at a time, moving and
cancelling work from the queue page; approving a held article empties the approvals page; the
Telegram Mini App signs in with signed initData and not with a wrong one.
Each page is saved at phone and desktop width into docs/screenshots/ (named in the README).

Skipped, saying why, where Playwright or the chromium binary is missing (`apt-get install chromium`).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from test_panel_http import Site, build_site, init_data, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="420" viewBox="0 0 800 420">'
    '<rect width="800" height="420" fill="#dea584"/><circle cx="400" cy="210" r="120" fill="#b7410e"/>'
    '<text x="400" y="232" font-size="64" text-anchor="middle" fill="#fff" font-family="sans-serif">2.0</text></svg>'
)

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright for Python is not installed: pip install -e '.[test]'"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install -y chromium) to run the browser tests",
)


async def _picture(_request: web.Request) -> web.Response:
    return web.Response(text=PICTURE, content_type="image/svg+xml")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Site, str]]:
    """The panel on a real port of 127.0.0.1, with the posts' pictures served beside it."""
    pictures = web.Application()
    pictures.router.add_get("/{name}", _picture)
    async with TestServer(pictures) as images:
        site = await build_site(tmp_path, extra_posts=3, image_host=f"http://127.0.0.1:{images.port}",
                                queue_slots=("09:00", "13:00", "18:00"))
        async with TestServer(make_app(site)) as server:
            yield site, f"http://127.0.0.1:{server.port}/panel"
        await site.engine.dispose()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def _shot(page: object, name: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"panel-{name}-{size}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_an_admin_signs_in_by_link_and_sees_both_previews(served, browser, size: str) -> None:
    site, base = served
    context = await browser.new_context(viewport=VIEWPORTS[size])  # type: ignore[attr-defined]
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    await page.goto(f"{base}/")
    await page.get_by_text("herald panel link").wait_for()
    assert await page.locator(".articles").count() == 0
    await _shot(page, "signin", size)

    await page.goto(f"{base}/login/{await site.link()}")
    await page.locator("#signin-button").click()
    await page.wait_for_url(f"{base}/")
    titles = await page.locator(".articles .title").all_inner_texts()
    assert titles[:3] == ["Coming next year", "Waiting for approval", "Rust 2.0 released"]
    assert "<script>alert(1)</script>" in titles  # shown as text, never run
    cookies = await context.cookies()
    assert [c["httpOnly"] for c in cookies if c["name"] == "herald_panel"] == [True]
    await _shot(page, "articles", size)

    await page.get_by_role("link", name="Rust 2.0 released").click()
    await page.locator("#telegram-preview .tg-bubble").wait_for()
    await page.locator("#discord-preview .dc-embed").wait_for()
    assert "Rust 2.0 released" in await page.locator(".tg-text strong").first.inner_text()
    assert await page.locator(".dc-title").inner_text() == "Rust 2.0 released"
    for image in (".tg-photo", ".dc-image"):
        await page.wait_for_function(
            "selector => { const i = document.querySelector(selector); return i && i.complete && i.naturalWidth > 0; }",
            arg=image,
        )
    await _shot(page, "article", size)

    await page.locator("#queue-next-slot").click()
    await page.wait_for_url(f"{base}/queue?added=*")
    assert (await page.locator("#queued").inner_text()).startswith("Queued #")
    assert "Rust 2.0 released" in await page.locator(".queue").inner_text()
    await _shot(page, "queue", size)

    await page.goto(f"{base}/articles/{site.ids['xss.md']}")
    await page.locator("#discord-preview .dc-embed").wait_for()
    assert await page.locator(".dc-title").inner_text() == "<script>alert(1)</script>"
    assert dialogs == []

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("herald panel link").wait_for()
    await context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_a_forged_link_is_refused(served, browser, size: str) -> None:
    _site, base = served
    context = await browser.new_context(viewport=VIEWPORTS[size])  # type: ignore[attr-defined]
    page = await context.new_page()
    response = await page.goto(f"{base}/login/{'A' * 43}")
    assert response is not None and response.status == 403
    await page.get_by_text("This sign-in link is not valid").wait_for()
    assert await page.locator("#signin-button").count() == 0
    await _shot(page, "refused", size)
    await page.goto(f"{base}/")
    assert await page.locator(".articles").count() == 0
    await context.close()


async def test_the_mini_app_signs_in_with_signed_init_data_only(served, browser) -> None:
    site, base = served
    context = await browser.new_context(viewport=VIEWPORTS["phone"])  # type: ignore[attr-defined]
    page = await context.new_page()
    wrong = init_data(42, site.clock.now(), token="654321:OTHER-token")
    await page.goto(f"{base}/#tgWebAppData={quote(wrong, safe='')}&tgWebAppVersion=8.0")
    await page.get_by_text("Telegram's sign-in data is not valid here").wait_for()
    assert await page.locator(".articles").count() == 0

    good = init_data(42, site.clock.now())
    await page.close()
    page = await context.new_page()  # Telegram opens the Mini App afresh, with its fragment
    await page.goto(f"{base}/#tgWebAppData={quote(good, safe='')}&tgWebAppVersion=8.0")
    await page.locator(".articles .title").first.wait_for()
    assert "Rust 2.0 released" in await page.locator(".articles").inner_text()
    await context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_queue_actions_and_approvals_in_the_browser(served, browser, size: str) -> None:
    site, base = served
    context = await browser.new_context(viewport=VIEWPORTS[size])  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(f"{base}/login/{await site.link()}")
    await page.locator("#signin-button").click()
    await page.wait_for_url(f"{base}/")

    await page.goto(f"{base}/queue")
    form = page.locator("form.queue-add")
    await form.locator('input[name="article"]').fill(str(site.ids["rust.md"]))
    await form.locator('input[name="when"]').fill("+2h")
    await form.locator('input[name="target"]').fill("telegram:@news")
    await form.locator("button").click()
    await page.locator("#done").wait_for()
    assert (await page.locator("#done").inner_text()).startswith("Queued #")
    assert "to telegram:@news" in await page.locator(".queue").inner_text()

    await form.locator('input[name="article"]').fill(str(site.ids["xss.md"]))
    await form.locator('input[name="when"]').fill("nonsense")
    await form.locator("button").click()
    await page.locator("#refused").wait_for()
    assert "nonsense" in await page.locator("#refused").inner_text()
    assert await page.locator(".queue li").count() == 1
    await _shot(page, "queue-actions", size)

    await page.locator('.queue li form.move input[name="when"]').fill("+5h")
    await page.locator(".queue li form.move button").click()
    await page.locator("#done").wait_for()
    assert await page.locator(".queue li").count() == 1
    await page.locator(".queue li form.cancel button").click()
    await page.locator("#done").wait_for()
    assert (await page.locator("#done").inner_text()).startswith("Cancelled #")
    assert await page.locator(".queue li").count() == 0

    await page.get_by_role("link", name="Approvals").click()
    await page.wait_for_url(f"{base}/approvals")
    assert await page.locator(".approvals .title").all_inner_texts() == ["Waiting for approval"]
    await _shot(page, "approvals", size)
    await page.locator(f"#held-{site.ids['held.md']} form.approve button").click()
    await page.locator("#done").wait_for()
    assert (await page.locator("#done").inner_text()).startswith(f"Approved article #{site.ids['held.md']}")
    assert await page.locator(".approvals li").count() == 0
    await context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_subscriptions_and_deliveries_pages_in_the_browser(served, browser, size: str) -> None:
    from test_panel_pages import delivered, subscribed

    site, base = served
    await subscribed(site)
    await delivered(site)
    context = await browser.new_context(viewport=VIEWPORTS[size])  # type: ignore[attr-defined]
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(f"{base}/login/{await site.link()}")
    await page.locator("#signin-button").click()
    await page.wait_for_url(f"{base}/")

    await page.get_by_role("link", name="Subscriptions").click()
    await page.wait_for_url(f"{base}/subscriptions")
    assert await page.locator("tr.subscription").count() == 3
    assert "cannot post: missing Send Messages" in await page.locator("ul.disabled-targets").inner_text()
    await _shot(page, "subscriptions", size)
    await page.locator('tr[data-target="telegram:100"] form.remove button').click()
    await page.locator("#done").wait_for()
    assert await page.locator("tr.subscription").count() == 2

    await page.get_by_role("link", name="Deliveries").click()
    await page.wait_for_url(f"{base}/deliveries")
    assert await page.locator("svg.chart rect.bar").count() == 24
    assert "<script>alert(1)</script>" in await page.locator("ul.errors").inner_text()
    await _shot(page, "deliveries", size)
    assert dialogs == []
    await context.close()
