"""Keyword and expression filters in fan-out, through the store: each subscription gets exactly the
articles its filters let through, an exclude wins, full-width keywords match, a catastrophic
expression costs one timed-out search and nothing else, digests collect instead of delivering."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.content.article import Article
from bot.delivery import announce, fan_out, fanout_regex
from bot.digests import DigestSchedule
from bot.filters.parse import parse_filters
from bot.store.articles import upsert_article
from bot.store.models import ArticleRow, Delivery, DigestEntry
from bot.store.subscription_options import add_filters, set_digest
from bot.store.subscriptions import subscribe
from bot.summary.model import Summary
from bot.targets import Target

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
TOPICS = ("Python", "Rust", "机器学习", "Golang", "Ｐｙｔｈｏｎ")


async def add(sessions, key: str, *, title: str, excerpt: str = "Text.", categories=(), tags=()) -> int:
    """Index a published article through the store (as the library index does)."""
    article = Article(
        key=key, path=key, title=title, date=NOW, body="body", categories=tuple(categories), tags=tuple(tags),
        digest=f"d-{key}", size=1, mtime_ns=1,
    )  # fmt: skip
    summary = Summary(article_id=0, key=key, title=title, excerpt=excerpt, date=NOW, categories=tuple(categories))
    return await upsert_article(sessions, article, summary, state="published", now=NOW)


async def chat(sessions, name: str, words: str = "", *, categories=()) -> None:
    """Subscribe `fake:name` with these categories and `/filter` words."""
    await subscribe(sessions, "fake", name, "group", list(categories), None, NOW)
    rules = parse_filters(words.split()).rules
    if rules:
        await add_filters(sessions, "fake", name, rules, NOW)


async def received(sessions, **where) -> dict[str, set[int]]:
    """Outbox rows by channel: the article ids each got."""
    async with sessions() as session:
        rows = (await session.execute(select(Delivery.channel_id, Delivery.article_id).filter_by(**where))).all()
    got: dict[str, set[int]] = {}
    for channel, article in rows:
        got.setdefault(channel, set()).add(article)
    return got


class Post:
    """One of the 50 articles, with what the test knows about it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.topic = TOPICS[n % 5]
        self.sponsored = n % 4 == 0
        self.category = "Tech" if n % 2 == 0 else "Life"
        self.percent = n % 10 == 0
        place = n % 3  # where the topic word is: title, tag or excerpt
        self.title = f"Post {n}: about {self.topic}" if place == 0 else f"Post {n}"
        tags = [self.topic] if place == 1 else []
        if self.sponsored:
            tags.append("SPONSORED")
        self.tags = tuple(tags)
        excerpt = f"All about {self.topic}." if place == 2 else "Read on."
        self.excerpt = excerpt + (" A cat, 100% fun." if self.percent else "")

    @property
    def python(self) -> bool:
        return self.topic in ("Python", "Ｐｙｔｈｏｎ")


SUBSCRIPTIONS: dict[str, tuple[str, tuple[str, ...], Callable[[Post], bool]]] = {
    "all": ("", (), lambda p: True),
    "py": ("+python", (), lambda p: p.python),
    "full-width": ("ＰＹＴＨＯＮ", (), lambda p: p.python),
    "no-ads": ("-sponsored", (), lambda p: not p.sponsored),
    "py-no-ads": ("+python -sponsored", (), lambda p: p.python and not p.sponsored),
    "rust-or-go": ("+rust +golang", (), lambda p: p.topic in ("Rust", "Golang")),
    "ml": ("+机器学习", (), lambda p: p.topic == "机器学习"),
    "tech-rust": ("+rust", ("Tech",), lambda p: p.topic == "Rust" and p.category == "Tech"),
    "tech": ("", ("tech",), lambda p: p.category == "Tech"),
    "not-like": ("+c_t", (), lambda p: False),  # a LIKE would match "cat"
    "percent": ("+0%", (), lambda p: p.percent),
    "teens": ("/^post [12]\\d\\b/", (), lambda p: 10 <= p.n <= 29),
    "rust-not-sponsor": ("+rust -/spons(or|ored)/", (), lambda p: p.topic == "Rust" and not p.sponsored),
    "ml-or-go-no-ads": ("/机器|GOLANG/ -sponsored", (), lambda p: p.topic in ("机器学习", "Golang") and not p.sponsored),
    "rust-or-re-go": ("+rust /gol.ng/", (), lambda p: p.topic in ("Rust", "Golang")),
    "re-tech-py": ("/pyth/", ("Tech",), lambda p: p.python and p.category == "Tech"),
    "include-excluded": ("+python -python", (), lambda p: False),
}


