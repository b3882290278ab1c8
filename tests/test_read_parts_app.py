"""`/read` of a very long post through the real clients and the fakes: a few messages, then the
link to the rest and a Continue button that sends the next part only when pressed; another
command's answer in the same chat does not wait for the whole article; the categories list can
be reached back from a category's page; a pressed approval card shows the decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from adapters.discord.limits import LIMITS as DISCORD
from adapters.telegram.limits import LIMITS as TELEGRAM
from bot.store.models import ArticleRow
from tests.test_discord_app import (
    World,
    content_of,
    ephemeral,
    world,  # noqa: F401 - the fixture
)
from tests.test_discord_app import post as discord_post
from tests.test_telegram_app import ADMIN, running, until

SITE = "https://example.org"
SLOW = 2.0
"""Rate scale for timing tests: Telegram's per-chat rate twice as fast as real."""
PARAGRAPHS = 300
"""About 270,000 characters: some 70 Telegram messages, 50 Discord ones, if sent whole."""


def _buttons(message: Any) -> list[dict[str, Any]]:
    return [key for row in (message.reply_markup or {}).get("inline_keyboard", []) for key in row]


async def test_telegram_read_sends_ten_messages_then_continue_on_request(tmp_path: Path) -> None:
    async with running(tmp_path, site_url=SITE) as b:
        await b.publish("huge", "Huge", paragraphs=PARAGRAPHS, image=None)
        first = await b.say(ADMIN, ADMIN, "/read 1", replies=TELEGRAM.read_messages)
        await until(lambda: any(_buttons(m) for m in b.tg.sent_to(ADMIN)))
        part = b.tg.sent_to(ADMIN)
        assert len(part) == TELEGRAM.read_messages == 10
        assert part[0].plain_text.startswith("Huge")
        keys = _buttons(part[-1])
        assert [k["text"] for k in keys] == ["Read the rest on the site", "Continue ›"]
        assert "url" in keys[0] and keys[1]["callback_data"].startswith("read:1:")
        shown = "\n".join(m.plain_text or "" for m in part)
        last_shown = max(i for i in range(PARAGRAPHS) if f"Paragraph {i} of Huge" in shown)
        assert last_shown < PARAGRAPHS - 1
        b.tg.press(ADMIN, ADMIN, part[-1].message_id, keys[1]["callback_data"])
        await until(lambda: len(b.tg.sent_to(ADMIN)) >= 2 * TELEGRAM.read_messages)
        after = b.tg.sent_to(ADMIN)[TELEGRAM.read_messages:]
        assert len(after) == TELEGRAM.read_messages
        following = "\n".join(m.plain_text or "" for m in after)
        assert f"Paragraph {last_shown + 1} of Huge" in following
        assert first  # the article began in the chat that asked


async def test_telegram_help_is_not_held_up_behind_a_long_read(tmp_path: Path) -> None:
    """Per-chat limits at half speed (a message every 0.5 s after a burst of 3): /help sent
    while /read is going out is answered within about one message slot, not after the article."""
    async with running(tmp_path, scale=SLOW) as b:
        await b.publish("huge", "Huge", paragraphs=PARAGRAPHS, image=None)
        b.tg.command(ADMIN, ADMIN, "/read 1")
        await until(lambda: len(b.tg.sent_to(ADMIN)) >= 4)  # past the burst: one message a slot now
        asked = b.tg.now()
        b.tg.command(ADMIN, ADMIN, "/help")
        await until(lambda: any("Commands:" in (m.plain_text or "") for m in b.tg.sent_to(ADMIN)))
        sent = b.tg.sent_to(ADMIN)
        position = next(i for i, m in enumerate(sent) if (m.plain_text or "").startswith("Commands:"))
        waited = sent[position].time - asked
        slot = 1.0 / SLOW
        assert waited < 2 * slot + 0.4, waited  # the article message being sent, then /help's own slot
        assert position < TELEGRAM.read_messages - 2, position
        await until(lambda: len(b.tg.sent_to(ADMIN)) >= TELEGRAM.read_messages + 1, timeout=30)


async def test_telegram_category_page_leads_back_to_the_categories(tmp_path: Path) -> None:
    async with running(tmp_path, posts=4) as b:
        [listing] = await b.say(ADMIN, ADMIN, "/categories")
        world = next(k for k in _buttons(listing) if k["text"].startswith("World"))
        b.tg.press(ADMIN, ADMIN, listing.message_id, world["callback_data"])
        page = (await until(lambda: [m for m in b.tg.sent if m.method == "editMessageText"]))[-1]
        assert "Old post" in page.plain_text
        back = _buttons(page)[-1]
        assert back["text"] == "‹ Categories"
        b.tg.press(ADMIN, ADMIN, listing.message_id, back["callback_data"])
        edits = await until(lambda: [m for m in b.tg.sent if m.method == "editMessageText"][1:])
        assert edits[-1].message_id == listing.message_id
        assert edits[-1].plain_text == listing.plain_text
        assert [k["text"] for k in _buttons(edits[-1])] == [k["text"] for k in _buttons(listing)]


