"""The message catalogue: every text in English, Simplified and Traditional Chinese with the same
placeholders, English plurals that agree with their number, and each reader answered in the
language their platform reports (zh-TW and zh-HK readers in Traditional Chinese)."""

from __future__ import annotations

import string

import pytest
from chat import ChatHarness
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import command_table
from bot.commands.i18n import join_names, language_of, message
from bot.commands.texts import CATALOGUE, Plural

SIMPLIFIED_ONLY = set(
    "们个这说发订阅频设网时间条请页经认为会对关没还将无类数编号读删从启动态统计释务过记录应该让给报错误"
    "击键图选项单开试区与转换组织队员权现状钟续继览"
)
"""Characters written differently in Traditional Chinese: none belongs in a zh_hant column."""
DOCSTRING_ENGLISH = {f"cmd.{spec.name}" for spec in command_table()}
"""Command descriptions, whose English is the handler's docstring (bot/commands/table.py)."""


def english_forms(key: str) -> list[str]:
    english = CATALOGUE[key].en
    return [english.one, english.other] if isinstance(english, Plural) else [english]


def placeholders(template: str) -> set[str]:
    return {field for _text, field, _spec, _conv in string.Formatter().parse(template) if field is not None}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_text_is_written_in_all_three_languages(key) -> None:
    entry = CATALOGUE[key]
    assert entry.zh_hans.strip() and entry.zh_hant.strip()
    if key in DOCSTRING_ENGLISH:
        assert entry.en == ""
    else:
        assert all(form.strip() for form in english_forms(key))


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_language_fills_the_same_placeholders(key) -> None:
    entry = CATALOGUE[key]
    wanted = placeholders(entry.zh_hans)
    assert placeholders(entry.zh_hant) == wanted
    if key not in DOCSTRING_ENGLISH:
        assert all(placeholders(form) == wanted for form in english_forms(key)), key
    if isinstance(entry.en, Plural):
        assert entry.en.by in wanted


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_traditional_chinese_is_traditional(key) -> None:
    text = CATALOGUE[key].zh_hant
    assert not SIMPLIFIED_ONLY & set(text), f"{key}: {text}"
    assert "“" not in text and "”" not in text, "Traditional Chinese quotes with 「」"


@pytest.mark.parametrize(
    ("key", "values", "one", "other"),
    [
        ("state.draft", {}, "1 draft", "2 drafts"),
        ("read.rest", {}, "(The article continues: 1 more paragraph.)", "(The article continues: 2 more paragraphs.)"),
        ("approve.done", {"id": 7, "title": "T"}, "Approved article #7 “T”: published, 1 delivery queued.",
         "Approved article #7 “T”: published, 2 deliveries queued."),
    ],
)
def test_english_plurals_agree_with_their_number(key, values, one, other) -> None:
    english = CATALOGUE[key].en
    assert isinstance(english, Plural)
    by = english.by
    assert message(key, "en", **values, **{by: 1}) == one
    assert message(key, "en", **values, **{by: 2}) == other
    assert message(key, "en", **values, **{by: 0}) == other.replace("2", "0")
    for lang in ("zh", "zh-Hant"):  # Chinese has one form
        assert message(key, lang, **values, **{by: 1}).replace("1", "2") == message(key, lang, **values, **{by: 2})


def test_names_are_quoted_and_listed_the_way_each_language_writes_them() -> None:
    assert join_names(["Rust", "天氣"], "en") == "“Rust”, “天氣”"
    assert join_names(["Rust", "天气"], "zh") == "“Rust”、“天气”"
    assert join_names(["Rust", "天氣"], "zh-Hant") == "「Rust」、「天氣」"


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh-MO", "zh-Hant"), ("zh-Hant", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"), ("zh_TW", "zh-Hant"), ("zh-hant", "zh-Hant"), ("ZH-tw", "zh-Hant"),
        ("zh-Hant-CN", "zh-Hant"), (" zh-TW ", "zh-Hant"),
        ("zh", "zh"), ("zh-CN", "zh"), ("zh-SG", "zh"), ("zh-Hans", "zh"), ("zh-hans", "zh"), ("zh-Hans-HK", "zh"),
        ("en", "en"), ("en-TW", "en"), ("fr-HK", "en"), ("hant", "en"), ("zhx-TW", "en"), (None, "en"), ("", "en"),
        ("zh-" + "x" * 10_000, "zh"), ("\x00zh", "en"), ("-", "en"),
    ],
)
def test_reply_language_from_a_platform_tag(tag, lang) -> None:
    assert language_of(tag) == lang


