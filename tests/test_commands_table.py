"""The command table and dispatch: /start, /help, unknown commands, admin-only commands, every
command answering in the sender's language, and failures turned into short replies."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

import pytest
from chat import ChatHarness

from bot.commands import Button, Invocation, command_name, command_table, find_command
from bot.commands.i18n import language_of
from bot.commands.texts import CATALOGUE

NAME = re.compile(r"^[a-z0-9_]{1,32}$")
"""Telegram (and Discord) command and option names."""
PUBLIC = [
    "start", "help", "latest", "category", "categories", "read", "subscribe", "unsubscribe", "subscriptions",
    "filter", "digest", "settings",
]
ADMIN = ["queue", "unqueue", "broadcast", "approve", "stats", "panel", "sources"]


def has_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, admins=["telegram:42", "discord:77"], hidden=["首页"])
    await chat.add_article("Rust 2.0 released", categories=["Programming"], url="https://example.org/rust/")
    await chat.add_article("Rain tomorrow", categories=["Weather"])
    return chat


def test_the_table_holds_every_documented_command() -> None:
    table = command_table()
    assert [spec.name for spec in table] == PUBLIC + ADMIN
    assert [spec.name for spec in table if spec.admin_only] == ADMIN
    assert {spec.name for spec in table if spec.manages} == {"subscribe", "unsubscribe", "filter", "digest", "settings"}
    assert {spec.name for spec in table if spec.shows_freely} == {"filter", "digest", "settings"}


@pytest.mark.parametrize("spec", command_table(), ids=lambda spec: spec.name)
def test_descriptions_fit_every_platform(spec) -> None:
    assert NAME.match(spec.name)
    assert f"cmd.{spec.name}" in CATALOGUE
    for lang in ("en", "zh", "zh-Hant"):
        # Telegram: 1–256 characters (3+ recommended); Discord slash commands: 1–100.
        assert 3 <= len(spec.description(lang)) <= 100
    assert has_cjk(spec.description("zh")) and not has_cjk(spec.description("en"))
    assert has_cjk(spec.description("zh-Hant"))
    assert spec.usage.startswith(f"/{spec.name}")
    for option in spec.options:
        assert NAME.match(option.name) and option.type in (int, str)
        assert all(1 <= len(option.description(lang)) <= 100 for lang in ("en", "zh", "zh-Hant"))
    required = [option.required for option in spec.options]
    assert required == sorted(required, reverse=True), "Discord wants required options first"


async def test_start_greets_in_the_senders_language(chat) -> None:
    reply = await chat.send("/start")
    assert reply.text.startswith("Hi! I post new articles here") and "/help" in reply.text
    assert (await chat.where(lang="zh-SG").send("/start")).text.startswith("你好！")
    named = ChatHarness(chat.sessions, site_name="example.org")
    assert "from example.org" in (await named.send("/start")).text


async def test_help_lists_every_command_a_reader_can_use(chat) -> None:
    reply = await chat.send("/help")
    for name in PUBLIC:
        spec = find_command(name)
        assert f"{spec.usage} — {spec.description('en')}" in reply.text
    assert "/latest [n] — Show the newest articles (default 5, at most 20)." in reply.text
    assert not any(f"/{name}" in reply.text for name in ADMIN)
    assert "removing the last one stops all messages" in reply.text


async def test_help_shows_admin_commands_to_admins(chat) -> None:
    reply = await chat.where(user_id="42").send("/help")
    assert "Admin commands:" in reply.text
    assert all(find_command(name).usage in reply.text for name in PUBLIC + ADMIN)


async def test_help_in_chinese(chat) -> None:
    reply = await chat.where(lang="zh-Hans").send("/help")
    assert reply.text.startswith("命令：")
    assert "/latest [n] — 查看最新文章（默认 5 篇，最多 20 篇）" in reply.text
    assert "/subscribe [category…] — 订阅新文章" in reply.text


async def test_unknown_command_points_to_help(chat) -> None:
    reply = await chat.send("/weather tomorrow")
    assert reply.text == "I don't know /weather. Send /help to see what I can do."
    assert reply.error
    zh = await chat.where(lang="zh").send("/天气")
    assert zh.text == "没有 /天气 这个命令。发送 /help 查看可用命令。"


async def test_user_text_is_never_a_template(chat) -> None:
    reply = await chat.send("/{command}{0}{__class__}")
    assert reply.text == "I don't know /{command}{0}{__class__}. Send /help to see what I can do."
    assert (await chat.send("/category {name} {0}")).text.startswith("There are no articles in “{name} {0}”.")


@pytest.mark.parametrize(
    "typed", ["/latest@somebot", "/LATEST", "latest", "/Latest@SomeBot"]
)
def test_command_names_are_read_like_telegram_writes_them(typed) -> None:
    inv = Invocation("telegram", "1", "private", "1", command=typed)
    assert command_name(inv) == "latest"


def test_the_command_comes_from_the_text_when_the_adapter_gives_none() -> None:
    inv = Invocation("console", "1", "private", "1", command="", text="/read@herald 5")
    assert command_name(inv) == "read"


@pytest.mark.parametrize(
    ("tag", "lang"),
    [("zh", "zh"), ("zh-CN", "zh"), ("zh-hans", "zh"), ("zh_SG", "zh"), ("zh-TW", "zh-Hant"), ("zh-Hant", "zh-Hant"),
     ("en", "en"), ("en-GB", "en"), ("fr", "en"), (None, "en"), ("", "en")],
)
def test_reply_language_from_the_senders_language(tag, lang) -> None:
    assert language_of(tag) == lang


@pytest.mark.parametrize("name", ADMIN)
async def test_admin_commands_are_for_admins_only(chat, name) -> None:
    reply = await chat.send(f"/{name} 1")
    assert reply.error and reply.text == f"Sorry, /{name} is only for the bot's admins."
    assert (await chat.where(lang="zh").send(f"/{name}")).text == f"抱歉，/{name} 仅限机器人管理员使用。"
    admin = await chat.where(platform="discord", user_id="77").send(f"/{name}")
    assert "only for the bot's admins" not in admin.text  # an admin reaches the command itself
    # The same user id on another platform is somebody else.
    assert (await chat.where(platform="telegram", user_id="77").send(f"/{name}")).error


COMMAND_LINES = [
    "/start", "/help", "/latest", "/latest 1", "/category programming", "/categories", "/read 1",
    "/subscribe", "/subscribe weather", "/subscriptions", "/unsubscribe", "/latest nope", "/nope",
]


@pytest.mark.parametrize("line", COMMAND_LINES)
async def test_every_command_answers_in_english_and_in_chinese(chat, line) -> None:
    def shown(reply) -> str:
        return "\n".join([reply.text, *(button.label for button in reply.buttons)])

    english = await chat.send(line)
    chinese = await chat.where(lang="zh-CN", channel_id="2").send(line)
    assert english.text and not has_cjk(shown(english)), shown(english)
    assert has_cjk(shown(chinese)), shown(chinese)


async def test_a_failing_command_gets_an_apology_and_is_logged(chat, caplog) -> None:
    async def broken(article_id: int):
        raise OSError("disk on fire")

    chat.ctx = replace(chat.ctx, read_article=broken)
    with caplog.at_level(logging.ERROR, logger="herald.commands"):
        reply = await chat.send("/read 1")
    assert reply.error and reply.text == "Sorry, something went wrong. Please try again later."
    assert "disk on fire" in caplog.text and "/read" in caplog.text
    assert (await chat.where(lang="zh").send("/read 1")).text == "抱歉，出了点问题，请稍后再试。"


def test_buttons_fit_telegram_callback_data() -> None:
    Button("ok", action="x" * 64)
    with pytest.raises(ValueError):
        Button("too long", action="é" * 33)
    with pytest.raises(ValueError):
        Button("both", url="https://example.org/", action="latest:5")


async def test_autocomplete_offers_categories_and_articles(chat) -> None:
    from bot.commands.completion import complete

    await chat.add_article("Sunny spell", categories=["Weather", "首页"])
    assert await complete(chat.ctx, "category", "wea") == [("Weather", "Weather")]
    assert [value for _label, value in await complete(chat.ctx, "category", "")] == ["Weather", "Programming"]
    assert await complete(chat.ctx, "article", "rust") == [("#1 Rust 2.0 released", "1")]
    assert await complete(chat.ctx, "article", "#2") == [("#2 Rain tomorrow", "2")]
    assert await complete(chat.ctx, "nothing", "x") == []


def test_context_from_settings(sessions) -> None:
    from zoneinfo import ZoneInfo

    from bot.clock import SystemClock
    from bot.commands import build_context
    from bot.settings import Settings
    from bot.targets import Target

    settings = Settings(
        admins=("telegram:1", "discord:2"), hidden_categories=("首页", "ＨＯＭＥ"),
        timezone="Asia/Shanghai", site_url="https://news.example.org/blog/",
    )

    async def nothing(article_id: int):
        return None

    ctx = build_context(settings, sessions=sessions, clock=SystemClock(), read_article=nothing)
    assert ctx.admins == {Target("telegram", "1"), Target("discord", "2")}
    assert ctx.hidden_categories == {"首页", "home"}
    assert ctx.zone == ZoneInfo("Asia/Shanghai") and ctx.site_name == "news.example.org"
