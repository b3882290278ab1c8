"""`/sources` through the command table: admins get the folder and every source on short lines
(articles, last and next fetch in HERALD_TIMEZONE, failures and the last error on one cut line),
in their language; anyone else is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from chat import ChatHarness
from sqlalchemy import update

from bot.sources.spec import SourceKind, SourceSpec, parse_spec
from bot.store.models import ArticleRow, SourceRow
from bot.store.sources import add_source

FOLDER = SourceSpec("site", SourceKind.FOLDER, "/srv/site/source/_posts")


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, admins=["telegram:42"], user_id="42")
    chat.ctx = replace(chat.ctx, sources_folder=FOLDER, zone=ZoneInfo("Asia/Shanghai"))
    await chat.add_article("From the folder")
    blog_post = await chat.add_article("From the feed", key="blog/1")
    now = chat.clock.now()
    await add_source(sessions, parse_spec("blog=https://user:pw@example.org/atom.xml"), now)
    await add_source(sessions, parse_spec("posts=git+https://git.example.org/o/site.git#main:_posts"), now)
    async with sessions.begin() as session:
        await session.execute(update(ArticleRow).where(ArticleRow.id == blog_post).values(source="blog"))
        await session.execute(update(SourceRow).where(SourceRow.name == "posts").values(
            failures=4, last_fetch_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC),
            last_error="<script>alert(1)</script>\n" + "x" * 500,
        ))
    return chat


async def test_admins_see_the_folder_then_every_source(chat: ChatHarness) -> None:
    reply = await chat.send("/sources")
    assert not reply.error
    lines = reply.text.splitlines()
    assert lines[0] == reply.header == "Sources (3), times in Asia/Shanghai:"
    assert lines[1] == "site · folder · 1 article · watched"
    assert lines[2] == "blog · feed · 1 article · last fetch never · next 2026-03-01 20:00 CST"
    assert lines[3] == "posts · git · 0 articles · last fetch 2026-03-01 11:30 CST · next 2026-03-01 20:00 CST"
    assert lines[4].startswith("  failed 4 times in a row: <script>alert(1)</script> xxx")  # adapters escape text
    assert len(lines[4]) < 200 and lines[4].endswith("…")
    assert len(lines) == 5
    assert "pw" not in reply.text


async def test_sources_speaks_the_admins_language(chat: ChatHarness) -> None:
    reply = await chat.where(lang="zh-TW").send("/sources")
    assert reply.text.startswith("文章來源（共 3 個，時區 Asia/Shanghai）：")
    assert "site · 資料夾 · 1 篇文章 · 即時監看" in reply.text
    assert "上次抓取 從未" in reply.text and "連續失敗 4 次：" in reply.text


async def test_only_admins_may_list_sources(chat: ChatHarness) -> None:
    refused = await chat.where(user_id="7").send("/sources")
    assert refused.error and "/sources" in refused.text and "site" not in refused.text


async def test_arguments_get_the_usage(chat: ChatHarness) -> None:
    reply = await chat.send("/sources blog")
    assert reply.error and "/sources" in reply.text


async def test_without_a_folder_or_sources_it_says_so(sessions) -> None:
    chat = ChatHarness(sessions, admins=["telegram:42"], user_id="42")
    reply = await chat.send("/sources")
    assert reply.text == "No source is configured (HERALD_SOURCES)."