async def test_each_subscription_gets_exactly_the_articles_its_filters_let_through(sessions) -> None:
    for name, (words, categories, _) in SUBSCRIPTIONS.items():
        await chat(sessions, name, words, categories=categories)
    posts: dict[int, Post] = {}
    for n in range(50):
        post = Post(n)
        article_id = await add(
            sessions, f"p{n}.md", title=post.title, excerpt=post.excerpt, categories=[post.category], tags=post.tags
        )
        posts[article_id] = post
        await fan_out(sessions, article_id, now=NOW)

    got = await received(sessions)

    for name, (_, _, wanted) in SUBSCRIPTIONS.items():
        expected = {article_id for article_id, post in posts.items() if wanted(post)}
        assert got.get(name, set()) == expected, name
    assert len(got["all"]) == 50 and 0 < len(got["py-no-ads"]) < len(got["py"]) < 50


async def test_an_exclude_wins_over_an_include_in_both_passes(sessions) -> None:
    article = await add(sessions, "a.md", title="Python news", tags=["Sponsored"])
    await chat(sessions, "keywords", "+python -sponsored")
    await chat(sessions, "expressions", "/python/ -/sponsored/")
    await chat(sessions, "mixed", "+python -/spons/")

    assert await fan_out(sessions, article, now=NOW) == 0
    assert await received(sessions) == {}


async def test_a_catastrophic_expression_times_out_once_and_blocks_nobody(sessions, caplog) -> None:
    article = await add(sessions, "evil.md", title="a" * 5000 + "!", excerpt="Text.")
    await chat(sessions, "hostile", "/(a+)+$/")
    await chat(sessions, "hostile-too", "/(a+)+$/ +zzz")
    await chat(sessions, "hostile-exclude", "-/(a+)+$/")  # timed out = no match: not excluded
    await chat(sessions, "plain")
    await chat(sessions, "keyword", "+aaaa")
    await chat(sessions, "expression", "/^a{10}/")

    with caplog.at_level(logging.INFO, logger="herald"):
        added = await fan_out(sessions, article, now=NOW)

    assert set(await received(sessions)) == {"hostile-exclude", "plain", "keyword", "expression"}
    assert added == 4
    timeouts = [r for r in caplog.records if r.levelno == logging.WARNING and "ran out of time" in r.getMessage()]
    assert len(timeouts) == 1  # one distinct hostile pattern, searched once for its three subscriptions
    assert "(a+)+$" in timeouts[0].getMessage() and "a" * 100 not in timeouts[0].getMessage()
    assert any("4 subscriptions with expressions" in r.getMessage() and "2 searches, 1 ran out" in r.getMessage()
               for r in caplog.records)  # fmt: skip


async def test_keyword_targets_are_committed_before_the_expression_pass(sessions, monkeypatch) -> None:
    article = await add(sessions, "a.md", title="Rust news")
    await chat(sessions, "keyword", "+rust")
    await chat(sessions, "expression", "/rust/")
    seen: list[dict[str, set[int]]] = []
    original = fanout_regex.run

    async def watching(*args, **kwargs):
        seen.append(await received(sessions))  # another connection: sees committed rows only
        return await original(*args, **kwargs)

    monkeypatch.setattr(fanout_regex, "run", watching)
    await fan_out(sessions, article, now=NOW)

    assert seen == [{"keyword": {article}}]
    assert await received(sessions) == {"keyword": {article}, "expression": {article}}