@given(st.one_of(st.none(), st.text(), st.text(alphabet="zhHANTSCW-_ \u0130\u212a", max_size=30)))
def test_any_tag_gives_a_reply_language(tag) -> None:
    assert language_of(tag) in ("en", "zh", "zh-Hant")


@pytest.fixture
def taiwan(sessions) -> ChatHarness:
    return ChatHarness(sessions, admins=["telegram:1001"], lang="zh-TW")


def assert_traditional(text: str) -> None:
    assert text and not SIMPLIFIED_ONLY & set(text), text


async def test_a_reader_in_taiwan_is_greeted_and_helped_in_traditional_chinese(taiwan) -> None:
    start = await taiwan.send("/start")
    assert start.text.startswith("你好！") and "傳送 /latest 檢視最新文章" in start.text
    help_ = await taiwan.send("/help")
    assert help_.text.startswith("指令：")
    assert "/latest [n] — 檢視最新文章（預設 5 篇，最多 20 篇）" in help_.text
    assert "/subscribe [category…] — 訂閱新文章" in help_.text
    for reply in (start, help_):
        assert_traditional(reply.text)


async def test_errors_reach_readers_in_hong_kong_in_traditional_chinese(taiwan) -> None:
    hong_kong = taiwan.where(lang="zh-HK", user_id="2002")
    unknown = await hong_kong.send("/nope")
    assert unknown.error and unknown.text == "沒有 /nope 這個指令。傳送 /help 檢視可用指令。"
    refused = await hong_kong.send("/stats")
    assert refused.error and refused.text == "抱歉，/stats 僅限機器人管理員使用。"
    missing = await hong_kong.send("/read 99")
    assert missing.error and missing.text == "沒有編號為 99 的文章。傳送 /latest 檢視最新文章。"


async def test_lists_and_subscriptions_in_traditional_chinese(taiwan) -> None:
    await taiwan.add_article("Rust 2.0", categories=["Programming"])
    for line in ("/latest", "/categories", "/subscribe programming", "/subscriptions", "/unsubscribe weather"):
        reply = await taiwan.send(line)
        assert_traditional("\n".join([reply.text, *(button.label for button in reply.buttons)]))
    assert (await taiwan.send("/subscriptions")).text == "此聊天室接收這些分類的新文章：「Programming」。"


async def test_stats_count_drafts_in_good_english(taiwan) -> None:
    admin = taiwan.where(lang="en")
    await admin.add_article("One draft", state="draft")
    assert "Articles: 1 draft" in (await admin.send("/stats")).text
    await admin.add_article("Another", state="draft")
    assert "Articles: 2 drafts" in (await admin.send("/stats")).text


DYNAMIC_KEYS = ("cmd.", "state.", "button.", "discord.perm.")
"""Families of keys the code builds from a name (`f"state.{state}"`): checked as prefixes."""


def test_no_catalogue_text_is_dead() -> None:
    """Every text is said somewhere: a key no code names is a text no reader ever sees (and a
    translation nobody keeps up to date)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("bot", "adapters")
        for path in (root / folder).rglob("*.py")
        if "texts" not in path.parts
    )
    dead = [
        key for key in CATALOGUE
        if f'"{key}"' not in code and not (key.startswith(DYNAMIC_KEYS) and f'"{key.rsplit(".", 1)[0]}.' in code)
    ]
    assert not dead, f"catalogue texts no code uses: {dead}"
