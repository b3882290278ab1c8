"""Reading from chat: /latest, /category, /categories, /read and the paging buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chat import ChatHarness

DAY0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def chat(sessions) -> ChatHarness:
    return ChatHarness(sessions, hidden=["首页"])


async def add_days(chat: ChatHarness, count: int, **kwargs) -> list[int]:
    """Add `count` articles, one a day; return their ids oldest first."""
    return [
        await chat.add_article(f"Article {i}", date=DAY0 + timedelta(days=i), **kwargs) for i in range(count)
    ]


async def test_latest_shows_five_newest_first(chat) -> None:
    old = await chat.add_article("Old news", date=DAY0)
    new = await chat.add_article("Fresh news", date=DAY0 + timedelta(days=9))
    middle = await chat.add_article("Middle news", date=DAY0 + timedelta(days=6))
    await add_days(chat, 5)
    reply = await chat.send("/latest")
    assert [item.article_id for item in reply.items][:2] == [new, middle]
    assert old not in [item.article_id for item in reply.items]
    assert len(reply.items) == 5
    assert reply.text.startswith("Latest articles (1–5 of 8):")
    assert f"#{new} · 2026-02-10 · Fresh news" in reply.text
    assert "/read" in reply.text
    assert not reply.error


async def test_latest_in_chinese(chat) -> None:
    await add_days(chat, 2)
    reply = await chat.where(lang="zh-CN").send("/latest")
    assert reply.text.startswith("最新文章（第 1–2 篇，共 2 篇）：")
    assert "发送 /read <编号> 阅读全文。" in reply.text


async def test_latest_with_a_count_is_capped_at_twenty(chat) -> None:
    await add_days(chat, 25)
    assert len((await chat.send("/latest 3")).items) == 3
    reply = await chat.send("/latest 50")
    assert len(reply.items) == 20
    assert "(at most 20 at a time)" in reply.text
    assert "（每次最多 20 篇）" in (await chat.where(lang="zh").send("/latest 50")).text


@pytest.mark.parametrize("text", ["/latest abc", "/latest 0", "/latest -3", "/latest 3 4"])
async def test_latest_with_a_bad_count_shows_the_usage(chat, text) -> None:
    reply = await chat.send(text)
    assert reply.text == "Usage: /latest [n]"
    assert reply.error and reply.ephemeral
    assert (await chat.where(lang="zh-hans").send(text)).text == "用法：/latest [n]"


async def test_latest_with_nothing_published(chat) -> None:
    await chat.add_article("A draft", state="draft")
    assert (await chat.send("/latest")).text == "No articles yet."
    assert (await chat.where(lang="zh").send("/latest")).text == "还没有文章。"


async def test_latest_skips_unpublished_articles(chat) -> None:
    shown = await chat.add_article("Out now")
    await chat.add_article("Waiting for approval", state="held")
    await chat.add_article("Coming tomorrow", state="scheduled")
    reply = await chat.send("/latest")
    assert [item.article_id for item in reply.items] == [shown]


async def test_latest_addressed_to_a_bot_by_name(chat) -> None:
    await add_days(chat, 2)
    reply = await chat.send("/latest@somebot 1")
    assert len(reply.items) == 1 and reply.items[0].title == "Article 1"


async def test_paging_through_latest_with_buttons(chat) -> None:
    ids = await add_days(chat, 12)
    first = await chat.send("/latest")
    assert [b.label for b in first.buttons] == ["Older ›"]
    second = await chat.press(first.buttons[0])
    assert [item.article_id for item in second.items] == ids[::-1][5:10]
    assert second.text.startswith("Latest articles (6–10 of 12):")
    assert [b.label for b in second.buttons] == ["‹ Newer", "Older ›"]
    third = await chat.press(second.buttons[1])
    assert [item.article_id for item in third.items] == ids[::-1][10:]
    assert [b.label for b in third.buttons] == ["‹ Newer"]
    back = await chat.press(third.buttons[0])
    assert back.items == second.items
    for reply in (first, second, third):
        assert all(len(b.action.encode()) <= 64 for b in reply.buttons)


async def test_paging_keeps_the_requested_page_size(chat) -> None:
    ids = await add_days(chat, 7)
    first = await chat.send("/latest 3")
    second = await chat.press(first.buttons[0])
    assert [item.article_id for item in second.items] == ids[::-1][3:6]


async def test_a_stale_or_forged_button_gets_a_short_answer(chat) -> None:
    await add_days(chat, 2)
    for action in ("latest:x", "nonsense", "category:0:5:没有这个", "category#:0:5:0000"):
        reply = await chat.press(action)
        assert reply.error and reply.text == "This button no longer works. Please send the command again."
    assert (await chat.press("latest:40:5")).text == "No more articles."


async def test_category_matches_ignoring_case_and_width(chat) -> None:
    gcw = await chat.add_article("拜登向乌克兰总统“打包票”", categories=["新媒体", "观察者网", "首页"])
    bing = await chat.add_article("Daily wallpaper", categories=["Bing 壁纸"])
    ithome = await chat.add_article("新手机发布", categories=["IT之家"])
    assert [i.article_id for i in (await chat.send("/category 观察者网")).items] == [gcw]
    for text in ("/category bing 壁纸", "/category BING 壁纸", "/category Bing  壁纸"):
        reply = await chat.send(text)
        assert [i.article_id for i in reply.items] == [bing], text
        assert reply.text.startswith("Bing 壁纸 (1–1 of 1):")
    assert [i.article_id for i in (await chat.send("/category ＩＴ之家")).items] == [ithome]
    assert [i.article_id for i in (await chat.send("/category it之家")).items] == [ithome]


async def test_category_with_a_count(chat) -> None:
    await add_days(chat, 6, categories=["观察者网"])
    reply = await chat.send("/category 观察者网 2")
    assert len(reply.items) == 2
    assert reply.text.startswith("观察者网 (1–2 of 6):")
    zh = await chat.where(lang="zh").send("/category 观察者网 2")
    assert zh.text.startswith("观察者网（第 1–2 篇，共 6 篇）：")


async def test_category_needs_a_name(chat) -> None:
    assert (await chat.send("/category")).text == "Usage: /category <name> [n]"


async def test_category_near_miss_suggests_close_names(chat) -> None:
    await chat.add_article("A", categories=["观察者网"])
    await chat.add_article("B", categories=["Bing 壁纸"])
    reply = await chat.send("/category 观察者")
    assert reply.error
    assert reply.text.splitlines() == [
        "There are no articles in “观察者”.",
        "Did you mean “观察者网”?",
        "Send /categories to see them all.",
    ]
    assert "Did you mean “Bing 壁纸”?" in (await chat.send("/category bimg 壁纸")).text
    zh = await chat.where(lang="zh").send("/category bing")
    assert zh.text.splitlines()[:2] == ["“bing”分类下没有文章。", "你是不是要找 “Bing 壁纸”？"]


async def test_category_far_miss_has_no_suggestion(chat) -> None:
    await chat.add_article("A", categories=["观察者网"])
    reply = await chat.send("/category cooking")
    assert "Did you mean" not in reply.text and "/categories" in reply.text


async def test_hidden_category_is_not_a_filter(chat) -> None:
    await chat.add_article("A", categories=["观察者网", "首页"])
    reply = await chat.send("/category 首页")
    assert reply.error and "There are no articles in “首页”." in reply.text


async def test_category_pages_with_a_long_name_fit_in_a_button(chat) -> None:
    name = "一个非常非常长的分类名称用来测试按钮数据的长度限制"
    ids = await add_days(chat, 7, categories=[name])
    first = await chat.send(f"/category {name}")
    action = first.buttons[0].action
    assert len(action.encode()) <= 64
    second = await chat.press(first.buttons[0])
    assert [i.article_id for i in second.items] == ids[::-1][5:]


async def test_categories_lists_counts_without_hidden_ones(chat) -> None:
    await chat.add_article("A", categories=["新媒体", "观察者网", "首页"])
    await chat.add_article("B", categories=["新媒体", "IT之家", "首页"])
    await chat.add_article("C", categories=["新媒体", "观察者网"], tags=["politics"])
    await chat.add_article("D", categories=["Drafted"], state="draft")
    reply = await chat.send("/categories")
    assert reply.text.splitlines() == ["Categories (3):", "新媒体 (3)", "观察者网 (2)", "IT之家 (1)"]
    zh = await chat.where(lang="zh-Hans").send("/categories")
    assert zh.text.splitlines() == ["分类（共 3 个）：", "新媒体（3 篇）", "观察者网（2 篇）", "IT之家（1 篇）"]
    page = await chat.press(reply.buttons[1])
    assert page.text.startswith("观察者网 (1–2 of 2):")


async def test_categories_when_there_are_none(chat) -> None:
    assert (await chat.send("/categories")).text == "No categories yet."
    assert (await chat.where(lang="zh").send("/categories")).text == "还没有分类。"


async def test_read_shows_the_whole_article(chat) -> None:
    article_id = await chat.add_article(
        "A long story",
        body="<p>It began on a Monday.</p><ul><li>one</li></ul><p>It ended on a Friday.</p>",
        url="https://example.org/story/",
        author="Ann",
        date=datetime(2026, 2, 3, 23, 30, tzinfo=UTC),
    )
    reply = await chat.send(f"/read {article_id}")
    assert reply.summary is not None and reply.summary.article_id == article_id
    assert reply.summary.title == "A long story"
    assert next(getattr(b, "text", None) for b in reply.blocks) == "It began on a Monday."
    assert reply.text.startswith(f"A long story\n\n2026-02-03 · Ann · #{article_id}")
    assert "It ended on a Friday." in reply.text and "• one" in reply.text
    assert [(b.label, b.url) for b in reply.buttons] == [("Open on the site", "https://example.org/story/")]
    assert (await chat.send(f"/read #{article_id}")).summary == reply.summary
    zh = await chat.where(lang="zh").send(f"/read {article_id}")
    assert [b.label for b in zh.buttons] == ["在网站上打开"]


async def test_read_an_unknown_or_unpublished_article(chat) -> None:
    draft = await chat.add_article("Secret", state="draft")
    for text in ("/read 999", f"/read {draft}"):
        reply = await chat.send(text)
        assert reply.error and reply.summary is None
        assert reply.text.startswith("There is no article #")
    # Past the database's integer: no lookup, one line saying what numbers are.
    reply = await chat.send("/read 99999999999999999999999")
    assert reply.error and reply.text.startswith("Numbers here are whole numbers from 1 to 9223372036854775807.")
    zh = await chat.where(lang="zh").send("/read 999")
    assert zh.text == "没有编号为 999 的文章。发送 /latest 查看最新文章。"


@pytest.mark.parametrize("text", ["/read", "/read abc", "/read 1 2"])
async def test_read_with_bad_arguments_shows_the_usage(chat, text) -> None:
    assert (await chat.send(text)).text == "Usage: /read <id>"


async def test_read_falls_back_to_the_summary_when_the_file_is_gone(chat) -> None:
    article_id = await chat.add_article("Moved away", body="<p>Only the excerpt remains.</p>")
    chat.library.unreadable.add(article_id)
    reply = await chat.send(f"/read {article_id}")
    assert reply.summary is not None and reply.blocks == ()
    assert "(The full text is not available right now; here is the summary.)" in reply.text
    assert "Only the excerpt remains." in reply.text


async def test_list_dates_use_the_configured_zone(sessions) -> None:
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    chat = ChatHarness(sessions)
    chat.ctx = replace(chat.ctx, zone=ZoneInfo("Asia/Shanghai"))
    await chat.add_article("Late evening in UTC", date=datetime(2026, 2, 3, 20, 0, tzinfo=UTC))
    assert "2026-02-04 · Late evening in UTC" in (await chat.send("/latest")).text


async def test_a_category_whose_name_ends_in_a_number(chat) -> None:
    for n in range(3):
        await chat.add_article(f"Hit {n}", categories=["Top 10"])
    whole = await chat.send("/category Top 10")
    assert not whole.error and len(whole.items) == 3
    paged = await chat.send("/category Top 10 2")
    assert len(paged.items) == 2