async def test_announce_after_a_crash_in_the_expression_pass_adds_the_rest_once(sessions, monkeypatch) -> None:
    article = await add(sessions, "a.md", title="Rust news")
    async with sessions.begin() as session:
        await session.execute(update(ArticleRow).where(ArticleRow.id == article).values(announce_pending=True))
    await chat(sessions, "keyword", "+rust")
    await chat(sessions, "expression", "/rust/")

    async def crash(*args, **kwargs):
        raise RuntimeError("process killed")

    with monkeypatch.context() as patched:
        patched.setattr(fanout_regex, "run", crash)
        with pytest.raises(RuntimeError):
            await announce(sessions, article, now=NOW)
    async with sessions() as session:
        assert await session.scalar(select(ArticleRow.announce_pending).where(ArticleRow.id == article)) is True

    assert await announce(sessions, article, now=NOW) == 1
    assert await announce(sessions, article, now=NOW) == 0
    assert await received(sessions) == {"keyword": {article}, "expression": {article}}
    async with sessions() as session:
        assert await session.scalar(select(ArticleRow.announce_pending).where(ArticleRow.id == article)) is False


async def test_digest_subscriptions_collect_matching_articles_and_broadcasts_still_deliver(sessions) -> None:
    await chat(sessions, "digest-kw", "+rust")
    await chat(sessions, "digest-re", "/rust/")
    await chat(sessions, "now", "+rust")
    schedule = DigestSchedule("daily", 8, 0)
    for name in ("digest-kw", "digest-re"):
        await set_digest(sessions, "fake", name, schedule, NOW + timedelta(hours=23), NOW)
    rust = await add(sessions, "r.md", title="Rust news")
    other = await add(sessions, "o.md", title="Other news")

    await fan_out(sessions, rust, now=NOW)
    await fan_out(sessions, other, now=NOW)
    await fan_out(sessions, rust, now=NOW)

    async with sessions() as session:
        entries = (await session.execute(select(DigestEntry.subscription_id, DigestEntry.article_id))).all()
    assert len(entries) == 2 and {article for _, article in entries} == {rust}
    assert await received(sessions) == {"now": {rust}}

    await fan_out(sessions, rust, now=NOW, round=7)  # an admin's broadcast: deliveries, filters apply
    assert await received(sessions, round=7) == {"digest-kw": {rust}, "digest-re": {rust}, "now": {rust}}


async def test_an_explicit_target_ignores_filters(sessions) -> None:
    article = await add(sessions, "a.md", title="Sponsored post", tags=["Sponsored"])
    await chat(sessions, "picky", "-sponsored /nothing/")

    assert await fan_out(sessions, article, now=NOW) == 0
    assert await fan_out(sessions, article, now=NOW, only=Target("fake", "picky"), round=3) == 1
    assert await received(sessions, round=3) == {"picky": {article}}


async def test_an_article_indexed_before_filters_gets_its_match_text_at_fan_out(sessions) -> None:
    article = await add(sessions, "old.md", title="Old Ｒｕｓｔ post", tags=["Systems"])
    async with sessions.begin() as session:
        await session.execute(update(ArticleRow).where(ArticleRow.id == article).values(match_text=None))
    await chat(sessions, "rust", "+rust")
    await chat(sessions, "systems-re", "/^systems$/")

    assert await fan_out(sessions, article, now=NOW) == 1
    assert await received(sessions) == {"rust": {article}}
    async with sessions() as session:
        assert await session.scalar(select(ArticleRow.match_text).where(ArticleRow.id == article)) == (
            "old rust post\nsystems\ntext."
        )