async def _read_id(running_world: World, title: str) -> int:
    bot = running_world.bots[-1]
    async with bot.herald.sessions() as session:
        article_id = await session.scalar(select(ArticleRow.id).where(ArticleRow.title == title))
    assert article_id is not None
    return int(article_id)


def _components(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in (response["data"] or {}).get("components", []) for c in row["components"]]


async def test_discord_read_sends_five_messages_then_continue_on_request(world: World) -> None:  # noqa: F811
    body = "\n\n".join(f"Paragraph {i} of Huge. " + "Words of the article go on. " * 32 for i in range(PARAGRAPHS))
    discord_post(world.content, "huge.md", title="Huge", body=body, date="2026-01-05 10:00:00")
    await world.start(settings=world.settings(site_url=SITE))
    article_id = await _read_id(world, "Huge")
    responses = await world.command("read", {"id": article_id, "public": True}, count=DISCORD.read_messages)
    assert len(responses) == DISCORD.read_messages == 5
    buttons = _components(responses[-1])
    assert [c.get("label") for c in buttons] == ["Read the rest on the site", "Continue ›"]
    text = "".join(content_of(r) for r in responses)
    last_shown = max(i for i in range(PARAGRAPHS) if f"Paragraph {i} of Huge" in text)
    assert last_shown < PARAGRAPHS - 1
    press = world.fake.component(buttons[1]["custom_id"], guild_id=9001, channel_id=9101, user_id=4242)
    more = await world.interact(press, count=DISCORD.read_messages)
    assert len(more) == DISCORD.read_messages and all(ephemeral(r) for r in more)
    assert f"Paragraph {last_shown + 1} of Huge" in "".join(content_of(r) for r in more)


async def test_console_read_prints_a_bounded_part_and_where_the_rest_is(tmp_path: Path) -> None:
    from adapters.console.render import READ_CHARS
    from tests.console_chat import ConsoleChat

    body = "\n\n".join(f"Paragraph {i} of Huge. " + "Words of the article go on. " * 32 for i in range(PARAGRAPHS))
    huge = f"---\ntitle: Huge\ndate: 2026-01-05 10:00:00\n---\n\n{body}\n"
    async with ConsoleChat.open(tmp_path, posts={"huge.md": huge}, site_url=SITE) as chat:
        out = await chat.send("/read 1")
        assert READ_CHARS // 2 < len(out) <= READ_CHARS + 500
        assert "Paragraph 0 of Huge." in out and f"Paragraph {PARAGRAPHS - 1} of Huge." not in out
        assert "(The article continues:" in out and "The rest: https://example.org/" in out
    async with ConsoleChat.open(tmp_path / "zh", posts={"huge.md": huge}, site_url=SITE, lang="zh_CN.UTF-8") as chat:
        out = await chat.send("/read 1")
        assert "（文章未完，还有" in out and "余下部分：https://example.org/" in out


async def test_card_links_are_in_the_reader_language(tmp_path: Path) -> None:
    from tests.console_chat import ConsoleChat

    short = "---\ntitle: Short\ndate: 2026-01-05 10:00:00\n---\n\nJust a line.\n"
    async with ConsoleChat.open(tmp_path, posts={"a.md": short}, site_url=SITE, lang="zh_CN.UTF-8") as chat:
        out = await chat.send("/read 1")
        assert "阅读全文: https://example.org/" in out and "Read more" not in out


def test_telegram_and_discord_cards_link_in_the_reader_language() -> None:
    from dataclasses import replace

    from adapters.discord.render import render_summary as discord_card
    from adapters.telegram.render import render_summary as telegram_card
    from tests.test_render_telegram import BASE

    [zh] = telegram_card(BASE, lang="zh")
    assert zh.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "阅读全文"
    [en] = telegram_card(BASE)
    assert en.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Read more"
    [pointer] = telegram_card(replace(BASE, url=None), lang="zh")
    assert pointer.params["text"].endswith("阅读全文：/read 42")
    [embed] = discord_card(replace(BASE, url=None), lang="zh")
    assert embed.params["embeds"][0]["description"].endswith("阅读全文：`/read 42`")
