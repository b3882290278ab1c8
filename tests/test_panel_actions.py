"""The panel's queue actions and approvals (aiohttp's test client on a real SQLite store): each
action changes the store exactly as the chat command would (`/queue`, `/unqueue`, `/broadcast`,
`/approve` and the approval buttons), bad input is refused with the chat command's own words and
changes nothing, every action needs the CSRF token, and a decision made in the panel edits the
admins' approval cards in Telegram (the fake Bot API) while a decision made in chat shows in the panel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.commands import Invocation
from bot.commands.context import CommandContext
from bot.commands.dispatch import dispatch
from bot.commands.i18n import message
from bot.commands.types import Reply
from bot.panel.app import PanelConfig, mount_panel
from bot.platform import load_platforms
from bot.schedule import shell
from bot.schedule.slots import parse_slots
from bot.schedule.when import format_when, parse_when
from bot.store import queue as queue_store
from bot.store.articles import get_article
from bot.store.models import Delivery, QueueItem
from bot.store.subscriptions import subscribe
from bot.targets import Target
from tests.test_panel_http import Site, build_site, csrf_of, sign_in, text_of

ZONE_SETTINGS: dict[str, Any] = {"queue_slots": ("09:00", "18:00"), "timezone": "Asia/Shanghai"}


def _app(config: PanelConfig) -> web.Application:
    root = web.Application()
    mount_panel(root, config)
    return root


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    built = await build_site(tmp_path, **ZONE_SETTINGS)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(_app(site.config))) as http:
        yield http


def _ctx(site: Site, **extra: Any) -> CommandContext:
    async def no_article(_id: int) -> None:
        return None

    return CommandContext(sessions=site.sessions, clock=site.clock, read_article=no_article,  # type: ignore[arg-type]
                          admins=frozenset({Target("telegram", "42")}), zone=site.settings.zone,
                          slots=parse_slots(site.settings.queue_slots), **extra)


def _chat(command: str, *args: str) -> Invocation:
    return Invocation("telegram", "42", "private", "42", command, args=args)


async def _waiting(site: Site) -> list[QueueItem]:
    return [item for item, _title in await queue_store.waiting(site.sessions)]


# ---- queue actions ---------------------------------------------------------------------------


async def test_queue_at_a_time_for_one_target_adds_what_slash_queue_would(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    rust = site.ids["rust.md"]
    now = site.clock.now()
    zone = site.settings.zone
    page = await client.post("/panel/queue/add", data={"csrf": csrf, "article": f"#{rust}", "when": "+2h",
                                                        "target": "telegram:@news"})
    assert page.status == 200
    [item] = await _waiting(site)
    assert (item.article_id, item.target, item.created_by) == (rust, "telegram:@news", "telegram:42")
    assert item.due_at.replace(tzinfo=now.tzinfo) == now + timedelta(hours=2)
    [notice] = text_of(await page.text(), "#done")
    assert notice == message("queue.added", "en", qid=item.id, id=rust, title="Rust 2.0 released",
                             when=format_when(now + timedelta(hours=2), zone))
    assert any(f"#{item.id}" in line and "telegram:@news" in line for line in await shell.queue_list(site.settings))

    # The other forms `/queue` takes: a clock time, a date and time, and empty for the next slot.
    later = (now + timedelta(days=10)).astimezone(zone)
    for when in ("09:00", f"{later:%Y-%m-%d} 10:30", ""):
        done = await client.post("/panel/queue/add", data={"csrf": csrf, "article": str(rust), "when": when})
        assert done.status == 200, await done.text()
    due = sorted(item.due_at.replace(tzinfo=now.tzinfo) for item in await _waiting(site))
    assert parse_when("09:00", now=now, zone=zone) in due
    assert parse_when(f"{later:%Y-%m-%d} 10:30", now=now, zone=zone) in due
    # The chat command lists every one of them.
    reply = await dispatch(_ctx(site), _chat("/queue"))
    assert reply.text.count("Rust 2.0 released") == 4


@pytest.mark.parametrize(("form", "key", "values"), [
    ({"when": "tomorrow-ish"}, "when.not_time", {"text": "tomorrow-ish"}),
    ({"when": "<script>x</script>"}, "when.not_time", {"text": "<script>x</script>"}),
    ({"when": "+900d"}, "when.too_far", {"text": "+900d", "days": 366}),
    ({"when": "25:00"}, "when.not_time_of_day", {"text": "25:00"}),
    ({"article": "abc"}, "arg.bad_id", {"max": 2**63 - 1}),
    ({"article": "999999"}, "admin.unknown_article", {"id": 999999}),
])
async def test_bad_input_is_refused_with_the_chat_commands_words_and_nothing_changes(
    client: TestClient, site: Site, form: dict[str, str], key: str, values: dict[str, Any],
) -> None:
    csrf = await sign_in(client, site)
    data = {"csrf": csrf, "article": str(site.ids["rust.md"]), "when": "", **form}
    refused = await client.post("/panel/queue/add", data=data)
    assert refused.status == 400
    html = await refused.text()
    assert text_of(html, "#refused") == [message(key, "en", **values)]
    assert "<script>x" not in html  # shown as text
    assert await _waiting(site) == []


async def test_a_bad_target_or_an_unbroadcastable_article_is_refused_as_in_chat(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    bad = await client.post("/panel/queue/add", data={"csrf": csrf, "article": str(site.ids["rust.md"]),
                                                       "target": "news"})
    assert bad.status == 400
    assert text_of(await bad.text(), "#refused") == [
        "'news' is not a target; write it as platform:channel, e.g. telegram:@news"]
    future = site.ids["future.md"]
    reply = await dispatch(_ctx(site), _chat("/queue", str(future)))
    refused = await client.post("/panel/queue/add", data={"csrf": csrf, "article": str(future)})
    assert refused.status == 400 and text_of(await refused.text(), "#refused") == [reply.text]
    assert await _waiting(site) == []


async def test_move_and_cancel_change_the_queue_as_queue_and_unqueue_would(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    rust = site.ids["rust.md"]
    now = site.clock.now()
    await client.post("/panel/queue/add", data={"csrf": csrf, "article": str(rust), "when": "+2h",
                                                 "target": "telegram:@news"})
    [first] = await _waiting(site)

    refused = await client.post(f"/panel/queue/{first.id}/move", data={"csrf": csrf, "when": "soon"})
    assert refused.status == 400 and text_of(await refused.text(), "#refused") == [
        message("when.not_time", "en", text="soon")]
    assert [item.id for item in await _waiting(site)] == [first.id]

    moved = await client.post(f"/panel/queue/{first.id}/move", data={"csrf": csrf, "when": "+5h"})
    assert moved.status == 200
    [second] = await _waiting(site)
    assert second.id != first.id and (second.article_id, second.target) == (rust, "telegram:@news")
    assert second.due_at.replace(tzinfo=now.tzinfo) == now + timedelta(hours=5)
    gone = await queue_store.get_item(site.sessions, first.id)
    assert gone is not None and gone.status == "cancelled"
    page = await (await client.get("/panel/queue")).text()
    assert len(text_of(page, ".queue li")) == 1 and f"#{second.id}" in text_of(page, ".queue li")[0]

    cancelled = await client.post(f"/panel/queue/{second.id}/cancel", data={"csrf": csrf})
    assert cancelled.status == 200
    assert text_of(await cancelled.text(), "#done") == [message(
        "unqueue.done", "en", qid=second.id, id=rust, title="Rust 2.0 released",
        when=format_when(now + timedelta(hours=5), site.settings.zone))]
    assert await _waiting(site) == []
    again = await client.post(f"/panel/queue/{second.id}/cancel", data={"csrf": csrf})
    reply = await dispatch(_ctx(site), _chat("/unqueue", str(second.id)))
    assert again.status == 400 and text_of(await again.text(), "#refused") == [reply.text]
    missing = await client.post(f"/panel/queue/{second.id}/move", data={"csrf": csrf, "when": "+1h"})
    assert missing.status == 400 and await _waiting(site) == []


async def test_broadcast_now_queues_what_slash_broadcast_queues(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    rust, xss = site.ids["rust.md"], site.ids["xss.md"]
    done = await client.post(f"/panel/articles/{rust}/broadcast", data={"csrf": csrf})
    assert done.status == 200
    [from_panel] = await _waiting(site)
    assert text_of(await done.text(), "#done") == [message(
        "broadcast.done", "en", id=rust, title="Rust 2.0 released", qid=from_panel.id)]
    await dispatch(_ctx(site), _chat("/broadcast", str(xss)))
    from_chat = next(item for item in await _waiting(site) if item.article_id == xss)
    assert (from_panel.due_at, from_panel.target, from_panel.created_by) == (
        from_chat.due_at, from_chat.target, from_chat.created_by)
    refused = await client.post(f"/panel/articles/{site.ids['future.md']}/broadcast", data={"csrf": csrf})
    assert refused.status == 400 and len(await _waiting(site)) == 2


async def test_the_article_page_queues_at_a_time_for_one_target(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    rust = site.ids["rust.md"]
    page = await (await client.get(f"/panel/articles/{rust}")).text()
    assert text_of(page, "#queue-at") and text_of(page, "#broadcast-now")
    done = await client.post(f"/panel/articles/{rust}/queue", data={"csrf": csrf, "when": "+1h",
                                                                     "target": "discord:123"},
                             allow_redirects=False)
    assert done.status == 303
    [item] = await _waiting(site)
    assert item.target == "discord:123"
    refused = await client.post(f"/panel/articles/{rust}/queue", data={"csrf": csrf, "when": "later"})
    assert refused.status == 400
    assert text_of(await refused.text(), "#refused") == [
        message("panel.queue.refused", "en", reason=message("when.not_time", "en", text="later"))]
    assert len(await _waiting(site)) == 1


async def test_every_action_needs_the_csrf_token(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    rust, held = site.ids["rust.md"], site.ids["held.md"]
    await queue_store.add(site.sessions, rust, site.clock.now() + timedelta(hours=1), target=None,
                           created_by="telegram:42", now=site.clock.now())
    [item] = await _waiting(site)
    for path, data in [
        ("/panel/queue/add", {"article": str(rust)}),
        (f"/panel/queue/{item.id}/cancel", {}),
        (f"/panel/queue/{item.id}/move", {"when": "+3h"}),
        (f"/panel/articles/{rust}/broadcast", {}),
        (f"/panel/approvals/{held}/approve", {}),
        (f"/panel/approvals/{held}/skip", {}),
    ]:
        for csrf in (None, "wrong"):
            response = await client.post(path, data=data if csrf is None else {**data, "csrf": csrf})
            assert response.status == 403, path
    assert [i.id for i in await _waiting(site)] == [item.id]
    row = await get_article(site.sessions, held)
    assert row is not None and row.state == "held"


# ---- approvals -------------------------------------------------------------------------------


async def _deliveries(site: Site, article_id: int) -> int:
    async with site.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.article_id == article_id)) or 0)


async def test_approve_in_the_panel_publishes_fans_out_and_settles_the_cards(tmp_path: Path) -> None:
    site = await build_site(tmp_path, **ZONE_SETTINGS)
    decided: list[tuple[int, Reply, Invocation | None]] = []
    woken: list[bool] = []

    async def settled(article_id: int, reply: Reply, pressed: Invocation | None) -> None:
        decided.append((article_id, reply, pressed))

    config = replace(site.config, settled=settled, wake=lambda: woken.append(True))
    held = site.ids["held.md"]
    for chat in ("501", "502"):
        await subscribe(site.sessions, "telegram", chat, "private", [], "en", site.clock.now())
    try:
        async with TestClient(TestServer(_app(config))) as http:
            csrf = await sign_in(http, site)
            page = await (await http.get("/panel/approvals")).text()
            [line] = text_of(page, ".approvals li .title")
            assert line == "Waiting for approval"
            assert text_of(page, f"#held-{held} button") == ["Approve", "Queue", "Skip"]

            done = await http.post(f"/panel/approvals/{held}/approve", data={"csrf": csrf})
            assert done.status == 200
            html = await done.text()
            [notice] = text_of(html, "#done")
            assert notice.startswith(f"Approved article #{held}") and text_of(html, ".approvals li") == []
            row = await get_article(site.sessions, held)
            assert row is not None and row.state == "published"
            assert await _deliveries(site, held) == 2 and woken
            [(article_id, reply, pressed)] = decided
            assert article_id == held and reply.settles and reply.text == notice
            assert pressed is not None and pressed.channel_id == "panel"  # no real card is skipped

            # Deciding again says what the chat button says, and changes nothing.
            again = await http.post(f"/panel/approvals/{held}/approve", data={"csrf": csrf})
            assert text_of(await again.text(), "#done") == [message("approve.already", "en", id=held)]
            assert await _deliveries(site, held) == 2
    finally:
        await site.engine.dispose()


async def test_queue_and_skip_in_the_panel_do_what_the_buttons_do(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    held = site.ids["held.md"]
    skipped = await client.post(f"/panel/approvals/{held}/skip", data={"csrf": csrf})
    assert skipped.status == 200
    assert text_of(await skipped.text(), "#done") == [message("approve.skipped", "en", id=held,
                                                              title="Waiting for approval")]
    row = await get_article(site.sessions, held)
    assert row is not None and row.state == "held"

    queued = await client.post(f"/panel/approvals/{held}/queue", data={"csrf": csrf})
    assert queued.status == 200
    [item] = await _waiting(site)
    assert item.article_id == held and item.target is None
    assert f"{item.due_at.replace(tzinfo=site.clock.now().tzinfo).astimezone(site.settings.zone):%H:%M}" in (
        "09:00", "18:00")
    bad = await client.post(f"/panel/approvals/{held}/publish", data={"csrf": csrf})
    assert bad.status == 404 and len(await _waiting(site)) == 1
    unknown = await client.post("/panel/approvals/999999/approve", data={"csrf": csrf})
    assert unknown.status == 400 and text_of(await unknown.text(), "#refused") == [
        message("admin.unknown_article", "en", id=999999)]


async def test_a_decision_made_in_chat_shows_in_the_panel(client: TestClient, site: Site) -> None:
    await sign_in(client, site)
    held = site.ids["held.md"]
    assert text_of(await (await client.get("/panel/approvals")).text(), ".approvals li .title") == [
        "Waiting for approval"]
    reply = await dispatch(_ctx(site), _chat("/approve", str(held)))
    assert not reply.error
    page = await (await client.get("/panel/approvals")).text()
    assert text_of(page, ".approvals li") == [] and text_of(page, ".empty") == ["Nothing is waiting for approval."]


async def test_the_approvals_page_speaks_chinese(client: TestClient, site: Site) -> None:
    csrf = await sign_in(client, site)
    html = await (await client.get("/panel/approvals", headers={"Accept-Language": "zh-CN"})).text()
    assert "等待审批的文章" in html and "批准" in html
    done = await client.post(f"/panel/approvals/{site.ids['held.md']}/skip", data={"csrf": csrf},
                             headers={"Accept-Language": "zh-TW"})
    assert text_of(await done.text(), "#done") == [message(
        "approve.skipped", "zh-Hant", id=site.ids["held.md"], title="Waiting for approval")]


async def test_approve_in_the_panel_edits_the_telegram_cards_and_delivers(tmp_path: Path) -> None:
    from bot.panel.auth import create_link
    from tests.test_admin_cards import OTHER_ADMIN, _cards, _edits_of
    from tests.test_telegram_app import ADMIN, running, until
    from tests.test_telegram_app import post as telegram_post

    readers = 5005
    admins = (f"telegram:{ADMIN}", f"telegram:{OTHER_ADMIN}")
    async with running(tmp_path, auto_publish=False, admins=admins) as b:
        b.tg.add_chat(OTHER_ADMIN, type="private")
        b.tg.add_chat(readers, type="private")
        herald = b.herald
        await subscribe(herald.sessions, "telegram", str(readers), "private", [], "en", herald.clock.now())
        telegram_post(b.content, "held", "Awaiting approval", image=None)
        await until(lambda: len(_cards(b)) == 2)
        config = PanelConfig.from_settings(
            herald.settings, sessions=herald.sessions, clock=herald.clock, platforms=load_platforms(),
            run_queue=herald.run_queue, wake=herald.delivery.wake, settled=herald.notices.cards.settle,
        )
        async with TestClient(TestServer(_app(config))) as http:
            token = await create_link(herald.sessions, f"telegram:{ADMIN}", herald.clock.now())
            assert (await http.post("/panel/login", data={"token": token}, allow_redirects=False)).status == 303
            page = await (await http.get("/panel/approvals")).text()
            assert text_of(page, ".approvals li .title") == ["Awaiting approval"]
            done = await http.post("/panel/approvals/1/approve", data={"csrf": csrf_of(page)})
            assert done.status == 200
        await until(lambda: b.tg.sent_to(readers))
        await until(lambda: all(_edits_of(b, card) for card in _cards(b)))
        for card in _cards(b):  # both admins' cards, none pressed in chat
            [edit] = _edits_of(b, card)
            assert edit.plain_text.startswith("Approved article #1") and edit.reply_markup is None
        row = await get_article(herald.sessions, 1)
        assert row is not None and row.state == "published"
