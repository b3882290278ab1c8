"""Bounded input: every command and every button answers arbitrary input with one short reply,
never a traceback; counts, lengths and numbers are kept within limits; `/read` sends a long
article in parts; the categories list can be reached back from a category's page; an approval
decision settles its card."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from chat import ChatHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import command_table, dispatch, dispatch_action
from bot.commands.admin import approval_request
from bot.commands.context import MAX_ARGS_CHARS, MAX_CATEGORIES
from bot.commands.i18n import message
from bot.commands.read import READ_PART_CHARS
from bot.store.engine import create_engine, session_factory
from bot.store.models import Base
from bot.store.subscriptions import get_subscription
from bot.summary.model import Paragraph

EXPIRED = message("action.expired", "en")
INTERNAL = message("error.internal", "en")
SHORT = 400
"""A refusal or explanation is one short message."""


@pytest.fixture
def chat(sessions) -> ChatHarness:
    return ChatHarness(sessions, admins=["telegram:1001"])


# -- /subscribe, /category: counts and lengths -------------------------------------------------


async def test_subscribing_to_too_many_categories_is_refused_in_one_line(chat) -> None:
    names = ",".join(f"c{i}" for i in range(1500))[:MAX_ARGS_CHARS]
    reply = await chat.send(f"/subscribe {names}")
    assert reply.error and "\n" not in reply.text and len(reply.text) < SHORT
    assert "at most 20 categories" in reply.text
    assert await get_subscription(chat.sessions, "telegram", "1001") is None  # nothing stored
    zh = await chat.where(lang="zh").send("/subscribe " + ",".join(f"c{i}" for i in range(21)))
    assert zh.text.startswith("每个聊天最多订阅 20 个分类")


async def test_adding_categories_past_the_limit_is_refused(chat) -> None:
    await chat.send("/subscribe " + ",".join(f"c{i}" for i in range(MAX_CATEGORIES - 1)))
    state = await get_subscription(chat.sessions, "telegram", "1001")
    assert state is not None and len(state.categories) == MAX_CATEGORIES - 1
    assert not (await chat.send("/subscribe c0, extra")).error  # 20 exactly is fine
    reply = await chat.send("/subscribe one, more")
    assert reply.error and "this would make 22" in reply.text
    state = await get_subscription(chat.sessions, "telegram", "1001")
    assert state is not None and len(state.categories) == MAX_CATEGORIES


async def test_ten_thousand_characters_are_not_echoed_back(chat) -> None:
    await chat.add_article("Something", categories=["World"])
    for command in ("/category", "/subscribe", "/unsubscribe", "/read", "/queue"):
        reply = await chat.send(f"{command} " + "长" * 10_000)
        assert reply.error and len(reply.text) < SHORT and "长长" not in reply.text, command
        assert f"at most {MAX_ARGS_CHARS} characters" in reply.text
    zh = await chat.where(lang="zh").send("/category " + "x" * 600)
    assert zh.text == f"内容太长：/category 最多接受 {MAX_ARGS_CHARS} 个字符。"


async def test_a_category_name_longer_than_any_is_refused(chat) -> None:
    reply = await chat.send("/category " + "y" * 65)
    assert reply.error and reply.text.startswith("Category names are at most 64 characters")
    reply = await chat.send("/subscribe " + "y" * 65)
    assert reply.error and reply.text.startswith("Category names are at most 64 characters")


# -- numbers -----------------------------------------------------------------------------------


async def test_huge_ids_and_counts_get_an_explanation_not_a_crash(chat, caplog) -> None:
    await chat.add_article("Only one")
    caplog.set_level(logging.ERROR)
    for text in ("/read " + "9" * 500, "/read 0", "/approve " + "7" * 40, "/unqueue " + "1" * 30):
        reply = await chat.send(text)
        assert reply.error and reply.text.startswith("Numbers here are whole numbers from 1 to"), text
    latest = await chat.send("/latest " + "9" * 400)
    assert len(latest.items) == 1 and "(at most 20 at a time)" in latest.text
    assert not caplog.records


@pytest.mark.parametrize(
    "action",
    [
        "latest:" + "1" * 26 + ":5",
        "latest:99999999:5",
        "latest:0:" + "9" * 5000,
        "category:" + "1" * 30 + ":5:world",
        "read:" + "9" * 40 + ":1",
        "read:1:" + "9" * 40,
        "approve:" + "9" * 50,
        "queue:-1",
        "skip:",
        "read:1:999999",
        "\x00latest:0:5",
    ],
)
async def test_forged_buttons_get_a_short_answer(chat, caplog, action) -> None:
    await chat.add_article("Only one", body="<p>One.</p>")
    caplog.set_level(logging.ERROR)
    reply = await chat.press(action)
    assert reply.error and reply.text == EXPIRED
    assert not caplog.records


# -- anything at all through the dispatch entry point ------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8") | st.characters(), max_size=700)
_NUMBER = st.integers(min_value=-(10**30), max_value=10**40).map(str) | st.text("0123456789", min_size=20, max_size=6000)
_WORD = _TEXT | _NUMBER | st.sampled_from(["0", "20", "21", "#1", "1", "2", "all", "World", "观察者网", "+30m"])
_COMMANDS = st.sampled_from([spec.name for spec in command_table()] + ["", "nope", "read_1"])
_ACTION_HEADS = st.sampled_from(["latest:", "category:", "category#:", "read:", "approve:", "queue:", "skip:",
                                 "categories", ""])


def test_no_input_makes_a_command_or_a_button_fail(tmp_path: Path) -> None:
    """Arbitrary arguments to every command, and arbitrary button data, as an admin and as a
    reader: always one short-enough reply, never an internal error or a logged traceback."""
    loop = asyncio.new_event_loop()
    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")

    async def setup() -> ChatHarness:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        harness = ChatHarness(session_factory(engine), admins=["telegram:1001"])
        await harness.add_article("First", categories=["World", "观察者网"], url="https://example.org/1/")
        await harness.add_article("Second", categories=["Sport"], body="<p>" + "Long. " * 3000 + "</p>")
        return harness

    harness = loop.run_until_complete(setup())
    failures: list[logging.LogRecord] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            failures.append(record)

    catcher = Catch(logging.ERROR)
    logging.getLogger("herald").addHandler(catcher)

    @settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
    @given(
        command=_COMMANDS,
        args=st.lists(_WORD, max_size=4) | _TEXT.map(lambda t: t.split()),
        head=_ACTION_HEADS,
        tail=st.lists(_WORD, max_size=4).map(":".join),
        admin=st.booleans(),
        lang=st.sampled_from(["en", "zh-hans", None]),
        kind=st.sampled_from(["private", "group"]),
    )
    def check(command: str, args: list[str], head: str, tail: str, admin: bool, lang: str | None, kind: str) -> None:
        place = harness.where(user_id="1001" if admin else "2002", lang=lang, channel_kind=kind,
                              user_is_chat_admin=admin)
        inv = replace(place.invocation(""), command=command, args=tuple(args), text=" ".join(["/" + command, *args]))
        for reply in (
            loop.run_until_complete(dispatch(harness.ctx, inv)),
            loop.run_until_complete(dispatch_action(harness.ctx, inv, head + tail)),
        ):
            assert reply.text.strip()
            assert reply.text not in (INTERNAL, message("error.internal", "zh"))
            assert len(reply.text) <= READ_PART_CHARS + 2_000
            if reply.error:
                assert len(reply.text) < SHORT + 600  # a usage line, or one explanation
        assert not failures, failures[0].getMessage()

    try:
        check()
    finally:
        logging.getLogger("herald").removeHandler(catcher)
        loop.run_until_complete(engine.dispose())
        loop.close()


# -- /read in parts ----------------------------------------------------------------------------


async def test_a_long_article_is_read_in_parts_with_a_continue_button(chat) -> None:
    paragraphs = "".join(f"<p>Paragraph {i}. " + "Words and more words. " * 50 + "</p>" for i in range(300))
    article_id = await chat.add_article("Huge", body=paragraphs, url="https://example.org/huge/")
    first = await chat.send(f"/read {article_id}")
    shown = sum(len(b.text) for b in first.blocks if isinstance(b, Paragraph))
    assert 0 < shown <= READ_PART_CHARS and len(first.blocks) < 300
    assert first.part is not None and first.part.total == 300 and first.part.start == 0
    link, more = first.buttons
    assert (link.label, link.url) == ("Read the rest on the site", "https://example.org/huge/")
    assert more.label == "Continue ›" and more.action == f"read:{article_id}:{len(first.blocks)}"
    assert "(The article continues:" in first.text
    second = await chat.press(more)
    assert second.part is not None and second.part.start == len(first.blocks)
    assert second.blocks[0].text.startswith(f"Paragraph {len(first.blocks)}.")  # type: ignore[union-attr]
    zh = await chat.where(lang="zh").send(f"/read {article_id}")
    assert [b.label for b in zh.buttons] == ["在网站上阅读余下部分", "继续阅读 ›"]
    # The last part has no Continue button.
    reply = first
    while any(b.action for b in reply.buttons):
        reply = await chat.press(next(b for b in reply.buttons if b.action))
    assert reply.part is not None and reply.part.start + len(reply.blocks) == 300
    assert [b.label for b in reply.buttons] == ["Open on the site"]


async def test_one_enormous_paragraph_is_cut_into_readable_blocks(chat) -> None:
    article_id = await chat.add_article("Wall", body="<p>" + "Sentence here. " * 40_000 + "</p>")
    reply = await chat.send(f"/read {article_id}")
    assert reply.part is not None and reply.part.total > 1
    assert all(len(b.text) <= 3_000 for b in reply.blocks if isinstance(b, Paragraph))


# -- small UI items ----------------------------------------------------------------------------


async def test_a_category_page_has_a_button_back_to_the_categories(chat) -> None:
    await chat.add_article("A", categories=["World"])
    await chat.add_article("B", categories=["Sport"])
    listing = await chat.send("/categories")
    page = await chat.press(listing.buttons[0])
    back = page.buttons[-1]
    assert back.label == "‹ Categories"
    again = await chat.press(back)
    assert again.text == listing.text and again.buttons == listing.buttons
    zh = await chat.where(lang="zh").press(listing.buttons[0])
    assert zh.buttons[-1].label == "‹ 全部分类"


async def test_the_approval_card_says_it_waits_and_a_decision_settles_it(chat) -> None:
    article_id = await chat.add_article("Held one", state="held")
    card = approval_request((await chat.library.read(article_id))[0])  # type: ignore[index]
    assert card.header.startswith("⏳ Waiting for approval: article #")
    assert "Waiting for approval" in card.text
    zh = approval_request((await chat.library.read(article_id))[0], "zh")  # type: ignore[index]
    assert zh.header.startswith("⏳ 等待批准")
    decided = await chat.press(card.buttons[0])
    assert decided.settles and decided.text.startswith("Approved article") and not decided.buttons
    again = await chat.press(card.buttons[0])  # pressed on another admin's copy afterwards
    assert again.settles and not again.error and "already published" in again.text
    reader = await chat.where(user_id="2002").press(card.buttons[2])
    assert reader.error and not reader.settles
