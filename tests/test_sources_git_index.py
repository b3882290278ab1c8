"""A git repository polled into the index and the outbox (the real fetcher against a repository
served on 127.0.0.1, the poller, SQLite and PostgreSQL): adding it sends nothing old, a new post
reaches each subscriber once, a force-push neither doubles nor loses the posts still on the
branch, and a deleted branch is a reported problem that removes nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from delivery_support import add_subscription, deliveries
from dulwich import porcelain
from sqlalchemy import select
from test_sources_git import Server, Site, post

from bot.clock import SystemClock
from bot.content.config import ContentConfig
from bot.delivery.fanout import announce
from bot.sources.model import PollContext
from bot.sources.poller import SourcePoller
from bot.sources.spec import parse_spec
from bot.store import sources as store
from bot.store.articles import kept_body
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.summary import SummaryConfig


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


async def _poll(sessions, poller: SourcePoller) -> None:
    status = await store.get_source(sessions, "site")
    assert status is not None
    await poller.poll(status)


async def _articles(sessions) -> dict[str, tuple[int, ArticleState]]:
    async with sessions() as session:
        rows = (await session.execute(select(ArticleRow.path, ArticleRow.id, ArticleRow.state))).all()
    return {path: (id_, state) for path, id_, state in rows}


async def test_a_force_pushed_branch_neither_doubles_nor_loses_posts(sessions, tmp_path: Path) -> None:
    site = Site(tmp_path / "site")
    site.write("source/_posts/a.md", post("A"))
    base = site.commit("base")
    site.write("source/_posts/b.md", post("B"))
    site.write("README.md", post("Not a post: outside the folder"))
    site.commit("b")
    server = Server(site.repo)
    clock = SystemClock()
    try:
        for chat in ("1", "2"):
            await add_subscription(sessions, chat)
        await store.sync_configured(sessions, [parse_spec(f"site=git+{server.url}#master:source/_posts")], clock.now())

        async def on_publish(article_id: int) -> None:
            await announce(sessions, article_id, now=clock.now())

        ctx = PollContext(ContentConfig(root=tmp_path / "unused"), SummaryConfig(), clock, tmp_path / "data",
                          allow_private=True)
        poller = SourcePoller(sessions, ctx, interval=600, on_publish=on_publish, rng=random.Random(2))
        await _poll(sessions, poller)
        first = await _articles(sessions)
        assert set(first) == {"a.md", "b.md"} and await deliveries(sessions) == []  # nothing old sent

        site.write("source/_posts/c.md", post("C", date=_today()))
        site.commit("c")
        await _poll(sessions, poller)
        sent = await deliveries(sessions)
        assert sorted(d.channel_id for d in sent) == ["1", "2"]
        after_c = await _articles(sessions)

        # History rewritten: b dropped, c recommitted unchanged on a new line of commits, d new.
        porcelain.reset(site.repo, "hard", base)
        site.write("source/_posts/c.md", post("C", date=_today()[:10] + " 00:00:00"))  # c edited in the rewrite
        site.write("source/_posts/d.md", post("D", date=_today()))
        site.commit("rewritten")
        await _poll(sessions, poller)
        rows = await _articles(sessions)
        assert set(rows) == {"a.md", "b.md", "c.md", "d.md"}  # one row each: nothing doubled
        assert rows["a.md"] == first["a.md"] and rows["c.md"][0] == after_c["c.md"][0]  # same ids kept
        assert rows["b.md"][1] == ArticleState.REMOVED  # gone from the branch: gone from /latest
        assert rows["c.md"][1] == rows["d.md"][1] == ArticleState.PUBLISHED
        sends = [d for d in await deliveries(sessions) if d.action == "send"]
        assert sorted((d.article_id, d.channel_id) for d in sends) == sorted(
            [(rows["c.md"][0], "1"), (rows["c.md"][0], "2"), (rows["d.md"][0], "1"), (rows["d.md"][0], "2")]
        )  # d once to each; c not again
        status = await store.get_source(sessions, "site")
        assert status is not None and status.failures == 0
        assert "Some text of the post." in (await kept_body(sessions, rows["d.md"][0]) or "")  # for /read

        # The branch deleted: a reported problem; every article stays.
        site.repo.refs.remove_if_equals(b"refs/heads/master", None)
        await _poll(sessions, poller)
        status = await store.get_source(sessions, "site")
        assert status is not None and status.failures == 1 and "gone" in (status.last_error or "")
        assert await _articles(sessions) == rows
    finally:
        server.close()
